"""The Redis lock store hands out each ticket once, keeps every ticket and lets one holder in at a time.

Against the real Redis (TEST_REDIS_HOST/PORT, 127.0.0.1:6379; its own DB number and a key
prefix of each test's own), from several threads of several processes at once, as several Rasa
replicas do. Rasa 3.6's own ``RedisLockStore`` fails the first three tests: tickets handed out
twice and lost; a holder's fresh ticket deleted by another's cleanup; holders of ``lock()`` left
waiting for a ticket that was overwritten (with short lifetimes: refused, or let in beside another).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import queue
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import redis
from rasa.core.lock_store import LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import read_endpoint_config

from bot.lock_store import AtomicRedisLockStore

ROOT = Path(__file__).resolve().parents[2]
HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1")
PORT = int(os.environ.get("TEST_REDIS_PORT", "6379"))
DB = 12  # this test's own (channels: 11, e2e lock store: 5, bench: 7)
PROCESSES, THREADS = 4, 4
SPAWN = multiprocessing.get_context("spawn")  # no fork of a process that runs threads


def make_store(prefix: str) -> AtomicRedisLockStore:
    return AtomicRedisLockStore(host=HOST, port=PORT, db=DB, key_prefix=prefix)


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own (alphanumeric, as Rasa requires); its keys are removed afterwards."""
    name = f"locktest{uuid.uuid4().hex[:10]}"
    yield name
    client = redis.Redis(host=HOST, port=PORT, db=DB)
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)


