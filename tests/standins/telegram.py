"""A stand-in for the Telegram Bot API: /bot<token>/<method>, answers shaped like Telegram's."""

from __future__ import annotations

import itertools
from typing import Any, Dict

from tests.standins.provider import Call, StandIn

TOKEN = "123456:TEST-telegram-token"
METHODS = {"sendMessage", "answerCallbackQuery", "setWebhook", "deleteWebhook"}


def telegram_standin(token: str = TOKEN) -> StandIn:
    message_ids = itertools.count(1000)

    def answer(call: Call):
        prefix = f"/bot{token}/"
        if not call.path.startswith("/bot"):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if not call.path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = call.path[len(prefix) :]
        if method not in METHODS:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        body: Dict[str, Any] = call.body if isinstance(call.body, dict) else {}
        if method == "sendMessage":
            text = body.get("text")
            if not isinstance(text, str) or not text.strip():
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
            if len(text) > 4096:
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
            return 200, {
                "ok": True,
                "result": {"message_id": next(message_ids), "chat": {"id": body.get("chat_id")}, "text": text},
            }
        return 200, {"ok": True, "result": True}

    return StandIn(answer).start()


def too_many_requests(retry_after: int = 1):
    return 429, {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {retry_after}",
        "parameters": {"retry_after": retry_after},
    }
