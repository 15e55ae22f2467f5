"""What a WhatsApp Cloud API webhook call is, for the assistant: a signature check and plain data.

Meta signs every call with the app secret (X-Hub-Signature-256: sha256=<hex HMAC of
the raw body>). One call may carry several entries, changes and messages. Text and
taps on reply buttons or list rows go to the assistant; photos, voice notes,
stickers, locations and the like get "I can only read text here"; delivery statuses
are not messages; reactions, system notices, group messages and unknown shapes are
ignored.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

TEXT, BUTTON, NOT_TEXT = "text", "button", "not_text"
SIGNATURE_HEADER = "X-Hub-Signature-256"
ONLY_TEXT_REPLY = "Sorry, I can only read text here. Could you type your message?"
NOT_TEXT_TYPES = {"image", "audio", "video", "document", "sticker", "location", "contacts", "unsupported", "order"}
STATUSES = {"sent", "delivered", "read", "failed"}


def signature_valid(body: bytes, header: Optional[str], app_secret: str) -> bool:
    """The header is "sha256=" and the hex HMAC-SHA256 of exactly these bytes, compared in constant time."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body or b"", hashlib.sha256).hexdigest()
    given = header[len("sha256=") :].strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(expected.encode(), given)


def sign(body: bytes, app_secret: str) -> str:
    """The header value Meta would send (tests and the stand-in use it)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Inbound:
    kind: str  # TEXT, BUTTON or NOT_TEXT
    message_id: str
    sender: str  # the person's wa_id (their number, digits only)
    text: str = ""  # TEXT: what they typed; BUTTON: the id we gave the button or row


@dataclass(frozen=True)
class Status:
    message_id: str  # the id of a message we sent
    status: str
    recipient: str
    error: str = ""


@dataclass
class Webhook:
    messages: List[Inbound] = field(default_factory=list)
    statuses: List[Status] = field(default_factory=list)


def read_webhook(body: Any, phone_number_id: Optional[str] = None) -> Webhook:
    """The messages and statuses in a webhook body; changes for another business number are skipped."""
    found = Webhook()
    if not isinstance(body, dict) or body.get("object") != "whatsapp_business_account":
        return found
    for entry in _dicts(body.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
            number_id = metadata.get("phone_number_id")
            if phone_number_id and number_id is not None and str(number_id) != phone_number_id:
                continue
            found.messages.extend(m for m in map(_message, _dicts(value.get("messages"))) if m)
            found.statuses.extend(s for s in map(_status, _dicts(value.get("statuses"))) if s)
    return found


def _message(message: Dict) -> Optional[Inbound]:
    sender, message_id, kind = message.get("from"), message.get("id"), message.get("type")
    if not (isinstance(sender, str) and sender.isdigit() and isinstance(message_id, str) and message_id):
        return None
    if message.get("group_id"):
        return None  # one to one only: people tell the assistant about their health
    if kind == "text":
        text = (message.get("text") or {}).get("body") if isinstance(message.get("text"), dict) else None
        return Inbound(TEXT, message_id, sender, text) if isinstance(text, str) else None
    if kind == "interactive":
        reply_id = _reply_id(message.get("interactive"))
        return Inbound(BUTTON, message_id, sender, reply_id) if reply_id else None
    if kind == "button":  # a template's quick-reply button: its payload, else its text
        button = message.get("button") if isinstance(message.get("button"), dict) else {}
        text = button.get("payload") or button.get("text")
        return Inbound(TEXT, message_id, sender, text) if isinstance(text, str) and text else None
    if kind in NOT_TEXT_TYPES:
        return Inbound(NOT_TEXT, message_id, sender)
    return None  # reactions, system notices, kinds added later


def _reply_id(interactive: Any) -> Optional[str]:
    if not isinstance(interactive, dict):
        return None
    kind = interactive.get("type")
    if kind not in ("button_reply", "list_reply") or not isinstance(interactive.get(kind), dict):
        return None
    reply_id = interactive[kind].get("id")
    return reply_id if isinstance(reply_id, str) and reply_id else None


def _status(status: Dict) -> Optional[Status]:
    message_id, state, recipient = status.get("id"), status.get("status"), status.get("recipient_id")
    if not isinstance(message_id, str) or state not in STATUSES:
        return None
    error = "; ".join(str(e.get("title") or e.get("message") or e.get("code")) for e in _dicts(status.get("errors")))
    return Status(message_id, state, str(recipient or ""), error[:300])


def _dicts(value: Any) -> List[Dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
