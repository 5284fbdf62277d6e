"""The per-turn time budget on the action server's side: every backend call ends by the turn's deadline."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List

import pytest
from aiohttp import web
from rasa_sdk.executor import ActionExecutor

from actions.appeal import delivery
from actions.appeal.store import SQLiteStore
from actions.clients.backend import BackendClient, BackendUnavailable
from actions.common import budget

NOW = 1_000_000.0


def _user(deadline: Any = None, **extra: Any) -> Dict[str, Any]:
    metadata = {} if deadline is None else {"turn_deadline": deadline}
    return {"event": "user", "text": "我想开饭店", "metadata": metadata, **extra}


def test_the_deadline_is_the_last_user_events_less_the_margin_for_rasa() -> None:
    events = [_user(NOW - 100), {"event": "bot", "text": "您好"}, _user(NOW + 3.5), {"event": "action"}]
    assert budget.deadline_of(events, now=NOW) == pytest.approx(NOW + 3.5 - budget.MARGIN_SECONDS)


def test_no_stamp_a_stale_stamp_or_a_bad_stamp_means_no_deadline() -> None:
    assert budget.deadline_of([], now=NOW) is None
    assert budget.deadline_of([_user()], now=NOW) is None
    assert budget.deadline_of([_user("soon")], now=NOW) is None
    assert budget.deadline_of([_user(NOW - 60)], now=NOW) is None  # an earlier turn's (a session start)


def test_an_action_that_starts_after_its_deadline_works_in_full_for_the_late_answer() -> None:
    assert budget.deadline_of([_user(NOW - 1.0)], now=NOW) is None
    assert budget.deadline_of([_user(NOW + budget.MARGIN_SECONDS / 2)], now=NOW) is None  # not even the margin left


def test_a_deadline_from_a_clock_far_ahead_is_capped() -> None:
    capped = budget.deadline_of([_user(NOW + 3600)], now=NOW)
    assert capped == pytest.approx(NOW + budget.MAX_AHEAD_SECONDS - budget.MARGIN_SECONDS)


@pytest.fixture
async def slow_backend() -> AsyncIterator[Dict[str, Any]]:
    """A backend that takes 30 seconds to answer anything, counting the requests it got."""
    seen: Dict[str, Any] = {"requests": 0}

    async def handler(request: web.Request) -> web.Response:
        seen["requests"] += 1
        await asyncio.sleep(30)
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    seen["url"] = f"http://127.0.0.1:{port}"
    yield seen
    await runner.cleanup()


async def test_a_call_ends_at_the_deadline_not_at_the_clients_timeout(slow_backend: Dict[str, Any]) -> None:
    client = BackendClient(slow_backend["url"])
    try:
        started = time.monotonic()
        with budget.turn(time.time() + 0.5), pytest.raises(BackendUnavailable):
            await client.route("办食品经营许可证要多久")
        assert time.monotonic() - started < 3.0  # the client's own timeout is 4 s; the backend takes 30
    finally:
        await client.close()
    assert slow_backend["requests"] == 1


async def test_no_call_is_started_once_the_budget_is_spent(slow_backend: Dict[str, Any]) -> None:
    client = BackendClient(slow_backend["url"])
    try:
        with budget.turn(time.time() - 0.1), pytest.raises(BackendUnavailable, match="budget"):
            await client.bundles()
    finally:
        await client.close()
    assert slow_backend["requests"] == 0


async def test_an_appeal_confirmed_with_no_budget_left_is_kept_with_its_reference(
    slow_backend: Dict[str, Any], tmp_path: Path
) -> None:
    store = SQLiteStore(tmp_path / "outbox.db")
    client = BackendClient(slow_backend["url"])
    payload = {"sender_id": "budget-user", "description": "施工许可申请一个月没人理", "mobile": "13800138000"}
    try:
        with budget.turn(time.time() + 0.4):
            result = await delivery.submit(client, "budget-key-1", "budget-user", payload, store=store)
    finally:
        await client.close()
    assert result.outcome is delivery.Outcome.queued and result.reference.startswith("CX")
    row = store.get("budget-key-1")
    assert row is not None and row.state != "delivered"  # the outbox worker delivers it later


async def _record_budget(dispatcher: Any, tracker: Any, domain: Any) -> List[Dict[str, Any]]:
    SEEN.append(budget.remaining())
    return []


SEEN: List[Any] = []


async def test_the_action_server_runs_each_action_within_its_turns_deadline() -> None:
    budget.install()
    executor = ActionExecutor()
    executor.register_function("action_record_budget", _record_budget)  # not an Action class: no global registry
    SEEN.clear()
    call = {"next_action": "action_record_budget", "sender_id": "u", "domain": {}}
    tracker = {"sender_id": "u", "slots": {}, "latest_message": {}, "events": [_user(time.time() + 2.0)]}
    await executor.run({**call, "tracker": tracker})
    await executor.run({**call, "tracker": {**tracker, "events": [_user()]}})
    stamped, unstamped = SEEN
    assert stamped is not None and 1.0 < stamped <= 2.0 - budget.MARGIN_SECONDS
    assert unstamped is None
    assert budget.remaining() is None  # nothing leaks out of the action's context
