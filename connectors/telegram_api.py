"""The Telegram Bot API calls the assistant makes: {base}/bot{token}/<method>.

Plain text only (no parse_mode), so nothing in a reply can be read as Markdown.
Buttons become an inline keyboard, one button per row so long titles stay readable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from connectors.provider_http import ProviderHTTP

MAX_MESSAGE_CHARS = 4096
MAX_CALLBACK_DATA_BYTES = 64
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


@dataclass
class TelegramClient:
    base_url: str
    token: str
    http: ProviderHTTP = field(default_factory=lambda: ProviderHTTP("Telegram"))

    def _call(self, method: str, payload: Dict) -> Dict:
        return self.http.post(f"{self.base_url.rstrip('/')}/bot{self.token}/{method}", method, payload)

    def send_message(self, chat_id: str, text: str, buttons: Optional[Sequence[Dict[str, str]]] = None) -> Dict:
        """`buttons`: [{"title", "data"}] with data already at most 64 bytes."""
        payload: Dict = {"chat_id": chat_id, "text": text}
        if buttons:
            payload["reply_markup"] = {
                "inline_keyboard": [[{"text": b["title"][:64], "callback_data": b["data"]}] for b in buttons]
            }
        return self._call("sendMessage", payload)

    def answer_callback(self, callback_query_id: str) -> Dict:
        return self._call("answerCallbackQuery", {"callback_query_id": callback_query_id})

    def set_webhook(self, url: str, secret_token: str) -> Dict:
        return self._call(
            "setWebhook",
            {
                "url": url,
                "secret_token": secret_token,
                "allowed_updates": ALLOWED_UPDATES,
                "drop_pending_updates": False,
            },
        )

    def delete_webhook(self) -> Dict:
        return self._call("deleteWebhook", {})


def fits_callback_data(data: str) -> bool:
    return 0 < len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES


def chunks_with_buttons(parts: List[str], buttons) -> List[tuple]:
    """[(text, buttons or None)]: the buttons go with the last part of a split reply."""
    return [(part, buttons if index == len(parts) - 1 else None) for index, part in enumerate(parts)]
