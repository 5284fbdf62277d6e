"""Rate limits of the public ticket-status lookup (number + last 4 digits of the mobile).

Failures are counted per *client and number* (5 within 10 minutes lock that pair) and per
client over all numbers (20 within 10 minutes lock the client): ticket numbers are
sequential, so a limit per number alone let anyone lock anyone's ticket with five guesses.
A client is its IP address — or, for the chat, the conversation the action server names
in ``X-Client-Id`` (trusted only with the service token: all chat users share one IP).

The counters live in Redis when ``REDIS_URL`` is set (every replica sees the same
failures; a sorted set per key, scored by time), in this process otherwise. The caller
passes the time, so tests pin the clock.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Protocol

import redis

WINDOW = timedelta(minutes=10)
PAIR_MAX_FAILURES = 5
CLIENT_MAX_FAILURES = 20
KEY_PREFIX = "guide:lookup:"


class FailureStore(Protocol):
    def count(self, key: str, since: float) -> int: ...

    def add(self, key: str, at: float, forget_before: float) -> None: ...


class MemoryStore:
    def __init__(self) -> None:
        self._hits: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str, before: float) -> deque[float]:
        hits = self._hits[key]
        while hits and hits[0] < before:
            hits.popleft()
        return hits

    def count(self, key: str, since: float) -> int:
        with self._lock:
            return len(self._trim(key, since))

    def add(self, key: str, at: float, forget_before: float) -> None:
        with self._lock:
            self._trim(key, forget_before).append(at)


class RedisStore:
    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=2)

    def count(self, key: str, since: float) -> int:
        return int(self._redis.zcount(KEY_PREFIX + key, since, "+inf"))

    def add(self, key: str, at: float, forget_before: float) -> None:
        name = KEY_PREFIX + key
        pipe = self._redis.pipeline()
        pipe.zremrangebyscore(name, "-inf", f"({forget_before}")
        pipe.zadd(name, {f"{at}:{id(pipe)}": at})
        pipe.expire(name, int(WINDOW.total_seconds()) + 60)
        pipe.execute()


@dataclass(frozen=True)
class LookupLimiter:
    store: FailureStore

    @staticmethod
    def _keys(client: str, number: str) -> tuple[str, str]:
        return f"pair:{client}|{number}", f"client:{client}"

    def locked(self, client: str, number: str, now: datetime) -> bool:
        pair, whole = self._keys(client, number)
        since = (now - WINDOW).timestamp()
        return (
            self.store.count(pair, since) >= PAIR_MAX_FAILURES or self.store.count(whole, since) >= CLIENT_MAX_FAILURES
        )

    def failed(self, client: str, number: str, now: datetime) -> None:
        forget = (now - WINDOW).timestamp()
        for key in self._keys(client, number):
            self.store.add(key, now.timestamp(), forget)


@lru_cache(maxsize=4)
def limiter_for(redis_url: str | None) -> LookupLimiter:
    return LookupLimiter(RedisStore(redis_url) if redis_url else MemoryStore())
