"""Fixtures of the channel tests: the fake WeChat API server and the shared stores (memory, Redis)."""

from __future__ import annotations

import os
import uuid
from typing import AsyncIterator, Iterator

import pytest

from channels.config import WeChatConfig
from channels.wechat_fake_api import FakeServerThread, FakeWeChatApi
from channels.wechat_store import MemoryStore, RedisStore, Store

APP_ID, APP_SECRET = "wxtestappid000001", "test-app-secret"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


@pytest.fixture
def fake_api() -> Iterator[FakeServerThread]:
    with FakeServerThread(FakeWeChatApi(APP_ID, APP_SECRET)) as server:
        yield server


def make_config(api_base: str = "http://127.0.0.1:9", passive: float = 1.0, app: bool = True) -> WeChatConfig:
    return WeChatConfig(
        token="testtoken",
        app_id=APP_ID,
        app_secret=APP_SECRET if app else None,
        encoding_aes_key=None,
        api_base=api_base,
        passive_seconds=passive,
        redis_url=None,
    )


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """Every store test runs on both: the in-process store and a real Redis (its own DB number)."""
    chosen: Store = MemoryStore() if request.param == "memory" else RedisStore(REDIS_URL)
    yield chosen
    await chosen.close()


@pytest.fixture
def prefix() -> str:
    return f"test-i10-{uuid.uuid4().hex[:8]}:"
