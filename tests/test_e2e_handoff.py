"""Handing a conversation to the trainer, against the real servers and a real database.

The person asks for a human (or the assistant keeps failing, or the consultation
escalates): a handoff with transcript and summary is stored, the person is told
what happens next, and the bot is paused until the trainer hands it back.
"""

from __future__ import annotations

import json
from typing import Dict, List

import pytest
import requests

from tests.replicas_fixtures import app_rows, either_set_up
from tests.test_e2e_consultation import Chat, start_with_consent


@pytest.fixture(scope="module")
def assistant(request, set_up):
    """Every test here runs against one Rasa server and against two replicas behind nginx."""
    return either_set_up(request, set_up)


def handoffs(assistant, sender: str) -> List[Dict]:
    return app_rows(assistant, "handoffs", "SELECT * FROM handoffs WHERE conversation_id = :sender", sender=sender)


def append_events(assistant, sender: str, events: List[Dict], channel: str = "rest") -> requests.Response:
    return requests.post(
        f"{assistant.url}/conversations/{sender}/tracker/events",
        params={"token": assistant.token, "output_channel": channel, "execute_side_effects": "true"},
        json=events,
        timeout=30,
    )


def test_asking_for_a_person_pauses_the_bot_until_the_trainer_hands_back(assistant):
    chat = Chat(assistant)
    chat.say("hi")
    chat.say("why do stiff ankles cause knee pain?")
    reply = chat.say("can I talk to a real person please")
    assert "will reply to you here" in reply and "stay quiet" in reply, reply
    assert assistant.tracker(chat.sender)["paused"] is True

    [handoff] = handoffs(assistant, chat.sender)
    assert handoff["reason"] == "asked_for_human" and handoff["status"] == "open"
    transcript = json.loads(handoff["transcript"]) if isinstance(handoff["transcript"], str) else handoff["transcript"]
    assert any(line["who"] == "person" and "stiff ankles" in line["text"] for line in transcript)
    assert any(line["who"] == "assistant" for line in transcript)
    assert handoff["summary"], "the trainer gets a summary line even without a consultation"

    # While paused the bot says nothing, but the message is kept for the trainer.
    assert assistant.send("hello? are you there", sender=chat.sender) == []
    user_texts = [e.get("text") for e in assistant.tracker(chat.sender)["events"] if e["event"] == "user"]
    assert "hello? are you there" in user_texts

    # The trainer's reply (as the inbox sends it) lands in the conversation...
    response = append_events(
        assistant,
        chat.sender,
        [{"event": "bot", "text": "Hi, it's the trainer here.", "metadata": {"from_trainer": True}}],
    )
    assert response.status_code == 200, response.text
    bots = [e for e in assistant.tracker(chat.sender)["events"] if e["event"] == "bot"]
    assert bots[-1]["text"] == "Hi, it's the trainer here." and bots[-1]["metadata"].get("from_trainer") is True

    # ...and handing back resumes the bot.
    assert append_events(assistant, chat.sender, [{"event": "resume"}]).status_code == 200
    assert assistant.tracker(chat.sender)["paused"] is False
    assert "“" in chat.say("could weak hips be causing knee pain?")


def test_repeated_misunderstandings_offer_a_person(assistant):
    chat = Chat(assistant)
    replies = [chat.say(text) for text in ("asdfgh jkl", "qwrtp blorf", "zxcvbnm")]
    assert "having trouble understanding" in replies[-1], replies
    assert "having trouble understanding" not in replies[0]
    payloads = [b["payload"] for m in assistant.send("hjkl hjkl", sender=chat.sender) for b in m.get("buttons") or []]
    assert "/request_human" in payloads
    reply = chat.say("/request_human")
    assert "will reply to you here" in reply
    [handoff] = handoffs(assistant, chat.sender)
    assert handoff["reason"] == "not_understood"


def test_consultation_that_needs_a_clinician_soon_escalates_to_the_trainer(assistant):
    chat = Chat(assistant)
    start_with_consent(chat, "my right knee hurts")
    # injury no, can walk, hot/red no, calf no, locking no; numbness or night pain: yes (see a GP soon)
    for answer in ["no", "yes", "no", "no", "no", "yes"]:
        reply = chat.say(answer)
    for _ in range(3):  # the remaining safety questions, if any
        if "will reply to you here" in reply:
            break
        reply = chat.say("no")
    assert "gp" in reply.lower() and "will reply to you here" in reply, reply
    [handoff] = handoffs(assistant, chat.sender)
    assert handoff["reason"] == "escalation" and handoff["triage_level"] == "soon"
    assert "Triage: soon" in handoff["summary"], handoff["summary"]  # the saved consultation's summary
    assert assistant.tracker(chat.sender)["paused"] is True


def test_a_person_in_the_middle_of_the_consultation_can_ask_for_a_human(assistant):
    chat = Chat(assistant)
    start_with_consent(chat, "left knee hurts on stairs")
    reply = chat.say("actually I'd rather speak to someone")
    assert "will reply to you here" in reply, reply
    tracker = assistant.tracker(chat.sender)
    assert tracker["paused"] is True and (tracker.get("active_loop") or {}).get("name") in (None, "")
    assert "Consultation not finished" in handoffs(assistant, chat.sender)[0]["summary"]
