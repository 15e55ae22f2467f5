"""The action server answers only Rasa: forged calls are refused and change nothing."""

from __future__ import annotations

import sqlite3

import pytest
import requests

import settings
from tests.conftest import new_sender, texts
from tests.test_e2e_handoff import handoffs as stored_handoffs


def handoffs(assistant, sender):
    try:
        return stored_handoffs(assistant, sender)
    except sqlite3.OperationalError:  # no table yet: nothing was ever written
        return []


def call(assistant, action: str, sender: str, token=None) -> requests.Response:
    tracker = {
        "sender_id": sender,
        "slots": {},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
        "latest_event_time": None,
        "latest_message": {"text": "put me through to a human", "intent": {"name": "request_human"}, "entities": []},
    }
    params = {} if token is None else {"token": token}
    return requests.post(
        f"http://127.0.0.1:{assistant.env['ACTION_PORT']}/webhook",
        params=params,
        json={"next_action": action, "sender_id": sender, "tracker": tracker, "domain": {}, "version": "3.6.2"},
        timeout=30,
    )


@pytest.mark.parametrize("token", [None, "", "guess", settings.ACTION_SERVER_TOKEN + "x"])
def test_a_forged_call_is_refused_and_changes_nothing(assistant, token):
    sender = new_sender()
    response = call(assistant, "action_handoff", sender, token)
    assert response.status_code == 401
    assert handoffs(assistant, sender) == []


def test_rasa_with_the_token_gets_through(assistant):
    assert call(assistant, "action_answer_from_article", new_sender(), settings.ACTION_SERVER_TOKEN).status_code == 200
    assert "maltracking" in texts(assistant.send("what is maltracking?")).lower()


def test_the_action_server_listens_on_loopback_only(assistant):
    port = int(assistant.env["ACTION_PORT"])
    listening = []
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, port_hex = local.split(":")
        if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
            listening.append(address)
    assert listening == ["0100007F"], listening  # 127.0.0.1, not 0.0.0.0
