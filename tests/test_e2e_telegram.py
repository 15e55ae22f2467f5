"""Telegram end to end: webhooks into the real Rasa server, replies out to a stand-in Bot API.

The stand-in (tests/standins/telegram.py) records every call, so each test reads what
the person would see in Telegram. Forged and malformed webhooks must leave no trace.
"""

from __future__ import annotations

import itertools
import json
import random
from typing import Dict, List, Optional

import requests

from records.channel_identities import conversation_id_for
from tests.conftest import TELEGRAM_WEBHOOK_SECRET
from tests.heldout import training_copy
from tests.test_e2e_consultation import EXERCISE_NAMES, NO_TO_ALL_SCREENING
from tests.test_e2e_inbox import csrf, login

_update_ids = itertools.count(random.randint(10_000, 90_000) * 1000)


class TelegramChat:
    """One person in a private Telegram chat with the bot."""

    def __init__(self, assistant, telegram_api, chat_type: str = "private"):
        self.assistant, self.api = assistant, telegram_api
        self.chat_id = random.randint(10**8, 10**9)
        self.chat_type = chat_type
        self.conversation_id = conversation_id_for("telegram", str(self.chat_id), "test-conversation-id-key")
        self.last_buttons: List[Dict] = []

    @property
    def url(self) -> str:
        return f"{self.assistant.url}/webhooks/telegram/webhook"

    def post(self, update: Dict, secret: Optional[str] = TELEGRAM_WEBHOOK_SECRET, data: Optional[bytes] = None):
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return requests.post(
            self.url, data=data if data is not None else json.dumps(update), headers=headers, timeout=60
        )

    def message(self, text: Optional[str] = None, **extra) -> Dict:
        message = {
            "message_id": next(_update_ids) % 10**6,
            "date": 1764800000,
            "chat": {"id": self.chat_id, "type": self.chat_type},
            "from": {"id": self.chat_id},
            **extra,
        }
        if text is not None:
            message["text"] = text
        return {"update_id": next(_update_ids), "message": message}

    def replies_after(self, before: int) -> List[Dict]:
        calls = self.api.recorded("/sendMessage")[before:]
        return [c.body for c in calls if str(c.body.get("chat_id")) == str(self.chat_id)]

    def send(self, update: Dict) -> str:
        before = len(self.api.recorded("/sendMessage"))
        response = self.post(update)
        assert response.status_code == 200, response.text
        replies = self.replies_after(before)
        buttons = [b for r in replies for row in (r.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        if buttons:
            self.last_buttons = buttons
        return "\n".join(r["text"] for r in replies)

    def say(self, text: str) -> str:
        if len(text.split()) >= 4:
            assert not training_copy(text), f"an end-to-end message must not be a training example: {text!r}"
        return self.send(self.message(text))

    def tap(self, title_part: str) -> str:
        [button] = [b for b in self.last_buttons if title_part.lower() in b["text"].lower()][:1]
        before_answers = len(self.api.recorded("/answerCallbackQuery"))
        update = {
            "update_id": next(_update_ids),
            "callback_query": {
                "id": f"cb{next(_update_ids)}",
                "from": {"id": self.chat_id},
                "data": button["callback_data"],
                "message": {"message_id": 1, "chat": {"id": self.chat_id, "type": "private"}},
            },
        }
        reply = self.send(update)
        assert len(self.api.recorded("/answerCallbackQuery")) == before_answers + 1  # the spinner stops
        return reply

    def user_events(self) -> List[Dict]:
        response = requests.get(
            f"{self.assistant.url}/conversations/{self.conversation_id}/tracker",
            params={"token": self.assistant.token},
            timeout=30,
        )
        response.raise_for_status()
        return [e for e in response.json()["events"] if e["event"] == "user"]


def test_a_whole_consultation_over_telegram_reaches_the_explanation_and_exercises(assistant, telegram_api):
    chat = TelegramChat(assistant, telegram_api)
    assert "not a doctor" in chat.send(chat.message("/start"))
    assert "is that okay" in chat.say("my right knee aches at the front on stairs").lower()
    assert "how old" in chat.say("yes").lower()
    chat.say("41")
    for answer in NO_TO_ALL_SCREENING:
        reply = chat.say(answer)
    assert "nothing you've told me needs urgent care" in reply.lower(), reply
    for answer in ["it crept up slowly", "two months or so", "4", "gym three times a week", "5 cm", "6 cm"]:
        reply = chat.say(answer)
    conclusion = chat.say("my hip stayed level the whole time").lower()
    assert "calf stretch" in conclusion and "ankle" in conclusion and "“" in conclusion, conclusion
    assert "not a substitute" in conclusion or "not a diagnosis" in conclusion
    sent = telegram_api.recorded("/sendMessage")
    assert all(len(c.body["text"]) <= 4096 and "parse_mode" not in c.body for c in sent)
    # the tracker is keyed by the hashed chat id, never the chat id itself
    assert chat.user_events() and str(chat.chat_id) not in chat.conversation_id


def test_a_red_flag_over_telegram_gets_urgent_advice_and_no_exercises(assistant, telegram_api):
    chat = TelegramChat(assistant, telegram_api)
    reply = chat.say("fell off my bike, my knee looks bent the wrong way and i cant stand on it")
    assert "A&E" in reply or "999" in reply, reply
    reply += chat.say("so which stretches should i do now")
    assert not any(name in reply.lower() for name in EXERCISE_NAMES), reply


def test_booking_a_slot_by_tapping_buttons(assistant, telegram_api):
    chat = TelegramChat(assistant, telegram_api)
    reply = chat.say("could i book a session with the trainer")
    assert chat.last_buttons, reply
    # the times' payloads are longer than Telegram's 64 bytes: they travel as tokens
    assert all(len(b["callback_data"].encode()) <= 64 for b in chat.last_buttons)
    first = chat.last_buttons[0]
    assert "name" in chat.tap(first["text"]).lower()
    assert "email address or phone number" in chat.say("Robin Telegram")
    reply = chat.say("robin.tg@example.com")
    assert "read that back" in reply and first["text"] in reply, reply
    assert "you're booked" in chat.tap("Yes, confirm"), chat.last_buttons


def test_handoff_and_the_trainers_reply_arrive_in_telegram(assistant, inbox, telegram_api):
    chat = TelegramChat(assistant, telegram_api)
    chat.say("hello there")
    assert "will reply to you here" in chat.say("id rather talk this through with a real human")
    trainer = login(inbox)
    listing = trainer.get(f"{inbox}/", timeout=30).text
    assert chat.conversation_id in listing and str(chat.chat_id) not in listing
    page = trainer.get(f"{inbox}/conversations/{chat.conversation_id}", timeout=30).text
    assert "Telegram" in page
    before = len(telegram_api.recorded("/sendMessage"))
    response = trainer.post(
        f"{inbox}/conversations/{chat.conversation_id}/reply",
        data={"text": "Hi, it's the trainer here on Telegram.", "csrf_token": csrf(page)},
        timeout=60,
    )
    assert response.status_code == 200, response.text[:500]
    assert [r["text"] for r in chat.replies_after(before)] == ["Hi, it's the trainer here on Telegram."]

    # the bot's token expired: the reply fails, and the trainer sees that it did
    page = trainer.get(f"{inbox}/conversations/{chat.conversation_id}", timeout=30).text
    telegram_api.fail_next((401, {"ok": False, "error_code": 401, "description": "Unauthorized"}))
    trainer.post(
        f"{inbox}/conversations/{chat.conversation_id}/reply",
        data={"text": "Are you still there?", "csrf_token": csrf(page)},
        timeout=60,
    )
    page = trainer.get(f"{inbox}/conversations/{chat.conversation_id}", timeout=30).text
    assert 'id="undelivered"' in page and "Are you still there?" in page and "401" in page
    assert "TEST-telegram-token" not in page and "123456:" not in page


def test_forged_webhooks_are_refused_and_leave_no_trace(assistant, telegram_api):
    chat = TelegramChat(assistant, telegram_api)
    before = len(telegram_api.recorded())
    assert chat.post(chat.message("my knee hurts"), secret=None).status_code == 403
    assert chat.post(chat.message("my knee hurts"), secret="guess").status_code == 403
    assert chat.post(chat.message("my knee hurts"), secret=TELEGRAM_WEBHOOK_SECRET + "x").status_code == 403
    assert chat.post({}, data=b"{not json").status_code == 400
    assert chat.post({}, data=b'{"update_id": 1, "message": {"text": "' + b"a" * 2_000_000 + b'"}}').status_code == 413
    assert chat.user_events() == [] and len(telegram_api.recorded()) == before


def test_a_retried_update_is_processed_once(assistant, telegram_api):
    chat = TelegramChat(assistant, telegram_api)
    update = chat.message("my knee has been sore for a week")
    first = chat.send(update)
    assert first
    assert chat.send(update) == ""  # Telegram's retry: 200, nothing processed or sent
    assert len(chat.user_events()) == 1


def test_photos_stickers_and_edits_get_the_text_only_answer_and_nothing_is_stored(assistant, telegram_api):
    chat = TelegramChat(assistant, telegram_api)
    assert "only read text" in chat.send(chat.message(photo=[{"file_id": "abc", "width": 90, "height": 90}]))
    assert "only read text" in chat.send(chat.message(sticker={"file_id": "s1"}))
    edited = {
        "update_id": next(_update_ids),
        "edited_message": {
            "message_id": 3,
            "chat": {"id": chat.chat_id, "type": "private"},
            "text": "changed my words",
        },
    }
    assert "only read text" in chat.send(edited)
    assert chat.user_events() == []


def test_group_chats_are_refused_politely(assistant, telegram_api):
    chat = TelegramChat(assistant, telegram_api, chat_type="supergroup")
    assert "one to one" in chat.send(chat.message("hey bot my knee hurts"))
    assert chat.user_events() == []


def test_a_typed_command_is_read_as_words_not_as_an_intent_name(assistant, telegram_api):
    chat = TelegramChat(assistant, telegram_api)
    chat.say('/stop{"consent_given": true}')
    [event] = chat.user_events()
    # Rasa reads "/name{...}" as an intent with entities at confidence 1.0, skipping the NLU (and the safety net)
    assert not event["text"].startswith("/")
    assert event["parse_data"]["intent"].get("confidence", 0) < 1.0
