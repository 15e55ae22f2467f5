"""The website widget's socket.io channel: server-issued session ids, and an over-long message answered at once."""

from __future__ import annotations

import queue
import uuid

import socketio

from coaching.input_checks import MAX_MESSAGE_CHARS


def connect(assistant, requested=None):
    """A socket.io client like the widget; returns (client, the session id the server confirmed, replies)."""
    replies: "queue.Queue[dict]" = queue.Queue()
    confirmed: "queue.Queue[str]" = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("bot_uttered", replies.put)
    client.on("session_confirm", confirmed.put)
    client.connect(assistant.url, socketio_path="/socket.io", transports=["polling"], wait_timeout=10)
    client.emit("session_request", {"session_id": requested})
    return client, confirmed.get(timeout=10), replies


def test_the_server_issues_session_ids_and_refuses_made_up_ones(assistant):
    first, issued, replies = connect(assistant)
    try:
        assert len(issued) == 65 and issued[32] == "."  # 128 random bits and a signature
        first.emit("user_uttered", {"message": "what does maltracking mean", "session_id": issued})
        texts = [replies.get(timeout=30)["text"]]
        while not any("maltracking" in t.lower() for t in texts[1:]) and len(texts) < 6:
            texts.append(replies.get(timeout=30)["text"])  # the lead-in, then the quoted answer
        assert any("maltracking" in t.lower() for t in texts), texts
    finally:
        first.disconnect()
    # the same browser coming back keeps its conversation
    again, kept, _ = connect(assistant, issued)
    again.disconnect()
    assert kept == issued
    # someone naming another conversation, or inventing one, gets a fresh id instead
    for forged in (issued[:-1] + ("0" if issued[-1] != "0" else "1"), uuid.uuid4().hex, "test-victim", issued[:32]):
        intruder, given, _ = connect(assistant, forged)
        intruder.disconnect()
        assert given != forged and given != issued and len(given) == 65
    # and a message sent under a made-up id is ignored (nothing reaches any tracker)
    sneaky, _, _ = connect(assistant)
    made_up = uuid.uuid4().hex
    sneaky.emit("user_uttered", {"message": "hello there", "session_id": made_up})
    sneaky.disconnect()
    assert not [e for e in assistant.tracker(made_up)["events"] if e["event"] == "user"]


def test_a_long_message_on_the_widget_channel_is_answered_at_the_channel(assistant):
    client, session_id, replies = connect(assistant)
    try:
        client.emit("user_uttered", {"message": "knee " * (MAX_MESSAGE_CHARS // 4), "session_id": session_id})
        reply = replies.get(timeout=10)
        assert "long message" in reply["text"]
    finally:
        client.disconnect()
    events = assistant.tracker(session_id)["events"]
    assert not [e for e in events if e["event"] == "user"], "the long message never reached the pipeline"
