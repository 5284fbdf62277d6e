"""The action server's side of the per-turn time budget (the channels' side: ``channels/budget.py``).

Every channel stamps the user's message with ``turn_deadline`` (epoch seconds) in its metadata;
the tracker sent to the action server carries it in the last user event. While an action runs,
that deadline, less ``MARGIN_SECONDS`` for Rasa to send the answer, bounds every backend call
(``actions/clients/backend.py``) and the in-turn retries of an appeal's delivery: when the budget
is spent a call fails at once as "backend unavailable", which every action already answers —
"稍后再试", or an appeal kept in the outbox with its 查询码.

A tracker without a stamp (Rasa's HTTP API, tests), or an action that starts after its turn's
deadline, runs with the client's own timeouts only: the user has had the channel's answer, and
this action's result is delivered late.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from typing import Any, Dict, Iterator, Optional, Sequence

DEADLINE_KEY = "turn_deadline"
"""The metadata key the channels stamp (``channels/budget.py``) and Rasa reads (``bot/rasa_server.py``)."""
MARGIN_SECONDS = 0.3
"""Kept for Rasa: applying the action's events, the next prediction, sending the answer."""
MAX_AHEAD_SECONDS = 5.0
"""A deadline further ahead than any budget is a clock out of step: it is capped."""

_deadline: contextvars.ContextVar[Optional[float]] = contextvars.ContextVar("turn_deadline", default=None)


def deadline_of(events: Sequence[Dict[str, Any]], now: Optional[float] = None) -> Optional[float]:
    """The deadline of the turn an action runs in: from the last user event's metadata."""
    last_user = next((e for e in reversed(events) if isinstance(e, dict) and e.get("event") == "user"), None)
    if last_user is None:
        return None
    raw: Any = (last_user.get("metadata") or {}).get(DEADLINE_KEY)
    try:
        stamped = float(raw)
    except (TypeError, ValueError):
        return None
    now = time.time() if now is None else now
    deadline = min(stamped, now + MAX_AHEAD_SECONDS) - MARGIN_SECONDS
    if deadline <= now:
        # Missed before the action started (an earlier turn's message, or a stalled action server):
        # the channel has answered already, so the action does its work in full for the late answer
        # the widget and WeChat push and REST gives with the next message.
        return None
    return deadline


def remaining() -> Optional[float]:
    """Seconds left for downstream calls in the current action, or None when it has no deadline."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.time()


def spent(at_least: float = 0.0) -> bool:
    """Whether less than ``at_least`` seconds remain (never, without a deadline)."""
    left = remaining()
    return left is not None and left <= at_least


@contextlib.contextmanager
def turn(deadline: Optional[float]) -> Iterator[None]:
    """Everything awaited inside runs within ``deadline`` (epoch seconds; None: no deadline)."""
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def install() -> None:
    """Run every action within its turn's deadline (rasa_sdk has no hook for it, so ``run`` is wrapped)."""
    from rasa_sdk.executor import ActionExecutor

    original = ActionExecutor.run
    if getattr(original, "_within_budget", False):
        return

    async def run(self: ActionExecutor, action_call: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        tracker = action_call.get("tracker") or {}
        with turn(deadline_of(tracker.get("events") or [])):
            return await original(self, action_call)

    run._within_budget = True  # type: ignore[attr-defined]
    ActionExecutor.run = run
