"""Rasa's REST channel: a developer channel, with malformed requests refused clearly.

Whoever posts to it chooses the conversation id ("sender"), so it would let
anyone write into (and read the replies of) anyone's conversation. It takes a
message only with the Rasa API token (`Authorization: Bearer <RASA_API_TOKEN>`
or `?token=`), or from this machine itself: a loopback peer with no proxy
header (X-Forwarded-For, X-Real-IP, Forwarded), since a request a reverse
proxy passes on also comes from 127.0.0.1. Anything else gets a 403 naming the
public channels (website widget, Telegram, WhatsApp). REST_CHANNEL_OPEN=true
switches the check off.

The built-in channel answers a body without a message with an empty 200 and
a JSON array with a 500. Here every malformed request gets a 400 that says
what is wrong, and a well-formed one behaves exactly as before (same URL:
/webhooks/rest/webhook). Texts are cleaned (limits.clean_text): a lone surrogate
in the JSON never reaches the pipeline or the stores.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any, Dict, Mapping, Optional, Text

from rasa.core.channels.rest import RestInput
from sanic import response
from sanic.exceptions import InvalidUsage
from sanic.request import Request

import settings
from bot.channels.limits import clean_text, over_rate_limit, too_long_reply

MAX_SENDER_CHARS = 255  # the tracker store's sender_id column
PROXY_HEADERS = ("x-forwarded-for", "x-real-ip", "forwarded")
DEVELOPERS_ONLY = (
    "The REST channel is a developer channel: it needs the Rasa API token (Authorization: Bearer <token> "
    "or ?token=) unless called on this machine. People chat through the website widget, Telegram or WhatsApp."
)


def _is_loopback(peer: Optional[str]) -> bool:
    try:
        address = ipaddress.ip_address((peer or "").strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1
    return address.is_loopback


def _has_token(headers: Mapping[str, str], query_token: Optional[str], token: str) -> bool:
    if not token:
        return False
    scheme, _, credentials = (headers.get("authorization") or "").strip().partition(" ")
    offered = [credentials.strip()] if scheme.lower() == "bearer" else []
    if query_token:
        offered.append(query_token)
    # every offer is compared (no early exit), in constant time for its length
    matches = [hmac.compare_digest(value.encode(), token.encode()) for value in offered]
    return any(matches)


def developer_access(peer: Optional[str], headers: Mapping[str, str], query_token: Optional[str], token: str) -> bool:
    """May this request use the REST channel? With the API token, or from this machine without a proxy."""
    names = {name.lower() for name in headers.keys()}
    lowered = {name.lower(): value for name, value in headers.items()}
    if _has_token(lowered, query_token, token):
        return True
    return _is_loopback(peer) and not names.intersection(PROXY_HEADERS)


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
        async def developers_only(request: Request):
            # First: a refused request is never counted, parsed or passed on.
            if settings.REST_CHANNEL_OPEN or request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            if developer_access(request.ip, request.headers, request.args.get("token"), settings.RASA_API_TOKEN):
                return None
            return response.json({"error": DEVELOPERS_ONLY}, status=403)

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
