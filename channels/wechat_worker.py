"""Rasa turns of the WeChat channel run on an event loop of their own, in one worker thread.

Rasa 3.6 runs its NLU and policy graphs synchronously inside the event loop (dask's synchronous
scheduler). With many users at once, those CPU bursts would delay the webhook's own timer and its
reply past WeChat's 5 seconds — exactly when answering ``success`` in time matters most. So the
webhook (signature, dedup, the passive-window timer, the reply, the pushes) stays on Sanic's loop and
only the turn itself (``agent.handle_message``) runs on a worker's loop; turns queue up there, not
in front of WeChat's HTTP requests. One user's turns always run on the same worker (Rasa's lock store
serialises them there), so there are as many workers as cores and no more than four.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from typing import Any, Awaitable, Optional, TypeVar

T = TypeVar("T")


class TurnWorker:
    def __init__(self, name: str = "wechat-turns") -> None:
        self._name = name
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._lock = threading.Lock()

    def _ensure(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name=self._name, daemon=True)
                thread.start()
                self._loop = loop
            return self._loop

    async def run(self, coroutine: Awaitable[T]) -> T:
        """Run ``coroutine`` on the worker's loop; the caller's loop stays free while it runs."""
        future = asyncio.run_coroutine_threadsafe(_as_coroutine(coroutine), self._ensure())
        return await asyncio.wrap_future(future)

    def stop(self) -> None:
        with self._lock:
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._loop = None


class TurnWorkers:
    """A few workers (one per core, at most four); a user's turns always go to the same one."""

    def __init__(self, count: Optional[int] = None) -> None:
        count = count or min(4, os.cpu_count() or 1)
        self._workers = [TurnWorker(f"wechat-turns-{n}") for n in range(count)]

    async def run(self, sender_id: str, coroutine: Awaitable[T]) -> T:
        index = int(hashlib.sha256(sender_id.encode()).hexdigest(), 16) % len(self._workers)
        return await self._workers[index].run(coroutine)

    def stop(self) -> None:
        for worker in self._workers:
            worker.stop()


async def _as_coroutine(awaitable: Awaitable[Any]) -> Any:
    return await awaitable
