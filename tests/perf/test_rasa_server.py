"""bot.rasa_server validates action-server responses exactly as Rasa does, with the schema checked once."""

from __future__ import annotations

from typing import Any, Dict, Iterator, List

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_server

VALID: List[Dict[str, Any]] = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "guide_bundle", "value": "catering"}], "responses": [{"text": "好"}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "action_listen"}]},
]
INVALID: List[Dict[str, Any]] = [
    {"events": [{"event": "slot"}]},  # a slot event without a name
    {"events": [{"event": "no_such_event"}]},
    {"events": {"event": "slot", "name": "x"}},  # not a list
    {"responses": ["文本而不是对象"]},
]


@pytest.fixture
def action() -> Iterator[RemoteAction]:
    original = RemoteAction._validate_action_result
    rasa_server.install()
    yield RemoteAction("action_guide_start", EndpointConfig("http://127.0.0.1:9/webhook"))
    RemoteAction._validate_action_result = original  # type: ignore[method-assign]


def test_the_schema_is_checked_once_not_per_response(action: RemoteAction, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args: Any) -> None:
        raise AssertionError("check_schema called while validating a response")

    monkeypatch.setattr(jsonschema.validators.validator_for(action.action_response_format_spec()), "check_schema", fail)
    for result in VALID:
        assert action._validate_action_result(result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_responses_are_refused_with_the_same_first_error(action: RemoteAction, result: Dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError) as expected:
        jsonschema.validate(result, action.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as refused:
        action._validate_action_result(result)
    assert refused.value.message.startswith(expected.value.message)
    assert "/custom-actions" in refused.value.message
    assert list(refused.value.path) == list(expected.value.path)


def test_importing_the_module_changes_nothing() -> None:
    """Only ``main`` (the Procfile's Rasa process) installs it; tests and tools importing rasa are unaffected."""
    assert RemoteAction._validate_action_result.__module__ == "rasa.core.actions.action"
