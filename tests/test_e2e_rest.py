"""End to end: the real Rasa server and action server, over the REST channel."""

from __future__ import annotations

import time

import pytest
import requests

from tests.conftest import new_sender, stored_events, texts

ARTICLE_TITLE = "The Connection Between Knee Pain, Stiff Ankles, and Hip Instability"


def assert_cited(reply: str) -> None:
    assert ARTICLE_TITLE in reply and "Simon Jarvis" in reply, reply
    assert "not a diagnosis" in reply, reply


def test_greeting_says_what_it_does_and_that_it_is_not_a_clinician(assistant):
    reply = texts(assistant.send("hi there"))
    assert "article" in reply and "knee pain" in reply
    assert "not a doctor" in reply and "can't diagnose" in reply


@pytest.mark.parametrize("question", ["what can you do?", "wat can u help me with"])
def test_capabilities(assistant, question):
    reply = texts(assistant.send(question))
    assert "exercises" in reply and "not a substitute" in reply


@pytest.mark.parametrize(
    "question, expected",
    [
        ("why do stiff ankles cause knee pain?", "ankle joint lacks flexibility"),
        ("what is maltracking?", "maltracking"),
        ("can weak hips cause meniscus tears?", "meniscus tears"),
        ("what exercises help my ankles?", "calf stretches"),
        # the way people type
        ("y does my nee hurt when my ankle is stif", "ankle"),
        ("can wobbly hips mess up my knees", "hips"),
        ("whats runners knee", "patellofemoral pain syndrome"),
        ("best exercises for weak hips??", "glute bridges"),
    ],
)
def test_article_questions_are_answered_with_a_quote_and_citation(assistant, question, expected):
    reply = texts(assistant.send(question))
    assert expected.lower() in reply.lower(), reply
    assert "“" in reply  # a quotation from the article
    assert_cited(reply)


def test_out_of_scope_redirects(assistant):
    reply = texts(assistant.send("could you order a pizza for me"))
    assert "knee" in reply and "outside what I can help with" in reply


LONG = ("My knee has been hurting for a while and I want to explain everything. " * 150)[:10_000]


@pytest.mark.parametrize(
    "message, expected",
    [
        ("", "didn't receive any text"),
        ("   ", "didn't receive any text"),
        ("😭😭🦵🔥", "not emoji"),
        ("Me duele mucho la rodilla cuando corro, ¿qué puedo hacer?", "only chat in English"),
        ("Ich habe Schmerzen im Knie wenn ich laufe", "only chat in English"),
        ("у меня болит колено", "only chat in English"),
        ("'; DROP TABLE events; --", "looks like code"),
        ("<script>alert('x')</script>", "looks like code"),
    ],
)
def test_bad_input_gets_a_polite_answer_and_loses_nothing(assistant, message, expected):
    sender = new_sender()
    reply = texts(assistant.send(message, sender=sender))
    assert expected in reply, reply
    # the conversation goes on normally afterwards
    follow_up = texts(assistant.send("what is maltracking?", sender=sender))
    assert "maltracking" in follow_up.lower()
    # and what the person wrote is kept exactly, in the real database
    tracker = assistant.tracker(sender)
    user_texts = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
    assert user_texts[0] == message.strip()  # Rasa trims surrounding white space
    assert stored_events(assistant.tracker_db, sender).count("user") == 2


@pytest.mark.parametrize("size", [10_000, 100_000, 1_000_000])
def test_a_very_long_message_is_answered_at_once_and_never_read(assistant, size):
    sender = new_sender()
    assistant.send("hello", sender=sender)
    started = time.perf_counter()
    reply = texts(assistant.send((LONG * (size // len(LONG) + 1))[:size], sender=sender))
    assert time.perf_counter() - started < 1.0, "answered before the NLU pipeline"
    assert "long message" in reply and "2,000 characters" in reply
    users = [e.get("text") for e in assistant.tracker(sender)["events"] if e["event"] == "user"]
    assert users == ["hello"]  # never sent to the pipeline, so nothing of it is stored
    assert "maltracking" in texts(assistant.send("what is maltracking?", sender=sender)).lower()


def test_injection_did_not_touch_the_database(assistant):
    sender = new_sender()
    assistant.send("'; DROP TABLE events; --", sender=sender)
    assistant.send("hello", sender=sender)
    assert "user" in stored_events(assistant.tracker_db, sender)


@pytest.mark.parametrize(
    "body, problem",
    [
        (b"not json", "JSON object"),
        (b"[]", "JSON object"),
        (b"{}", '"message" must be a string'),
        (b'{"sender": "x"}', '"message" must be a string'),
        (b'{"sender": "x", "message": 5}', '"message" must be a string'),
        (b'{"sender": "", "message": "hi"}', '"sender" must be'),
        (b'{"sender": ["x"], "message": "hi"}', '"sender" must be'),
    ],
)
def test_malformed_requests_are_refused_clearly(assistant, body, problem):
    response = requests.post(
        f"{assistant.url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert response.status_code == 400 and problem in response.json()["message"], response.text
    # and the server still serves people
    assert "maltracking" in texts(assistant.send("what is maltracking?")).lower()


def test_conversation_is_persisted_in_sqlite(assistant):
    sender = new_sender()
    assistant.send("hello", sender=sender)
    assistant.send("can stiff ankles cause knee pain", sender=sender)
    events = stored_events(assistant.tracker_db, sender)
    assert events.count("user") == 2 and events.count("bot") >= 2
