"""A stand-in for the WhatsApp Cloud API: POST /{phone-number-id}/messages with a Bearer token.

It refuses what the real API refuses (a wrong token, text over 4,096 characters, more
than 3 reply buttons, titles over 20 or 24 characters, duplicate ids, new lines in a
template parameter, …) with Graph API errors. Below it: webhook bodies shaped like
Meta's, and their signature, for the tests that play Meta's side.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Dict, List, Optional

from connectors.whatsapp_webhook import sign
from tests.standins.provider import Call, StandIn

ACCESS_TOKEN = "TEST-whatsapp-access-token"
APP_SECRET = "TEST-whatsapp-app-secret"
VERIFY_TOKEN = "TEST-whatsapp-verify-token"
PHONE_NUMBER_ID = "100000000000001"


def whatsapp_standin(token: str = ACCESS_TOKEN, phone_number_id: str = PHONE_NUMBER_ID) -> StandIn:
    ids = itertools.count(1)

    def answer(call: Call):
        if call.headers.get("authorization") != f"Bearer {token}":
            return 401, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}}
        if call.path.rstrip("/") != f"/{phone_number_id}/messages":
            return 400, {"error": {"message": "Unsupported post request.", "type": "GraphMethodException", "code": 100}}
        body: Dict[str, Any] = call.body if isinstance(call.body, dict) else {}
        if body.get("messaging_product") != "whatsapp" or not body.get("to"):
            return 400, {"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}}
        problem = message_problem(body)
        if problem:
            return 400, {
                "error": {
                    "message": f"(#131009) Parameter value is not valid: {problem}",
                    "type": "OAuthException",
                    "code": 131009,
                }
            }
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": f"wamid.TEST{next(ids):08d}"}],
        }

    return StandIn(answer).start()


def message_problem(body: Dict[str, Any]) -> Optional[str]:
    """Why the real API would refuse this message body, or None."""
    kind = body.get("type")
    if kind == "text":
        text = (body.get("text") or {}).get("body")
        return None if isinstance(text, str) and 0 < len(text.strip()) and len(text) <= 4096 else "text body"
    if kind == "interactive":
        return _interactive_problem(body.get("interactive") or {})
    if kind == "template":
        template = body.get("template") or {}
        if not template.get("name") or not (template.get("language") or {}).get("code"):
            return "template name or language"
        texts = [p.get("text", "") for c in template.get("components") or [] for p in c.get("parameters") or []]
        if any(not t or len(t) > 1024 or "\n" in t or "\t" in t or "     " in t for t in texts):
            return "template parameter"
        return None
    return "message type"


def _interactive_problem(interactive: Dict[str, Any]) -> Optional[str]:
    body = (interactive.get("body") or {}).get("text")
    if not isinstance(body, str) or not body.strip() or len(body) > 1024:
        return "interactive body"
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        choices = [b.get("reply") or {} for b in action.get("buttons") or []]
        title_limit, id_limit, most = 20, 256, 3
    elif interactive.get("type") == "list":
        if not 0 < len(action.get("button") or "") <= 20:
            return "list button label"
        choices = [r for s in action.get("sections") or [] for r in s.get("rows") or []]
        if any(len(r.get("description") or "") > 72 for r in choices):
            return "row description"
        title_limit, id_limit, most = 24, 200, 10
    else:
        return "interactive type"
    titles, choice_ids = [c.get("title") or "" for c in choices], [c.get("id") or "" for c in choices]
    if not 0 < len(choices) <= most:
        return "number of choices"
    if any(not t or len(t) > title_limit for t in titles) or len(set(titles)) != len(titles):
        return "choice titles"
    if any(not i or len(i) > id_limit for i in choice_ids) or len(set(choice_ids)) != len(choice_ids):
        return "choice ids"
    return None


# --- Meta's side: webhook bodies and their signature -------------------------------------------------


def envelope(value: Dict[str, Any], phone_number_id: str = PHONE_NUMBER_ID) -> Dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000000", "phone_number_id": phone_number_id},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "200000000000002", "changes": [{"field": "messages", "value": value}]}],
    }


def message_body(sender: str, message_id: str, kind: str, content: Dict[str, Any], **envelope_args) -> Dict:
    message = {"from": sender, "id": message_id, "timestamp": "1764800000", "type": kind, **content}
    return envelope(
        {"contacts": [{"profile": {"name": "Test Person"}, "wa_id": sender}], "messages": [message]}, **envelope_args
    )


def text_body(sender: str, message_id: str, text: str, **envelope_args) -> Dict:
    return message_body(sender, message_id, "text", {"text": {"body": text}}, **envelope_args)


def reply_body(sender: str, message_id: str, reply_id: str, title: str = "", kind: str = "button_reply") -> Dict:
    return message_body(
        sender, message_id, "interactive", {"interactive": {"type": kind, kind: {"id": reply_id, "title": title}}}
    )


def status_body(
    recipient: str, message_id: str, status: str = "delivered", errors: Optional[List[Dict]] = None
) -> Dict:
    entry = {"id": message_id, "status": status, "timestamp": "1764800001", "recipient_id": recipient}
    if errors:
        entry["errors"] = errors
    return envelope({"statuses": [entry]})


def signed(body: Dict, secret: str = APP_SECRET) -> tuple:
    """(raw bytes, headers) as Meta would send them."""
    raw = json.dumps(body).encode()
    return raw, {"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, secret)}
