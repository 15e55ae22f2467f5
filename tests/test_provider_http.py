"""Retries of provider calls: Meta's rate-limit codes arrive as HTTP 400 and are retried like a 429."""

from __future__ import annotations

import pytest

from connectors.provider_http import ProviderError, ProviderHTTP
from tests.standins.provider import StandIn


@pytest.fixture
def api():
    server = StandIn(lambda call: (200, {"messages": [{"id": "wamid.1"}]})).start()
    yield server
    server.stop()


def http():
    return ProviderHTTP("WhatsApp", backoff_seconds=0, sleep=lambda s: None)


def test_a_meta_throughput_limit_is_retried(api):
    api.fail_next((400, {"error": {"message": "(#130429) Rate limit hit", "code": 130429}}))
    assert http().post(f"{api.url}/1/messages", "messages", {"to": "1"}) == {"messages": [{"id": "wamid.1"}]}
    assert len(api.recorded("/messages")) == 2


def test_a_bad_request_is_not_retried_and_says_why(api):
    api.fail_next((400, {"error": {"message": "(#100) Invalid parameter", "code": 100}}))
    with pytest.raises(ProviderError) as failure:
        http().post(f"{api.url}/1/messages", "messages", {"to": "1"})
    assert failure.value.status == 400 and "Invalid parameter" in str(failure.value)
    assert len(api.recorded("/messages")) == 1


def test_server_errors_give_up_after_the_last_attempt(api):
    api.fail_next(*[(503, {"error": {"message": "Service unavailable", "code": 2}})] * 3)
    with pytest.raises(ProviderError) as failure:
        http().post(f"{api.url}/1/messages", "messages", {})
    assert failure.value.status == 503 and len(api.recorded("/messages")) == 3
