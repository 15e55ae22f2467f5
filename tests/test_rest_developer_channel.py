"""The REST channel (any sender id) is a developer channel: the API token, or this machine without a proxy.

The rule itself on its own, then through the real Rasa server (tests/conftest.py's `assistant`,
which every other REST test reaches from 127.0.0.1 without proxy headers).
"""

from __future__ import annotations

import pytest
import requests

from bot.channels.validated_rest import developer_access
from tests.conftest import new_sender, texts

TOKEN = "s3cret-token"


@pytest.mark.parametrize("peer", ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"])
def test_this_machine_without_a_proxy_header_may_use_it(peer):
    assert developer_access(peer, {"Content-Type": "application/json"}, None, TOKEN)


@pytest.mark.parametrize(
    "header", ["X-Forwarded-For", "x-forwarded-for", "X-Real-IP", "Forwarded"], ids=lambda name: name
)
def test_a_request_passed_on_by_a_proxy_is_not_local(header):
    assert not developer_access("127.0.0.1", {header: "203.0.113.9"}, None, TOKEN)
    assert developer_access("127.0.0.1", {header: "203.0.113.9", "Authorization": f"Bearer {TOKEN}"}, None, TOKEN)


@pytest.mark.parametrize("peer", ["203.0.113.9", "10.0.0.5", "", None, "not-an-address"])
def test_other_addresses_need_the_token(peer):
    assert not developer_access(peer, {}, None, TOKEN)
    assert developer_access(peer, {"authorization": f"bearer {TOKEN}"}, None, TOKEN)
    assert developer_access(peer, {}, TOKEN, TOKEN)


@pytest.mark.parametrize(
    "headers, query",
    [
        ({"Authorization": "Bearer wrong"}, None),
        ({"Authorization": f"Basic {TOKEN}"}, None),
        ({"Authorization": f"Bearer {TOKEN}x"}, None),
        ({"Authorization": "Bearer"}, None),
        ({}, "wrong"),
        ({}, ""),
        ({"Authorization": "Bearer ünïcode"}, "ünïcode"),
    ],
)
def test_a_wrong_or_malformed_token_is_refused(headers, query):
    assert not developer_access("203.0.113.9", headers, query, TOKEN)


def test_no_configured_token_lets_nobody_in_by_token():
    assert not developer_access("203.0.113.9", {"Authorization": "Bearer "}, "", "")


# --- through the real server ---------------------------------------------------------------


def post(assistant, headers=None, params=None) -> requests.Response:
    return requests.post(
        f"{assistant.url}/webhooks/rest/webhook",
        json={"sender": new_sender(), "message": "what is maltracking?"},
        headers=headers or {},
        params=params or {},
        timeout=60,
    )


def test_the_real_channel_refuses_a_proxied_request_without_the_token(assistant):
    response = post(assistant, headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert "developer channel" in error and "website widget, Telegram or WhatsApp" in error
    assert post(assistant, headers={"X-Real-IP": "203.0.113.9"}).status_code == 403
    wrong = post(assistant, headers={"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 403
    assert post(assistant, headers={"Forwarded": "for=203.0.113.9"}, params={"token": "nope"}).status_code == 403


def test_the_real_channel_answers_with_the_token_or_locally(assistant):
    proxied = {"X-Forwarded-For": "203.0.113.9"}
    for headers, params in (
        ({**proxied, "Authorization": f"Bearer {assistant.token}"}, None),
        (proxied, {"token": assistant.token}),
        (None, None),  # 127.0.0.1, no proxy header: a developer on this machine
    ):
        response = post(assistant, headers=headers, params=params)
        assert response.status_code == 200, response.text
        assert "maltracking" in texts(response.json()).lower()
