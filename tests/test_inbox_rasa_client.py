"""The inbox's Rasa client against the fake Rasa HTTP API."""

from __future__ import annotations

import jwt
import pytest

from tests.test_inbox_fakes import (  # noqa: F401  (fixtures)
    JWT_SECRET,
    FakeRasa,
    by_the_inbox,
    fake_rasa,
    loop_thread,
)
from trainer_inbox.rasa_client import (
    JWT_TTL_SECONDS,
    DeliveryFailed,
    RasaClient,
    RasaUnavailable,
    conversation_jwt,
    transcript_from_events,
)


def call(loop_thread, fake, method, *args, timeout=3.0, secret=JWT_SECRET):
    async def run():
        client = RasaClient(fake.url, secret, timeout=timeout, trainer_name="Sam")
        try:
            return await getattr(client, method)(*args)
        finally:
            await client.close()

    return loop_thread.run(run())


def test_transcript_from_events():
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": 1},
        {"event": "user", "text": "my knee hurts", "timestamp": 1714557600.0},
        {"event": "bot", "text": "Tell me more.", "timestamp": 1714557601.0, "metadata": {}},
        {"event": "pause", "timestamp": 1714557602.0},
        {"event": "bot", "text": "Hi, Sam here.", "timestamp": 1714557603.0, "metadata": {"from_trainer": True}},
        {
            "event": "bot",
            "text": None,
            "data": {"buttons": [{"title": "Yes"}, {"title": "No"}]},
            "timestamp": 1714557604.0,
        },
        {"event": "bot", "text": None, "data": {}, "timestamp": 1714557605.0},
        {"event": "slot", "name": "x", "value": 1},
        {"event": "user", "text": None, "timestamp": 1714557606.0},
    ]
    assert transcript_from_events(events) == [
        {"who": "person", "text": "my knee hurts", "at": "2024-05-01T10:00:00+00:00"},
        {"who": "assistant", "text": "Tell me more.", "at": "2024-05-01T10:00:01+00:00"},
        {"who": "trainer", "text": "Hi, Sam here.", "at": "2024-05-01T10:00:03+00:00"},
        {"who": "assistant", "text": "[Yes] [No]", "at": "2024-05-01T10:00:04+00:00"},
    ]
    assert transcript_from_events(None) == []


KEY = "k" * 32  # PyJWT warns about shorter HS256 keys (the generated ones are 43 characters)


def test_conversation_jwt_is_short_lived_and_for_one_conversation():
    token = conversation_jwt(KEY, "c1", now=1_000_000)
    claims = jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_exp": False})
    assert claims == {"user": {"username": "c1", "role": "user"}, "iat": 1_000_000, "exp": 1_000_000 + JWT_TTL_SECONDS}
    assert JWT_TTL_SECONDS <= 300
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, KEY.upper(), algorithms=["HS256"], options={"verify_exp": False})


def test_get_tracker_authenticates_with_a_jwt_and_no_secret_in_the_url(loop_thread, fake_rasa):
    fake_rasa.add_user("c 1/x", "hello")
    tracker = call(loop_thread, fake_rasa, "get_tracker", "c 1/x")
    assert tracker["events"][0]["text"] == "hello"
    request = fake_rasa.requests[-1]
    assert by_the_inbox(request) and set(request.query) == {"include_events"}
    assert request.conversation_id == "c 1/x"  # the id is quoted as one path segment
    with pytest.raises(RasaUnavailable):
        call(loop_thread, fake_rasa, "get_tracker", "c1", secret="wrong" * 8)


def test_send_reply_appends_a_trainer_message_for_the_channel(loop_thread, fake_rasa):
    call(loop_thread, fake_rasa, "send_reply", "c1", "Hi, this is Sam.", "socketio")
    (request,) = fake_rasa.posted_events("c1")
    assert request.path == "/conversations/c1/tracker/events"
    assert by_the_inbox(request)
    assert set(request.query) == {"output_channel", "execute_side_effects", "include_events"}
    assert request.query["output_channel"] == "socketio"
    assert request.query["execute_side_effects"] == "true"
    assert request.body["event"] == "bot"
    assert request.body["text"] == "Hi, this is Sam."
    assert request.body["metadata"] == {"from_trainer": True}
    assert isinstance(request.body["timestamp"], float)


def test_send_reply_failures_raise_delivery_failed(loop_thread, fake_rasa):
    fake_rasa.fail_status = 500
    with pytest.raises(DeliveryFailed, match="500"):
        call(loop_thread, fake_rasa, "send_reply", "c1", "hi", "socketio")
    fake_rasa.fail_status = None
    with pytest.raises(DeliveryFailed, match="401"):
        call(loop_thread, fake_rasa, "send_reply", "c1", "hi", "socketio", secret="wrong" * 8)
    fake_rasa.delay_seconds = 1.0
    with pytest.raises(DeliveryFailed, match="in time"):
        call(loop_thread, fake_rasa, "send_reply", "c1", "hi", "socketio", timeout=0.2)
    fake_rasa.delay_seconds = 0
    fake_rasa.stop()
    with pytest.raises(DeliveryFailed, match="not reachable"):
        call(loop_thread, fake_rasa, "send_reply", "c1", "hi", "socketio")
    with pytest.raises(RasaUnavailable):
        call(loop_thread, fake_rasa, "get_tracker", "c1")
    fake_rasa.start()


def test_resume_lifts_the_pause_and_says_the_assistant_is_back(loop_thread, fake_rasa):
    fake_rasa.pause("c1")
    call(loop_thread, fake_rasa, "resume", "c1", "socketio")
    request, review = fake_rasa.posted_events("c1")
    assert review.path.endswith("/execute") and review.body == {"name": "action_safety_review"}
    assert request.query["output_channel"] == "socketio"
    assert request.query["execute_side_effects"] == "true"
    assert request.body[0]["event"] == "resume"
    assert request.body[1]["event"] == "bot" and "back" in request.body[1]["text"] and "Sam" in request.body[1]["text"]
    assert fake_rasa.paused("c1") is False
