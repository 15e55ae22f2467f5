"""The website widget's socket.io channel answers an over-long message at once, without reading it."""
from __future__ import annotations

import queue
import uuid

import socketio

from coaching.input_checks import MAX_MESSAGE_CHARS


def test_a_long_message_on_the_widget_channel_is_answered_at_the_channel(assistant):
    replies: "queue.Queue[dict]" = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("bot_uttered", replies.put)
    session_id = uuid.uuid4().hex
    client.connect(assistant.url, socketio_path="/socket.io", transports=["polling"], wait_timeout=10)
    try:
        client.emit("session_request", {"session_id": session_id})
        client.emit("user_uttered", {"message": "knee " * (MAX_MESSAGE_CHARS // 4), "session_id": session_id})
        reply = replies.get(timeout=10)
        assert "long message" in reply["text"]
    finally:
        client.disconnect()
    events = assistant.tracker(session_id)["events"]
    assert not [e for e in events if e["event"] == "user"], "the long message never reached the pipeline"
