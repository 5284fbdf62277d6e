"""Rasa's side of the per-turn budget: a call to a hung action server is abandoned shortly after the deadline."""

from __future__ import annotations

import asyncio
import time
from typing import AsyncIterator, Iterator

import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_server


def test_the_timeout_is_what_is_left_of_the_turn_plus_a_grace() -> None:
    now = 1000.0
    grace = rasa_server.ACTION_GRACE_SECONDS
    assert rasa_server.action_timeout({"turn_deadline": now + 3.0}, now) == pytest.approx(3.0 + grace)
    assert rasa_server.action_timeout({"turn_deadline": now - 2.0}, now) == rasa_server.ACTION_GRACE_SECONDS
    for unstamped in (None, {}, {"turn_deadline": "x"}, {"turn_deadline": now - 600}):
        assert rasa_server.action_timeout(unstamped, now) == rasa_server.NO_DEADLINE_TIMEOUT_SECONDS


@pytest.fixture
def patched() -> Iterator[None]:
    original = RemoteAction.run
    rasa_server.install_turn_budget()
    yield
    RemoteAction.run = original  # type: ignore[method-assign]


@pytest.fixture
async def hung_action_server() -> AsyncIterator[str]:
    async def handler(request: web.Request) -> web.Response:
        await asyncio.sleep(60)
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/webhook"
    await runner.cleanup()


async def test_a_hung_action_server_is_abandoned_instead_of_holding_the_turn(
    patched: None, hung_action_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rasa_server, "ACTION_GRACE_SECONDS", 0.5)
    domain = Domain.from_yaml("version: '3.1'\nactions: [action_guide_start]")
    tracker = DialogueStateTracker.from_events(
        "budget-user", [UserUttered("我想开饭店", metadata={"turn_deadline": time.time() + 0.5})]
    )
    action = RemoteAction("action_guide_start", EndpointConfig(hung_action_server))
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    started = time.monotonic()
    with pytest.raises(RasaException, match="turn budget"):
        await action.run(CollectingOutputChannel(), nlg, tracker, domain)
    assert time.monotonic() - started < 10  # Rasa's own default is five minutes
