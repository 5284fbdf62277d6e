"""Numbering and idempotency under concurrent creation: 20 threads, each with its own session.

Runs on both databases; PostgreSQL is the production case (row lock on the day's counter
taken by ``INSERT … ON CONFLICT DO UPDATE``), SQLite serialises writers on its file lock.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.core.db import session_factory
from app.knowledge.appeals import get_appeal_knowledge
from app.knowledge.loader import default_knowledge_dir
from app.models.tickets import Ticket, TicketCounter
from app.services.tickets.access import Principal
from app.services.tickets.creation import NewTicket, create_ticket

THREADS = 20


def _request(n: int) -> NewTicket:
    return NewTicket(
        channel="hotline",
        sender_id=None,
        enterprise_name=f"并发测试企业{n}",
        credit_code=None,
        contact_name="李四",
        mobile="13912345678",
        category="financing",
        description=f"第{n}家企业：贷款批不下来",
        complexity=None,
    )


def _run(database_url: str, now: datetime, keys: list[str], requests: list[NewTicket]) -> list[tuple[str, bool]]:
    knowledge = get_appeal_knowledge(default_knowledge_dir())
    factory = session_factory(database_url)
    start = threading.Barrier(len(keys))
    principal = Principal(role="agent", name="agent:concurrency")

    def worker(n: int) -> tuple[str, bool]:
        session = factory()
        try:
            start.wait(timeout=30)
            ticket, created = create_ticket(session, knowledge, requests[n], principal, keys[n], now)
            return ticket.number, created
        finally:
            session.close()

    with ThreadPoolExecutor(max_workers=len(keys)) as pool:
        return list(pool.map(worker, range(len(keys))))


def test_concurrent_creation_gives_unique_consecutive_numbers(database_url: str) -> None:
    now = datetime(2026, 12, 30, 2, 0, tzinfo=UTC)  # a day no other test files tickets on
    keys = [f"concurrent-{uuid.uuid4()}" for _ in range(THREADS)]
    results = _run(database_url, now, keys, [_request(n) for n in range(THREADS)])
    numbers = [number for number, _ in results]
    assert all(created for _, created in results)
    assert len(set(numbers)) == THREADS
    assert all(number.startswith("QY20261230") and len(number) == 14 for number in numbers)
    sequences = sorted(int(number[-4:]) for number in numbers)
    assert sequences == list(range(sequences[0], sequences[0] + THREADS))
    session = session_factory(database_url)()
    try:
        counter = session.get(TicketCounter, now.date())
        assert counter is not None and counter.last == sequences[-1]
        stored = session.scalars(select(Ticket.number).where(Ticket.idempotency_key.in_(keys))).all()
        assert sorted(stored) == sorted(numbers)
    finally:
        session.close()


def test_concurrent_retries_with_one_key_file_one_ticket(database_url: str) -> None:
    now = datetime(2026, 12, 29, 2, 0, tzinfo=UTC)
    key = f"retry-storm-{uuid.uuid4()}"
    results = _run(database_url, now, [key] * 10, [_request(0)] * 10)
    assert len({number for number, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    session = session_factory(database_url)()
    try:
        assert session.scalar(select(func.count()).where(Ticket.idempotency_key == key)) == 1
        # The losers rolled back their sequence numbers too: the day's numbers have no gap.
        numbers = session.scalars(select(Ticket.number).where(Ticket.number.like("QY20261229%"))).all()
        sequences = sorted(int(n[-4:]) for n in numbers)
        assert sequences == list(range(1, len(sequences) + 1))
    finally:
        session.close()
