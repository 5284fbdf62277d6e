from __future__ import annotations

import asyncio

from channels.wechat_store import Store, locked


async def test_claim_is_granted_once(store: Store, prefix: str) -> None:
    key = prefix + "msg:1"
    results = await asyncio.gather(*[store.claim(key, "pending", 5) for _ in range(10)])
    assert sorted(results) == [False] * 9 + [True]
    assert await store.get(key) == "pending"


async def test_values_expire(store: Store, prefix: str) -> None:
    await store.set(prefix + "k", "v", 0.2)
    assert await store.get(prefix + "k") == "v"
    await asyncio.sleep(0.35)
    assert await store.get(prefix + "k") is None
    assert await store.claim(prefix + "k", "again", 5)


async def test_delete_only_if_the_value_is_ours(store: Store, prefix: str) -> None:
    await store.set(prefix + "lock", "theirs", 5)
    await store.delete(prefix + "lock", only_if="mine")
    assert await store.get(prefix + "lock") == "theirs"
    await store.delete(prefix + "lock", only_if="theirs")
    assert await store.get(prefix + "lock") is None


async def test_incr_counts(store: Store, prefix: str) -> None:
    assert await store.incr(prefix + "n", 2, 5) == 2
    assert await store.incr(prefix + "n", 3, 5) == 5


async def test_lock_serialises_holders(store: Store, prefix: str) -> None:
    inside, overlap = 0, False

    async def hold() -> None:
        nonlocal inside, overlap
        async with locked(store, prefix + "lock", ttl=5, wait=5) as acquired:
            assert acquired
            inside += 1
            overlap = overlap or inside > 1
            await asyncio.sleep(0.02)
            inside -= 1

    await asyncio.gather(*[hold() for _ in range(5)])
    assert not overlap
