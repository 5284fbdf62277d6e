"""A small sticky-free round-robin HTTP proxy, as a load balancer in front of Rasa replicas.

Every request goes to the next upstream in turn, whatever its sender, so two messages of one
conversation land on different replicas; it records which upstream served what.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from dataclasses import dataclass, field
from typing import List, Optional

import aiohttp
from aiohttp import web

from tests.backend_server import free_port


@dataclass
class Served:
    upstream: str
    path: str
    sender: Optional[str]
    message: Optional[str]


@dataclass
class RoundRobinProxy:
    upstreams: List[str]
    port: int = field(default_factory=free_port)
    served: List[Served] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._next = itertools.cycle(self.upstreams)
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="round-robin-proxy", daemon=True)
        self._runner: Optional[web.AppRunner] = None
        self._session: Optional[aiohttp.ClientSession] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            upstream = next(self._next)
        body = await request.read()
        sender = message = None
        if request.path.endswith("/webhook") and body:
            parsed = json.loads(body)
            sender, message = parsed.get("sender"), parsed.get("message")
        assert self._session is not None
        headers = {"Content-Type": request.headers.get("Content-Type", "application/json")}
        async with self._session.request(
            request.method, upstream + request.path_qs, data=body, headers=headers
        ) as reply:
            payload = await reply.read()
            status, content_type = reply.status, reply.content_type
        with self._lock:
            self.served.append(Served(upstream, request.path, sender, message))
        return web.Response(body=payload, status=status, content_type=content_type)

    async def _start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def __enter__(self) -> RoundRobinProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *_exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
