"""The safety net end to end: real Rasa and action servers, real SQLite, over REST.

Each test is one person's conversation, with the warning sign said at a
"wrong" moment: inside a question, in the middle of the questions, during a
booking, after a restart. Each asserts the level's own words, and that the
whole conversation afterwards holds no exercise and no self-check prompt,
however the person asks.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import requests

from tests.test_e2e_consultation import EXERCISE_NAMES, Chat, start_with_consent
from tests.test_e2e_inbox import csrf, login

SELF_CHECK_PROMPTS = ("knee-to-wall", "single-leg squat", "hip self-check", "how many centimetres")
ASK_FOR_EXERCISES = ["what exercises should I do for my knee?", "check my knee", "yes"]


def assert_nothing_to_exercise(chat: Chat) -> None:
    """Ask for exercises and a consultation again, then check the whole transcript."""
    for text in ASK_FOR_EXERCISES:
        chat.say(text)
    everything = chat.all_replies()
    for name in EXERCISE_NAMES:
        assert name not in everything, f"exercise {name!r} after a red flag:\n{everything}"
    for prompt in SELF_CHECK_PROMPTS:
        assert prompt not in everything, f"self-check {prompt!r} after a red flag:\n{everything}"


def safety_rows(assistant, sender):
    with sqlite3.connect(Path(assistant.log_dir) / "assistant.db") as conn:
        return conn.execute(
            "SELECT name, cleared_at FROM safety_flags WHERE conversation_id = ? AND kind = 'sign'", (sender,)
        ).fetchall()


def test_a_flag_inside_an_article_question(assistant):
    chat = Chat(assistant)
    reply = chat.say("what stretches help with knee pain? my calf has been swolen and sore since the weekend")
    assert reply.startswith("Please get medical help today"), reply
    assert "NHS 111" in reply and "not a diagnosis" in reply
    assert chat.slot("triage_level") == "same_day"
    assert safety_rows(assistant, chat.sender) == [("calf", None)]  # on record before any consent
    assert_nothing_to_exercise(chat)


def test_a_flag_in_the_middle_of_the_intake_form(assistant):
    chat = Chat(assistant)
    start_with_consent(chat, "my left knee hurts")
    for answer in ["no", "yes i can walk", "no", "no", "no", "no"]:
        chat.say(answer)
    reply = chat.say("front, and it locked this morning and wont straighten")
    assert reply.startswith("Please get medical help today"), reply
    assert "locks" in reply and "How long" not in reply  # nothing after the advice this turn
    assert (assistant.tracker(chat.sender).get("active_loop") or {}).get("name") in (None, "")
    assert_nothing_to_exercise(chat)


def test_a_flag_then_restart_and_start_again(assistant):
    chat = Chat(assistant)
    reply = chat.say("my knee gave way on the stairs and now i cant put any weight on it")
    assert "today" in reply and "not a diagnosis" in reply
    chat.say("/restart")  # Rasa's restart wipes the tracker; the session start reloads the record
    history = requests.get(
        f"{assistant.url}/conversations/{chat.sender}/tracker",
        params={"token": assistant.token, "include_events": "ALL"},
        timeout=30,
    ).json()["events"]
    kinds = [e["event"] for e in history]
    assert "restart" in kinds and "session_started" in kinds[kinds.index("restart") :]
    assert "cannot_bear_weight" in chat.slot("volunteered_flags")
    chat.say("hi")
    assert "cannot_bear_weight" in chat.slot("volunteered_flags")
    chat.say("can we start again")
    assert "cannot_bear_weight" in chat.slot("volunteered_flags")
    chat.say("check my knee")
    chat.say("yes")  # consent
    reply = chat.say("34")
    assert_nothing_to_exercise(chat)
    assert "today" in chat.all_replies()


def test_a_flag_during_booking(assistant):
    chat = Chat(assistant)
    reply = chat.say("i'd love to get a session booked in")
    assert "which" in reply.lower() or "time" in reply.lower(), reply
    reply = chat.say("friday is good, also my calf is swollen and im really short of breath")
    assert reply.startswith("Call 999 now"), reply
    assert chat.slot("triage_level") == "emergency"
    assert (assistant.tracker(chat.sender).get("active_loop") or {}).get("name") in (None, "")
    assert_nothing_to_exercise(chat)


def test_a_child(assistant):
    chat = Chat(assistant)
    reply = chat.say("my son is 12 and his knee really hurts after football")
    assert "parent" in reply and "GP or physiotherapist" in reply and "Osgood" in reply, reply
    assert_nothing_to_exercise(chat)


def test_a_child_by_the_age_question(assistant):
    chat = Chat(assistant)
    chat.say("can you check my knee over for me")
    chat.say("yes")
    chat.say("yes")  # a yes to "how old are you?" is asked again, never guessed
    assert "as a number" in chat.all_replies()
    assert chat.slot("age_years") is None
    reply = chat.say("im 13")
    assert "under 16" in reply and "injury" in reply, reply  # why no plan, then the safety questions
    for answer in ["no", "yes", "no", "no", "no", "no"]:
        reply = chat.say(answer)
    assert "parent" in reply and "GP or physiotherapist" in reply, reply
    assert chat.slot("triage_level") == "soon"
    assert_nothing_to_exercise(chat)


def test_a_replaced_joint_that_is_now_hot(assistant):
    chat = Chat(assistant)
    reply = chat.say("had a knee replacement in march and now its red hot and swollen")
    assert reply.startswith("Please get medical help today") and "surgical team" in reply, reply
    assert_nothing_to_exercise(chat)


def test_breathlessness_with_calf_pain_is_999(assistant):
    chat = Chat(assistant)
    start_with_consent(chat)
    reply = chat.say("no, but my calf is sore and swollen and i cant catch my breath")
    assert reply.startswith("Call 999 now"), reply
    assert "Don't drive yourself" in reply
    assert_nothing_to_exercise(chat)


def test_a_correction_clears_the_flag_and_the_consultation_can_finish(assistant):
    chat = Chat(assistant)
    reply = chat.say("my calf is swollen")
    assert "today" in reply
    reply = chat.say("sorry i misspoke, my calf isnt swollen, it's my knee that's a bit puffy")
    assert "OK, I've noted that your calf is not painful or swollen." in reply, reply
    assert chat.slot("triage_level") == "self_care"
    assert safety_rows(assistant, chat.sender)[0][1] is not None  # closed, not deleted
    with sqlite3.connect(Path(assistant.log_dir) / "assistant.db") as conn:
        still_open = conn.execute(
            "SELECT kind, name FROM safety_flags WHERE conversation_id = ? AND cleared_at IS NULL", (chat.sender,)
        ).fetchall()
    assert still_open == [], "a taken-back sign leaves nothing on record for the inbox to list"
    # with the flag taken back, a normal consultation reaches the exercises
    start_with_consent(chat, "check my knee")
    for answer in [
        "no",
        "yes",
        "no",
        "no",
        "no",
        "no",
        "left",
        "front",
        "gradually",
        "3 weeks",
        "5",
        "stairs",
        "i run twice a week",
        "6 cm",
        "7cm",
    ]:
        chat.say(answer)
    conclusion = chat.say("everything stayed level").lower()
    assert "calf stretch" in conclusion, conclusion


def test_a_flag_is_still_given_when_saving_it_fails_and_the_inbox_shows_it(assistant, inbox):
    chat = Chat(assistant)
    db = Path(assistant.log_dir) / "assistant.db"
    sqlite3.connect(db).execute("CREATE TABLE IF NOT EXISTS keepalive (x)").connection.close()
    lock = sqlite3.connect(db, timeout=0, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")  # the records database is locked for this whole turn
    try:
        reply = chat.say("my foot has gone cold and pale", timeout=60)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert reply.startswith("Go to A&E now"), reply
    journal = [json.loads(line) for line in Path(assistant.env["SAFETY_JOURNAL"]).read_text().splitlines()]
    assert any(e["conversation_id"] == chat.sender and e["level"] == "a_and_e" for e in journal)
    session = login(inbox)
    front = session.get(f"{inbox}/").text
    assert "Red flags that could not be saved" in front and chat.sender in front
    # the next action that reads the record saves it, and the alert goes
    chat.say("why do stiff ankles cause knee pain?")
    assert safety_rows(assistant, chat.sender) == [("cold_foot", None)]
    assert "Red flags that could not be saved" not in session.get(f"{inbox}/").text
    assert_nothing_to_exercise(chat)


def test_a_flag_said_while_waiting_for_the_trainer_is_shown_then_answered_on_hand_back(assistant, inbox):
    chat = Chat(assistant)
    assert "will reply to you here" in chat.say("can i talk to a real person please")
    # paused: Rasa answers nothing, so the trainer must see it
    assert chat.say("while i wait, my calf is swollen and im short of breath") == ""
    trainer = login(inbox)
    page = trainer.get(f"{inbox}/conversations/{chat.sender}", timeout=30).text
    assert "While waiting for you, this person mentioned a warning sign: Emergency (999)" in page
    token = csrf(page)
    response = trainer.post(f"{inbox}/conversations/{chat.sender}/resume", data={"csrf_token": token}, timeout=60)
    assert response.status_code == 200
    tracker = assistant.tracker(chat.sender)
    assert tracker["paused"] is False
    bots = [e["text"] for e in tracker["events"] if e["event"] == "bot"]
    assert bots[-1].startswith("Call 999 now"), bots[-2:]
    assert tracker["slots"]["triage_level"] == "emergency"
    assert {name for name, _ in safety_rows(assistant, chat.sender)} >= {"calf", "breathless_chest_pain"}
    assert_nothing_to_exercise(chat)
