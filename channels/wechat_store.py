"""Short-lived shared state of the WeChat channel: de-duplication, locks, quotas, offered options.

With ``REDIS_URL`` every replica sees the same state (SET NX with a TTL for claims and locks). Without
it an in-process TTL store is used, which is correct for one replica only — the channel warns at start.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from contextlib import asynccontextmanager
from typing import AsyncIterator, Dict, Optional, Protocol, Tuple


class StoreUnavailable(RuntimeError):
    """Redis could not be reached."""


class Store(Protocol):
    async def claim(self, key: str, value: str, ttl: float) -> bool: ...

    async def get(self, key: str) -> Optional[str]: ...

    async def set(self, key: str, value: str, ttl: float) -> None: ...

    async def delete(self, key: str, only_if: Optional[str] = None) -> None: ...

    async def incr(self, key: str, amount: int, ttl: float) -> int: ...

    async def close(self) -> None: ...


class MemoryStore:
    """A TTL dictionary; single process only."""

    def __init__(self) -> None:
        self._data: Dict[str, Tuple[str, float]] = {}

    def _live(self, key: str) -> Optional[str]:
        item = self._data.get(key)
        if item is None:
            return None
        if item[1] <= time.monotonic():
            del self._data[key]
            return None
        return item[0]

    def _sweep(self) -> None:
        if len(self._data) > 10_000:
            now = time.monotonic()
            for key in [k for k, (_, expiry) in self._data.items() if expiry <= now]:
                del self._data[key]

    async def claim(self, key: str, value: str, ttl: float) -> bool:
        if self._live(key) is not None:
            return False
        self._sweep()
        self._data[key] = (value, time.monotonic() + ttl)
        return True

    async def get(self, key: str) -> Optional[str]:
        return self._live(key)

    async def set(self, key: str, value: str, ttl: float) -> None:
        self._data[key] = (value, time.monotonic() + ttl)

    async def delete(self, key: str, only_if: Optional[str] = None) -> None:
        if only_if is None or self._live(key) == only_if:
            self._data.pop(key, None)

    async def incr(self, key: str, amount: int, ttl: float) -> int:
        current = self._live(key)
        expiry = self._data[key][1] if current is not None else time.monotonic() + ttl
        value = int(current or 0) + amount
        self._data[key] = (str(value), expiry)
        return value

    async def close(self) -> None:
        self._data.clear()


_DELETE_IF = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class RedisStore:
    """The same operations on Redis, shared by every replica."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._redis = redis.Redis.from_url(url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2)

    async def _call(self, coroutine: asyncio.Future[object] | object) -> object:
        from redis.exceptions import RedisError

        try:
            return await coroutine  # type: ignore[misc]
        except (RedisError, OSError) as error:
            raise StoreUnavailable(str(error)) from error

    async def claim(self, key: str, value: str, ttl: float) -> bool:
        return bool(await self._call(self._redis.set(key, value, nx=True, px=int(ttl * 1000))))

    async def get(self, key: str) -> Optional[str]:
        value = await self._call(self._redis.get(key))
        return None if value is None else str(value)

    async def set(self, key: str, value: str, ttl: float) -> None:
        await self._call(self._redis.set(key, value, px=int(ttl * 1000)))

    async def delete(self, key: str, only_if: Optional[str] = None) -> None:
        if only_if is None:
            await self._call(self._redis.delete(key))
        else:
            await self._call(self._redis.eval(_DELETE_IF, 1, key, only_if))

    async def incr(self, key: str, amount: int, ttl: float) -> int:
        value = int(await self._call(self._redis.incrby(key, amount)))  # type: ignore[call-overload]
        if value == amount:  # a new counter: give it its lifetime
            await self._call(self._redis.pexpire(key, int(ttl * 1000)))
        return value

    async def close(self) -> None:
        await self._redis.close()


def make_store(redis_url: Optional[str]) -> Store:
    return RedisStore(redis_url) if redis_url else MemoryStore()


@asynccontextmanager
async def locked(store: Store, key: str, ttl: float = 10.0, wait: float = 10.0) -> AsyncIterator[bool]:
    """Hold ``key`` while the block runs (True), or give up after ``wait`` seconds (False)."""
    token = secrets.token_hex(8)
    deadline = time.monotonic() + wait
    acquired = await store.claim(key, token, ttl)
    while not acquired and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        acquired = await store.claim(key, token, ttl)
    try:
        yield acquired
    finally:
        if acquired:
            await store.delete(key, only_if=token)
