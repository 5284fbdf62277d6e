"""The outbox against the real backend: retries, the dead-letter queue, two workers, both stores."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterator

import psycopg2
import pytest

from actions.appeal import delivery
from actions.appeal.store import PostgresStore, SQLiteStore, Store, utcnow
from actions.clients.backend import BackendClient
from tests.stack import AGENT_TOKEN, BACKEND_PY, ROOT, SERVICE_TOKEN

PAYLOAD: Dict[str, Any] = {
    "channel": "web",
    "sender_id": "delivery-test",
    "enterprise_name": "黔江某某建设有限公司",
    "credit_code": None,
    "contact_name": "王芳",
    "mobile": "13800138000",
    "category": "approval_service",
    "description": "我们公司的施工许可申请交了一个月没人理",
}


class CountingClient(BackendClient):
    """The real client, counting how often each appeal is sent."""

    def __init__(self, base_url: str, token: str = SERVICE_TOKEN) -> None:
        super().__init__(base_url, service_token=token)
        self.sent: Counter[str] = Counter()

    async def create_ticket(self, payload: Dict[str, Any], idempotency_key: str) -> Dict[str, Any]:
        self.sent[idempotency_key] += 1
        return await super().create_ticket(payload, idempotency_key)


def _make_due(store: Store, key: str) -> None:
    store.failed(key, "test: due now", utcnow())


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Store:
    return SQLiteStore(tmp_path / "outbox.db")


@pytest.fixture(scope="module")
def postgres_dsn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throw-away PostgreSQL database with the backend's schema (its Alembic migrations)."""
    admin = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"guide_outbox_{uuid.uuid4().hex[:10]}"
    connection = psycopg2.connect(admin)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    dsn = admin.rsplit("/", 1)[0] + "/" + name
    env = {**os.environ, "DATABASE_URL": dsn}
    subprocess.run([str(BACKEND_PY), "-m", "app.cli", "migrate"], cwd=ROOT / "backend", env=env, check=True)
    try:
        yield dsn
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()


def test_the_reference_is_stable_and_speakable() -> None:
    reference = delivery.reference_for("some-key")
    assert reference == delivery.reference_for("some-key") != delivery.reference_for("other-key")
    assert len(reference) == 10 and reference.startswith("CX")
    assert not set(reference[2:]) & set("01IO")


async def test_a_rotated_token_queues_and_the_fixed_token_delivers_once(backend_url: str, sqlite_store: Store) -> None:
    wrong = CountingClient(backend_url, token="a-rotated-token-that-is-wrong")
    right = CountingClient(backend_url)
    try:
        key = f"rotated-{uuid.uuid4().hex}"
        result = await delivery.submit(wrong, key, "rotated", PAYLOAD, sqlite_store)
        assert result.outcome is delivery.Outcome.queued  # 401 is not a refusal of the appeal
        row = sqlite_store.get(key)
        assert row is not None and row.pending and row.last_error == "HTTP 401"
        _make_due(sqlite_store, key)
        assert await delivery.flush(wrong, sqlite_store) == 0  # still wrong: retried, kept
        _make_due(sqlite_store, key)
        assert await delivery.flush(right, sqlite_store) == 1
        delivered = sqlite_store.get(key)
        assert delivered is not None and delivered.state == "delivered" and delivered.payload == {}
        again = await delivery.submit(right, key, "rotated", PAYLOAD, sqlite_store)  # the same confirmation again
        assert again.outcome is delivery.Outcome.filed and again.ticket == delivered.ticket
        assert right.sent[key] == 1
    finally:
        await wrong.close()
        await right.close()


async def test_a_refused_appeal_goes_to_the_dead_letter_queue(backend_url: str, sqlite_store: Store) -> None:
    client = CountingClient(backend_url)
    try:
        key = f"refused-{uuid.uuid4().hex}"
        result = await delivery.submit(
            client, key, "refused", {**PAYLOAD, "category": "no_such_category"}, sqlite_store
        )
        assert result.outcome is delivery.Outcome.dead_letter
        assert any("没有“no_such_category”这个诉求分类" in p for p in result.problems)
        row = sqlite_store.get(key)
        assert row is not None and row.state == "dead_letter" and row.payload == {}  # the backend holds it now
        agent = BackendClient(backend_url, service_token=AGENT_TOKEN)
        try:
            letters = await agent._request("GET", "/api/dead-letters", headers=agent._auth())
            [letter] = [i for i in letters["items"] if i["reference"] == result.reference]
            assert letter["payload"]["mobile"] == "138****8000"
            fixed = await agent._request(
                "POST",
                f"/api/dead-letters/{letter['id']}/resubmit",
                json={"corrections": {"category": "approval_service"}},
                headers=agent._auth(),
            )
        finally:
            await agent.close()
        status = await client.ticket_status(result.reference, "8000", client_id="refused")
        assert status["number"] == fixed["number"]
    finally:
        await client.close()


async def _two_workers(store_a: Store, store_b: Store, backend_url: str) -> None:
    keys = [f"pair-{uuid.uuid4().hex}" for _ in range(8)]
    for key in keys:
        store_a.add(key, delivery.reference_for(key), "pair", {**PAYLOAD, "reference": delivery.reference_for(key)})
    one, two = CountingClient(backend_url), CountingClient(backend_url)
    try:
        filed = await asyncio.gather(delivery.flush(one, store_a, batch=1), delivery.flush(two, store_b, batch=1))
    finally:
        await one.close()
        await two.close()
    assert sum(filed) == len(keys)
    sent = one.sent + two.sent
    assert all(sent[key] == 1 for key in keys), sent  # no row was sent by both
    numbers = {store_a.get(key).ticket_number for key in keys}  # type: ignore[union-attr]
    assert len(numbers) == len(keys)


async def test_two_workers_on_one_sqlite_file_never_send_a_row_twice(backend_url: str, tmp_path: Path) -> None:
    await _two_workers(SQLiteStore(tmp_path / "o.db"), SQLiteStore(tmp_path / "o.db"), backend_url)


async def test_two_replicas_on_postgresql_skip_each_others_rows(backend_url: str, postgres_dsn: str) -> None:
    await _two_workers(PostgresStore(postgres_dsn), PostgresStore(postgres_dsn), backend_url)


async def test_a_lease_that_ran_out_is_delivered_again_under_the_same_key(backend_url: str, postgres_dsn: str) -> None:
    store = PostgresStore(postgres_dsn)
    key = f"lease-{uuid.uuid4().hex}"
    store.add(key, delivery.reference_for(key), "lease", {**PAYLOAD, "reference": delivery.reference_for(key)})
    [claimed] = store.claim(5, key)
    assert store.claim(5, key) == []  # leased: nobody else takes it
    client = CountingClient(backend_url)
    try:
        first = await client.create_ticket(claimed.payload, key)  # the worker died after sending
        _make_due(store, key)  # ... and its lease ran out
        assert await delivery.flush(client, store) == 1
    finally:
        await client.close()
    row = store.get(key)
    assert row is not None and row.ticket_number == first["number"]  # the same ticket, not a second
