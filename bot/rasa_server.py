"""``python -m bot.rasa_server run …``: ``rasa run`` with the action-response schema checked once.

Rasa 3.6 validates every response of the action server with ``jsonschema.validate(result,
schema)``, and ``jsonschema.validate`` first checks the *schema* against the JSON Schema
2020-12 meta-schema — on every call, although Rasa's schema is a constant. Under 8 concurrent
guide conversations py-spy found 52 % of the Rasa process's samples in
``RemoteAction._validate_action_result``, 49 % in ``check_schema`` alone (``make bench-profile``).

Here the schema is checked once at start and every response is validated with the compiled
validator: the same responses pass, the same first error is raised (``best_match``, as
``jsonschema.validate`` does).

It also bounds each call to the action server by the turn's time budget (``install_turn_budget``)
and sends the action server the current turn's events only (``install_small_action_calls``),
and ends a session that has grown long at the next message, as an idle one (``install_session_length_cap``).
Everything else is ``rasa`` itself.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any, Dict, Iterable, List, Mapping, Optional

from jsonschema import exceptions, validators

from actions.common.budget import DEADLINE_KEY


def install() -> None:
    """Replace ``RemoteAction._validate_action_result`` with a validator compiled once."""
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # once, at start
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        error = exceptions.best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                f". The action server's response does not follow the format Rasa expects, "
                f"see {DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    RemoteAction._validate_action_result = _validate_action_result


ACTION_GRACE_SECONDS = 10.0
"""How long past the turn's deadline Rasa still waits for the action server (its default: 5 minutes).

By the deadline the channel has already answered the user (``channels/budget.py``) and the action
server has ended its backend calls (``actions/common/budget.py``). The grace lets a slow action
server still finish the turn, so the tracker is complete and the answer is delivered late — by
push on WeChat and the widget, with the next message over REST. Past it the call is abandoned,
so a hung action server cannot hold the conversation's lock for minutes."""
STALE_AFTER_SECONDS = 30.0
"""A deadline this far gone belongs to an earlier turn, not to the action being run."""
NO_DEADLINE_TIMEOUT_SECONDS = 30.0
"""A turn without a stamped deadline (Rasa's HTTP API) still does not wait minutes for an action."""


def action_timeout(metadata: Optional[Dict[str, Any]], now: float) -> float:
    """Seconds Rasa waits for one action-server call in a turn whose user message has ``metadata``."""
    try:
        deadline = float((metadata or {})[DEADLINE_KEY])
    except (KeyError, TypeError, ValueError):
        return NO_DEADLINE_TIMEOUT_SECONDS
    if deadline < now - STALE_AFTER_SECONDS:  # an earlier turn's message (e.g. a session start)
        return NO_DEADLINE_TIMEOUT_SECONDS
    return max(min(deadline - now, NO_DEADLINE_TIMEOUT_SECONDS) + ACTION_GRACE_SECONDS, ACTION_GRACE_SECONDS)


def install_turn_budget() -> None:
    """Bound every call to the action server by the turn's deadline (plus a grace)."""
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.exceptions import RasaException

    original = RemoteAction.run

    async def run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> Any:
        latest = tracker.latest_message
        timeout = action_timeout(getattr(latest, "metadata", None), time.time())
        try:
            return await asyncio.wait_for(original(self, output_channel, nlg, tracker, domain), timeout)
        except asyncio.TimeoutError as error:
            raise RasaException(f"custom action '{self.name()}' cut off after {timeout:.1f} s (turn budget)") from error

    RemoteAction.run = run


def recent_events(events: Iterable[Any]) -> List[Any]:
    """The events of the current turn: from the last user message on (all of them if there is none).

    ``events`` is the tracker's deque: walked from its end, never sliced."""
    from rasa.shared.core.events import UserUttered

    turn: List[Any] = []
    for event in reversed(events):  # type: ignore[call-overload]
        turn.append(event)
        if isinstance(event, UserUttered):
            break
    turn.reverse()
    return turn


def install_small_action_calls() -> None:
    """Send the action server the current turn's events, not the whole conversation's.

    Rasa 3.6 sends every event of the conversation with every action call: a tracker of 120
    turns is hundreds of KB, serialised by Rasa and parsed by the action server two or three
    times per turn, so a turn cost more the longer the conversation was. The actions read slots,
    ``latest_message`` and ``active_loop`` (sent whole, as before), rasa_sdk's form validation the
    slot events after the user's message, and the turn budget the last user event — all of which
    are in the current turn. Everything else in the call is Rasa's own (``_action_call_format``).
    """
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.trackers import EventVerbosity

    original = RemoteAction._action_call_format

    def _action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> Dict[str, Any]:
        everything = tracker._events_for_verbosity

        def only_this_turn(verbosity: EventVerbosity) -> Any:
            if verbosity == EventVerbosity.ALL:
                return recent_events(tracker.events)
            return everything(verbosity)

        tracker._events_for_verbosity = only_this_turn
        try:
            return original(self, tracker, domain)
        finally:
            del tracker._events_for_verbosity

    RemoteAction._action_call_format = _action_call_format


DEFAULT_SESSION_MAX_EVENTS = 200
"""About 20 turns. ``SESSION_MAX_EVENTS`` sets it; 0 turns the cap off."""


def session_max_events(env: Mapping[str, str] = os.environ) -> int:
    raw = (env.get("SESSION_MAX_EVENTS") or "").strip()
    try:
        value = int(raw) if raw else DEFAULT_SESSION_MAX_EVENTS
    except ValueError as error:
        raise SystemExit("SESSION_MAX_EVENTS must be a whole number of events (0: no cap)") from error
    if value < 0 or 0 < value < 50:
        raise SystemExit("SESSION_MAX_EVENTS must be 0 (no cap) or at least 50")
    return value


def session_is_long(tracker: Any, limit: int) -> bool:
    """More than ``limit`` events since the session started, and no form half-way."""
    from rasa.shared.core.events import SessionStarted

    if limit <= 0 or tracker.active_loop_name:
        return False
    for count, event in enumerate(reversed(tracker.events), start=1):
        if isinstance(event, SessionStarted):
            return False
        if count > limit:
            return True
    return False


def install_session_length_cap(limit: int) -> None:
    """A session also expires when it is long (and no form is active), not only after an idle hour.

    Everything Rasa does per message grows with the session: the tracker store loads and replays
    every event since the session started, and each policy turns all of them into states two or
    three times per message (``make bench-profile -- --long``: two thirds of Rasa's CPU at turn
    100). A new session bounds it. It is the session start Rasa runs after ``session_config``'s
    idle time — ``action_session_start`` carries every slot over (the enterprise's profile, a
    ticket number, the last bundle) and says nothing — so the user sees no difference. It is
    never started while a form is asking its questions.
    """
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor._has_session_expired

    def _has_session_expired(self: MessageProcessor, tracker: Any) -> bool:
        return original(self, tracker) or session_is_long(tracker, limit)

    MessageProcessor._has_session_expired = _has_session_expired


def main() -> None:
    install()
    install_turn_budget()
    install_small_action_calls()
    install_session_length_cap(session_max_events())
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
