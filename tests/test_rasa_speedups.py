"""The action-response validation fix must accept and reject exactly what Rasa does."""
from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot import rasa_speedups

VALID = [
    {"events": [], "responses": []},
    {},
    {"events": [{"event": "slot", "name": "consent", "value": True}], "responses": [{"text": "hi"}]},
    {"events": [{"event": "active_loop", "name": None}], "responses": [{"text": "x", "buttons": [{"title": "a", "payload": "/b"}]}]},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"no_event_key": 1}]},
    {"events": [{"event": "slot", "name": 3}]},
    {"responses": "hello"},
    {"events": [{"event": "not_a_real_event"}]},
]


def rasa_original(result):
    """What Rasa 3.6 does: jsonschema.validate with the schema check on every call."""
    jsonschema.validate(result, RemoteAction.action_response_format_spec())


@pytest.mark.parametrize("result", VALID)
def test_valid_responses_pass_both(result):
    rasa_original(result)
    assert rasa_speedups.validate_action_result(None, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_responses_fail_both_with_the_same_error(result):
    with pytest.raises(jsonschema.ValidationError) as original:
        rasa_original(result)
    with pytest.raises(jsonschema.ValidationError) as ours:
        rasa_speedups.validate_action_result(None, result)
    assert ours.value.message.startswith(original.value.message)
    assert "Failed to validate Action server response" in ours.value.message
    assert list(ours.value.path) == list(original.value.path)


def test_loading_our_stores_installs_the_fix():
    import bot.stores  # noqa: F401  (what Rasa imports through endpoints.yml)

    assert RemoteAction._validate_action_result is rasa_speedups.validate_action_result
