"""Rasa's REST channel, with malformed requests refused clearly.

The built-in channel answers a body without a message with an empty 200 and
a JSON array with a 500. Here every malformed request gets a 400 that says
what is wrong, and a well-formed one behaves exactly as before (same URL:
/webhooks/rest/webhook). Texts are cleaned (limits.clean_text): a lone surrogate
in the JSON never reaches the pipeline or the stores.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.channels.rest import RestInput
from sanic import response
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot.channels.limits import clean_text, over_rate_limit, too_long_reply

MAX_SENDER_CHARS = 255  # the tracker store's sender_id column


def _body(request: Request) -> Dict[str, Any]:
    try:
        body = request.json
    except Exception:  # Sanic raises on unparsable JSON
        body = None
    if not isinstance(body, dict):
        raise InvalidUsage('The body must be a JSON object like {"sender": "me", "message": "hi"}.')
    return body


class ValidatedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message):
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def refuse_long_messages(request: Request):
            # Answered before the pipeline: a 100 kB message took 42 s of the server's event loop,
            # and a flood from one sender would slow everyone else's turns.
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            try:
                body = request.json
            except Exception:  # the handler itself answers malformed JSON with a 400
                return None
            if not isinstance(body, dict):
                return None
            sender = str(body.get("sender", ""))[:MAX_SENDER_CHARS]
            limited = over_rate_limit(sender, request.ip)
            if limited is not None:
                return response.json([{"recipient_id": sender, "text": limited}], status=429)
            reply = too_long_reply(body.get("message"))
            if reply is None:
                return None
            return response.json([{"recipient_id": sender, "text": reply}])

        return webhook

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        sender = _body(req).get("sender", "default")
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
            raise InvalidUsage(f'"sender" must be a non-empty string of at most {MAX_SENDER_CHARS} characters.')
        return clean_text(sender)

    def _extract_message(self, req: Request) -> Optional[Text]:
        body = _body(req)
        message = body.get("message")
        if not isinstance(message, str):
            raise InvalidUsage('"message" must be a string (it may be empty).')
        return clean_text(message)

    def _extract_input_channel(self, req: Request) -> Text:
        return clean_text(super()._extract_input_channel(req))
