"""The person's data rights against the real servers: erasure while with the trainer, export.

Over REST, and over Telegram (its stand-in records what the person receives):
while the conversation is with the trainer, the answer comes after the turn, on
the person's channel, and REST has nobody listening then. The records a long
chat would collect (a booking, a saved consultation, a warning sign) are written
straight into the assistant's database, so each test stays short; everything
else goes through the chat and the trainer's inbox as they would be used.
"""

from __future__ import annotations

import json
import random
import time
from datetime import datetime, timedelta, timezone
from typing import Dict, List

import requests

from booking.contact import Contact
from booking.slot_types import Slot
from booking.store import BookingStore
from records.channel_identities import ChannelStore
from records.erasure import ERASED_NAME
from records.safety import SafetyRecordStore
from records.store import RecordStore
from tests.conftest import stored_events, texts
from tests.test_e2e_consultation import Chat, app_records, start_with_consent
from tests.test_e2e_handoff import handoffs
from tests.test_e2e_inbox import login
from tests.test_e2e_telegram import TelegramChat

UTC = timezone.utc


def book(assistant, sender: str, name: str) -> Dict:
    # Far ahead, on a random 5-minute mark: no clash with the booking tests' slots.
    start = datetime(2031, 1, 1, tzinfo=UTC) + timedelta(minutes=5 * random.randint(0, 200_000))
    return BookingStore(assistant.env["APP_DB_URL"]).book(
        sender,
        "rest",
        Slot(start, start + timedelta(hours=1)),
        name,
        Contact("email", f"{name.split()[0].lower()}@example.com"),
        "left knee, stairs",
        "Europe/London",
    )


def save_consultation(assistant, sender: str, age: int) -> None:
    RecordStore(assistant.env["APP_DB_URL"]).save_consultation(
        sender,
        channel="rest",
        triage_level="soon",
        triage_reasons=[],
        intake={"age_years": age, "knee_side": "left"},
        summary="left knee, night pain",
    )


def eventually(check, seconds: float = 30):
    """Answers to requests made while paused come just after the turn: wait for them."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.3)


def json_block(messages: List[Dict]) -> Dict:
    [block] = [m["text"] for m in messages if (m.get("text") or "").startswith("The same as data (JSON)")]
    return json.loads(block.split("\n", 1)[1])


def test_delete_while_with_the_trainer_erases_everything(assistant, inbox):
    url = assistant.env["APP_DB_URL"]
    chat = Chat(assistant)
    start_with_consent(chat, "my left knee hurts going down stairs", age="34")
    assert "will reply to you here" in chat.say("can I talk to a real person please")
    assert assistant.tracker(chat.sender)["paused"] is True
    save_consultation(assistant, chat.sender, 34)
    SafetyRecordStore(url).record(chat.sender, {"calf_swelling"}, {}, "same_day")
    booking = book(assistant, chat.sender, "Robin Example")
    trainer = login(inbox)
    assert chat.sender in trainer.get(f"{inbox}/", timeout=30).text

    assert chat.say("please delete my data") == ""  # paused: REST's answer is not in this response
    assert eventually(lambda: not handoffs(assistant, chat.sender)), "the erasure did not happen"

    assert app_records(assistant, chat.sender) == []
    assert SafetyRecordStore(url).open_flags(chat.sender) == (frozenset(), {})
    kept = BookingStore(url).get(booking["id"])
    assert kept["status"] == "cancelled" and kept["name"] == ERASED_NAME and kept["contact"] == ""
    assert kept["conversation_id"] == ""
    assert eventually(lambda: "user" not in stored_events(assistant.tracker_db, chat.sender))
    assert assistant.tracker(chat.sender)["paused"] is False

    assert chat.sender not in trainer.get(f"{inbox}/", timeout=30).text
    notices = trainer.get(f"{inbox}/data-requests", timeout=30).text
    assert "was erased at the person's request" in notices and chat.sender in notices
    # and the assistant answers again, as for anyone new
    assert "maltracking" in chat.say("what is maltracking").lower()


def test_on_telegram_the_answers_reach_the_person_while_with_the_trainer(assistant, telegram_api):
    url = assistant.env["APP_DB_URL"]
    chat = TelegramChat(assistant, telegram_api)
    chat.say("why do stiff ankles cause knee pain?")
    assert "will reply to you here" in chat.say("can I talk to a real person please")
    book(assistant, chat.conversation_id, "Kim Telegram")

    # A copy first: it arrives, and the conversation stays with the trainer.
    before = len(telegram_api.recorded("/sendMessage"))
    assert chat.say("could I get a copy of what you keep about me") == ""
    sent = eventually(lambda: [r["text"] for r in chat.replies_after(before) if "(JSON)" in r["text"]])
    summary = "\n".join(r["text"] for r in chat.replies_after(before))
    assert sent and "Kim Telegram" in summary and "k•••@example.com" in summary
    assert str(chat.chat_id) not in summary
    assert assistant.tracker(chat.conversation_id)["paused"] is True

    before = len(telegram_api.recorded("/sendMessage"))
    chat.say("please delete my data")
    confirmation = eventually(lambda: "\n".join(r["text"] for r in chat.replies_after(before)))
    assert "deleted" in confirmation and "booking (now cancelled)" in confirmation, confirmation
    # the chat id was the last thing to go: the confirmation went out on it first
    assert eventually(lambda: ChannelStore(url).address(chat.conversation_id) is None)
    assert handoffs(assistant, chat.conversation_id) == []


def test_export_in_the_chat_has_this_persons_data_and_nobody_elses(assistant):
    other = Chat(assistant)
    start_with_consent(other, "my right knee is sore after football", age="67")
    other.say("stop")
    book(assistant, other.sender, "Bartholomew Quince")

    chat = Chat(assistant)
    start_with_consent(chat, "my left knee hurts going down stairs", age="34")
    chat.say("stop")
    messages = assistant.send("what do you have stored about me", sender=chat.sender)
    text = texts(messages)

    assert "age: 34" in text and "No bookings" in text and "No warning signs" in text, text
    data = json_block(messages)
    assert data["conversation_id"] == chat.sender and data["answers_in_progress"]["age_years"] == 34
    # the other person's age as a value (a random sender id may contain the digits "67")
    assert (
        '"age_years": 67' not in text
        and "age: 67" not in text
        and "Bartholomew" not in text
        and other.sender not in text
    )


def test_the_inbox_exports_a_conversation_for_the_person_behind_the_login(assistant, inbox):
    chat = Chat(assistant)
    chat.say("why do stiff ankles cause knee pain?")
    save_consultation(assistant, chat.sender, 52)
    path = f"/conversations/{chat.sender}/export.json"

    assert requests.get(f"{inbox}{path}", allow_redirects=False, timeout=30).status_code == 401

    trainer = login(inbox)
    assert path in trainer.get(f"{inbox}/conversations/{chat.sender}", timeout=30).text
    response = trainer.get(f"{inbox}{path}", timeout=30)
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = response.json()
    assert data["conversation_id"] == chat.sender and data["consultation"]["answers"]["age_years"] == 52
    assert trainer.get(f"{inbox}/conversations/nobody-at-all-here/export.json", timeout=30).status_code == 404
