"""The per-turn time budget: whatever happens downstream, the user has an answer within it.

A channel stamps every user message with ``turn_deadline`` (epoch seconds, in the message's
metadata, so it travels in the tracker's user event to Rasa and the action server):

- the action server ends every backend call by the deadline (``actions/common/budget.py``):
  a slow backend gives "稍后再试", an appeal is kept in the outbox with its 查询码;
- Rasa ends a call to the action server shortly after it (``bot/rasa_server.py``), so a hung
  action server cannot hold the conversation's lock for minutes;
- the channel itself answers at the deadline with what it has, or with a clear "系统繁忙"
  sentence when it has nothing (``answer_within``): the turn keeps running, so what it stores
  is complete, and a channel that can push (the widget) still delivers the late answer.

``TURN_BUDGET_SECONDS`` (default 3.5, at most 4.5) is below WeChat's 5-second window.
Replicas compare deadlines with their own clocks: keep them synchronised (NTP).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional

import yaml

from actions.common import service
from actions.common.budget import DEADLINE_KEY  # one key, read back by the action server

log = logging.getLogger(__name__)

DEFAULT_BUDGET_SECONDS = 3.5
MAX_BUDGET_SECONDS = 4.5
DOMAIN_FILE = Path(__file__).resolve().parents[1] / "domain" / "general.yml"


class BudgetConfigError(ValueError):
    pass


def budget_seconds(env: Mapping[str, str] = os.environ) -> float:
    raw = (env.get("TURN_BUDGET_SECONDS") or "").strip()
    try:
        seconds = float(raw) if raw else DEFAULT_BUDGET_SECONDS
    except ValueError as error:
        raise BudgetConfigError("TURN_BUDGET_SECONDS must be a number of seconds") from error
    if not 0.5 <= seconds <= MAX_BUDGET_SECONDS:
        raise BudgetConfigError(f"TURN_BUDGET_SECONDS must be in [0.5, {MAX_BUDGET_SECONDS}]: WeChat waits 5 s")
    return seconds


def stamp(metadata: Optional[Mapping[str, Any]], seconds: float, now: Optional[float] = None) -> Dict[str, Any]:
    """The message's metadata with this turn's deadline (what the client sent is never trusted for it)."""
    stamped = dict(metadata) if isinstance(metadata, Mapping) else {}
    stamped[DEADLINE_KEY] = round((time.time() if now is None else now) + seconds, 3)
    return stamped


@functools.lru_cache(maxsize=1)
def _responses() -> Dict[str, Any]:
    return dict(yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["responses"])


def _response(name: str) -> str:
    text = str(_responses()[name][0]["text"])
    info = service.load()
    return text.replace("{service_hotlines}", info.hotline_text)


def late_text() -> str:
    """Said when a turn has nothing to show at its deadline and no way to deliver it later."""
    return _response("utter_turn_late")


def late_answer_heading() -> str:
    """Put before what a late turn said, when the REST channel gives it with the next message."""
    return _response("utter_turn_late_answer")


def still_working_text() -> str:
    """Said at the deadline by a channel that will still deliver the answer (the widget)."""
    return _response("utter_turn_still_working")


async def answer_within(
    turn: Awaitable[Any],
    deadline: float,
    on_late: Callable[[], Awaitable[None]],
) -> bool:
    """Wait for ``turn`` until ``deadline``; past it call ``on_late`` and let the turn finish alone.

    Returns whether the turn finished in time. The turn is never cancelled: cancelling it
    half-way would leave the tracker with a user message and no bot turn, or an appeal
    written to the outbox the tracker does not know about.
    """
    task = asyncio.ensure_future(turn)
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=max(deadline - time.time(), 0.0))
        return True
    except asyncio.TimeoutError:
        log.warning("turn.late: the turn ran past its budget; the channel answered without it")
        task.add_done_callback(_log_failure)
        await on_late()
        return False


def _log_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("turn.late.failed: %s", type(task.exception()).__name__)
