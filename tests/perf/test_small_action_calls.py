"""What Rasa sends the action server: the current turn's events, the whole state, the domain only when needed."""

from __future__ import annotations

from typing import Iterator

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_server

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
slots:
  guide_bundle: {type: text, mappings: [{type: custom}]}
actions:
  - action_guide_start
  - action_session_start:
      send_domain: true
"""
)


@pytest.fixture
def patched() -> Iterator[None]:
    original = RemoteAction._action_call_format
    rasa_server.install_small_action_calls()
    yield
    RemoteAction._action_call_format = original  # type: ignore[method-assign]


def _long_conversation(turns: int) -> DialogueStateTracker:
    events = []
    for n in range(turns):
        events += [UserUttered(f"第{n}句"), ActionExecuted("action_guide_start"), BotUttered(f"答{n}")]
        events += [ActionExecuted("action_listen")]
    events += [UserUttered("最后一句", metadata={"turn_deadline": 1.0}), SlotSet("guide_bundle", "catering")]
    return DialogueStateTracker.from_events("long", events, slots=DOMAIN.slots)


def test_only_the_current_turns_events_are_sent_and_the_state_is_whole(patched: None) -> None:
    tracker = _long_conversation(120)
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook", enable_selective_domain=True)
    call = RemoteAction("action_guide_start", endpoint)._action_call_format(tracker, DOMAIN)
    sent = call["tracker"]
    assert [e["event"] for e in sent["events"]] == ["user", "slot"]
    assert sent["events"][0]["metadata"] == {"turn_deadline": 1.0}  # the turn budget reads it there
    assert sent["slots"]["guide_bundle"] == "catering" and sent["latest_message"]["text"] == "最后一句"
    assert "domain" not in call  # selective domain: this action does not ask for it
    assert len(tracker.events) == 482  # the tracker itself is untouched
    assert len(tracker.current_state(EventVerbosity.ALL)["events"]) == 482


def test_an_action_that_asks_for_the_domain_gets_it(patched: None) -> None:
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook", enable_selective_domain=True)
    call = RemoteAction("action_session_start", endpoint)._action_call_format(_long_conversation(2), DOMAIN)
    assert call["domain"]["session_config"]


def test_the_current_turn_is_everything_when_there_is_no_user_message() -> None:
    events = [ActionExecuted("action_session_start"), ActionExecuted("action_listen")]
    assert rasa_server.recent_events(events) == events
    assert rasa_server.recent_events([]) == []


def _session(events: int, form: bool = False) -> DialogueStateTracker:
    history = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    history += [BotUttered(f"答{n}") for n in range(events)]
    if form:
        history.append(ActiveLoop("guide_form"))
    return DialogueStateTracker.from_events("long", history, slots=DOMAIN.slots)


def test_a_long_session_ends_at_the_next_message_unless_a_form_is_asking() -> None:
    assert rasa_server.session_is_long(_session(250), 200)
    assert not rasa_server.session_is_long(_session(150), 200)
    assert not rasa_server.session_is_long(_session(250, form=True), 200)  # never half-way through a form
    assert not rasa_server.session_is_long(_session(250), 0)  # 0: no cap
    tracker = _session(250)
    tracker.update(SessionStarted())
    assert not rasa_server.session_is_long(tracker, 200)  # counted from the latest session start


def test_the_cap_is_read_from_the_environment_and_refuses_nonsense() -> None:
    assert rasa_server.session_max_events({}) == rasa_server.DEFAULT_SESSION_MAX_EVENTS
    assert rasa_server.session_max_events({"SESSION_MAX_EVENTS": "0"}) == 0
    assert rasa_server.session_max_events({"SESSION_MAX_EVENTS": "400"}) == 400
    for bad in ("many", "-1", "10"):
        with pytest.raises(SystemExit):
            rasa_server.session_max_events({"SESSION_MAX_EVENTS": bad})
