"""What a Telegram webhook update is, for the assistant: plain data in, one decision out.

Only private chats are served; a group gets a polite refusal. Text and button taps
(callback_query) go to the assistant; photos, voice, stickers, locations and edited
messages get "I can only read text here"; other update kinds are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional

TEXT, BUTTON, NOT_TEXT, GROUP, IGNORED = "text", "button", "not_text", "group", "ignored"

ONLY_TEXT_REPLY = "Sorry, I can only read text here. Could you type your message?"
GROUP_REPLY = "I only chat one to one, because people tell me about their health. Please message me directly instead."


@dataclass(frozen=True)
class TelegramUpdate:
    kind: str
    update_id: Optional[int]
    chat_id: Optional[str] = None
    text: str = ""
    callback_id: Optional[str] = None


def read_update(body: Any) -> TelegramUpdate:
    if not isinstance(body, dict) or not isinstance(body.get("update_id"), int):
        return TelegramUpdate(IGNORED, None)
    update_id = body["update_id"]
    if isinstance(body.get("callback_query"), dict):
        query = body["callback_query"]
        chat = ((query.get("message") or {}).get("chat")) or {}
        kind = _chat_kind(chat, BUTTON)
        data = query.get("data")
        return TelegramUpdate(
            kind,
            update_id,
            _chat_id(chat),
            data if isinstance(data, str) else "",
            str(query.get("id")) if query.get("id") is not None else None,
        )
    for key in ("message", "edited_message"):
        message = body.get(key)
        if not isinstance(message, dict):
            continue
        chat = message.get("chat") or {}
        text = message.get("text")
        if key == "message" and isinstance(text, str):
            return TelegramUpdate(_chat_kind(chat, TEXT), update_id, _chat_id(chat), text)
        return TelegramUpdate(_chat_kind(chat, NOT_TEXT), update_id, _chat_id(chat))
    return TelegramUpdate(IGNORED, update_id)


def _chat_id(chat: Dict) -> Optional[str]:
    value = chat.get("id")
    return str(value) if isinstance(value, int) else None


def _chat_kind(chat: Dict, kind: str) -> str:
    if _chat_id(chat) is None:
        return IGNORED
    return kind if chat.get("type") == "private" else GROUP


def is_start_command(text: str) -> bool:
    """Telegram sends "/start" when someone opens the bot; it must not be read as an intent."""
    return text.strip().split("@")[0].split(" ")[0] == "/start"