def in_threads(work: Any, *args: Any) -> List[Any]:
    """``work(*args)`` in THREADS threads started together; their results (the first error is raised)."""
    start = threading.Barrier(THREADS)
    results: List[Any] = [None] * THREADS
    errors: List[BaseException] = []

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = work(*args)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def in_processes(target: Any, *args: Any) -> List[Any]:
    """``target(start, results, *args)`` in PROCESSES spawned processes; what they put in ``results``."""
    start = SPAWN.Barrier(PROCESSES)
    results = SPAWN.Queue()
    processes = [SPAWN.Process(target=target, args=(start, results, *args)) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    collected: List[Any] = []
    deadline = time.monotonic() + 120
    try:
        while len(collected) < PROCESSES:
            try:
                collected.append(results.get(timeout=0.5))
            except queue.Empty:
                failed = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
                assert not failed, f"a worker process failed (exit codes {failed}); its traceback is above"
                assert time.monotonic() < deadline, "workers still running after 120 s"
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
    return collected


# ------------------------------------------------------------------ workers (run in spawned processes)


def issue_tickets(start: Any, results: Any, prefix: str, conversation: str, count: int) -> None:
    store = make_store(prefix)
    start.wait()
    per_thread = in_threads(lambda: [store.issue_ticket(conversation, 600) for _ in range(count)])
    results.put([number for numbers in per_thread for number in numbers])


def issue_and_clean_up(start: Any, results: Any, prefix: str, conversation: str, count: int) -> None:
    """Each cycle: take a ticket, check it is in the stored lock, give it back; the tickets found missing."""
    store = make_store(prefix)

    def cycles() -> int:
        missing = 0
        for _ in range(count):
            ticket = store.issue_ticket(conversation, 600)
            lock = store.get_lock(conversation)
            if lock is None or all(t.number != ticket for t in lock.tickets):
                missing += 1
            store.cleanup(conversation, ticket)
        return missing

    start.wait()
    results.put(sum(in_threads(cycles)))


def hold_the_lock(start: Any, results: Any, prefix: str, conversation: str, count: int) -> None:
    """``count`` holders per thread go through ``lock()``; each counts itself in and out in Redis."""
    store = make_store(prefix)
    counter = f"{prefix}:inside"

    async def holder() -> int:
        """How many holders were inside, this one included, when it came in; 0 if it was refused."""
        try:
            async with store.lock(conversation, lock_lifetime=60, wait_time_in_seconds=0.01):
                inside = int(store.red.incr(counter))
                await asyncio.sleep(0.01)
                store.red.decr(counter)
        except LockError:  # Rasa answers that message with an error
            return 0
        return inside

    async def holders() -> List[int]:
        return list(await asyncio.gather(*(holder() for _ in range(count))))

    start.wait()
    per_thread = in_threads(lambda: asyncio.run(holders()))
    results.put([item for items in per_thread for item in items])


# ------------------------------------------------------------------ tests


def test_concurrent_tickets_are_each_issued_once_and_all_kept(prefix: str) -> None:
    count = 25
    issued = [n for numbers in in_processes(issue_tickets, prefix, "burst", count) for n in numbers]
    total = PROCESSES * THREADS * count
    doubled = {number: times for number, times in Counter(issued).items() if times > 1}
    assert not doubled, f"{len(doubled)} ticket numbers handed out more than once"
    assert sorted(issued) == list(range(total))
    lock = make_store(prefix).get_lock("burst")
    assert lock is not None
    assert [ticket.number for ticket in lock.tickets] == list(range(total))  # none overwritten, in order


def test_cleanup_never_removes_a_ticket_another_holder_was_just_given(prefix: str) -> None:
    missing = in_processes(issue_and_clean_up, prefix, "cleanup", 40)
    assert sum(missing) == 0
    assert make_store(prefix).get_lock("cleanup") is None  # every ticket given back: the lock is gone


def test_lock_lets_one_holder_in_at_a_time_across_processes(prefix: str) -> None:
    count = 3
    entries = [entry for entries in in_processes(hold_the_lock, prefix, "serial", count) for entry in entries]
    assert len(entries) == PROCESSES * THREADS * count
    assert entries.count(0) == 0, f"{entries.count(0)} holders refused the lock"
    assert max(entries) == 1, f"{sum(1 for e in entries if e > 1)} holders came in while another was inside"
    assert make_store(prefix).get_lock("serial") is None


def test_the_key_expires_with_its_longest_lived_ticket(prefix: str) -> None:
    store = make_store(prefix)
    key = f"{prefix}:lock:short"
    store.issue_ticket("short", 0.2)
    store.issue_ticket("short", 2)
    assert 2000 < store.red.pttl(key) <= 3000 + 100
    store.finish_serving("short", 1)
    assert store.red.pttl(key) <= 1200  # only the short ticket is left
    time.sleep(1.5)
    assert not store.red.exists(key)  # a crashed holder leaves nothing behind

    store.issue_ticket("stale", 0.05)
    time.sleep(0.1)
    store.update_lock("stale")  # its only ticket expired: no lock any more
    assert not store.red.exists(f"{prefix}:lock:stale")


def test_a_holder_whose_ticket_expired_cannot_finish_the_next_holders_ticket(prefix: str) -> None:
    store = make_store(prefix)
    first = store.issue_ticket("slow", 0.05)
    time.sleep(0.1)  # the first holder overran its ticket's lifetime
    second = store.issue_ticket("slow", 60)
    assert second != first
    store.cleanup("slow", first)  # the slow holder finishes late
    lock = store.get_lock("slow")
    assert lock is not None and not lock.is_locked(second)


def test_same_keys_and_json_as_rasas_store(prefix: str) -> None:
    ours, rasas = make_store(prefix), RedisLockStore(host=HOST, port=PORT, db=DB, key_prefix=prefix)
    assert ours.key_prefix == rasas.key_prefix == f"{prefix}:lock:"
    ours.issue_ticket("both", 60)
    rasas.issue_ticket("both", 60)
    ours.issue_ticket("both", 60)
    lock = rasas.get_lock("both")
    assert lock is not None and [t.number for t in lock.tickets] == [0, 1, 2]


def test_endpoints_production_yml_loads_this_store(monkeypatch: pytest.MonkeyPatch, prefix: str) -> None:
    environment: Dict[str, str] = {
        "ACTION_ENDPOINT_URL": "http://127.0.0.1:9/webhook",
        **{name: "x" for name in ("TRACKER_DB_HOST", "TRACKER_DB_NAME", "TRACKER_DB_USER", "TRACKER_DB_PASSWORD")},
        "TRACKER_DB_PORT": "5432",
        "REDIS_HOST": HOST,
        "REDIS_PORT": str(PORT),
        "REDIS_LOCK_DB": str(DB),
        "REDIS_PASSWORD": "",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    config = read_endpoint_config(str(ROOT / "endpoints.production.yml"), endpoint_type="lock_store")
    store = LockStore.create(config)  # as Rasa does at start
    assert isinstance(store, AtomicRedisLockStore)
    assert store.key_prefix == "guide:lock:"
    assert store.red.connection_pool.connection_kwargs["db"] == DB
    conversation = f"{prefix}-endpoint"
    number = store.issue_ticket(conversation)
    try:
        assert store.red.pttl(f"guide:lock:{conversation}") > 59_000  # Rasa's ticket lifetime, 60 s
    finally:
        store.cleanup(conversation, number)
    assert store.get_lock(conversation) is None
