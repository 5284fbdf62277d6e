"""Where confirmed appeals wait for the backend: one table, PostgreSQL or SQLite.

- ``DATABASE_URL`` is PostgreSQL (production, several action-server replicas): the backend's
  ``appeal_outbox`` table (created by its Alembic migrations). Every replica sees every
  row; losing a replica loses nothing.
- Otherwise (the embedded default): a SQLite file at ``OUTBOX_PATH`` (``.data/outbox.db``).

Claiming is a lease: a worker takes due rows and pushes their ``next_attempt_at`` past the
time a delivery can take, in one transaction — ``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite — so two workers never deliver one row at the same time; if
a worker dies mid-delivery, the lease runs out and another delivers it again under the
same idempotency key, which returns the same ticket. Personal data is blanked (payload
``{}``) once the backend holds the appeal, as a ticket or as a dead letter.

These calls block: async code runs them in a thread (``actions.appeal.delivery``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Protocol

ROOT = Path(__file__).resolve().parents[2]
LEASE = timedelta(seconds=float(os.environ.get("OUTBOX_LEASE_SECONDS", "60")))
"""Longer than one delivery can take (three tries of the 4-second client plus waits): a claimed row
is invisible to other workers for this long, then taken again if its worker died."""
COLUMNS = (
    "idempotency_key, reference, sender_id, payload, state, attempts, last_error, "
    "next_attempt_at, ticket_number, ticket, created_at, delivered_at"
)
_PG_CLAIM = (
    "UPDATE appeal_outbox SET next_attempt_at = %s WHERE idempotency_key IN ("
    " SELECT idempotency_key FROM appeal_outbox WHERE state = 'pending' AND next_attempt_at <= %s{extra}"
    " ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING {columns}"
)
PG_CLAIM = _PG_CLAIM.format(extra="", columns=COLUMNS)
"""Due rows, oldest first; rows another worker holds are skipped, not waited for."""
PG_CLAIM_ONE = _PG_CLAIM.format(extra=" AND idempotency_key = %s", columns=COLUMNS)
SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS appeal_outbox (
    idempotency_key TEXT PRIMARY KEY,
    reference       TEXT NOT NULL UNIQUE,
    sender_id       TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead_letter')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at TEXT NOT NULL,
    ticket_number   TEXT,
    ticket          TEXT,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT
);
CREATE INDEX IF NOT EXISTS ix_appeal_outbox_state_next_attempt_at ON appeal_outbox (state, next_attempt_at);
CREATE INDEX IF NOT EXISTS ix_appeal_outbox_sender_id ON appeal_outbox (sender_id);
"""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _ts(moment: datetime) -> str:
    """SQLite keeps times as fixed-width UTC text, so they compare as they sort."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")


@dataclass
class Row:
    idempotency_key: str
    reference: str
    sender_id: str
    payload: Dict[str, Any]
    state: str
    attempts: int
    last_error: Optional[str]
    ticket_number: Optional[str]
    ticket: Optional[Dict[str, Any]]

    @property
    def pending(self) -> bool:
        return self.state == "pending"


class Store(Protocol):
    description: str

    def add(self, key: str, reference: str, sender_id: str, payload: Dict[str, Any]) -> None: ...

    def get(self, key: str) -> Optional[Row]: ...

    def for_sender(self, sender_id: str) -> List[Row]: ...

    def by_reference(self, reference: str) -> Optional[Row]: ...

    def claim(self, limit: int, key: Optional[str] = None) -> List[Row]: ...

    def delivered(self, key: str, ticket: Dict[str, Any]) -> None: ...

    def dead_lettered(self, key: str, problems: List[str]) -> None: ...

    def failed(self, key: str, error: str, retry_at: datetime) -> None: ...

    def count(self, state: str) -> int: ...


def _row(values: Any) -> Row:
    return Row(
        idempotency_key=values[0],
        reference=values[1],
        sender_id=values[2],
        payload=json.loads(values[3] or "{}"),
        state=values[4],
        attempts=int(values[5]),
        last_error=values[6],
        ticket_number=values[8],
        ticket=json.loads(values[9]) if values[9] else None,
    )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


class SQLiteStore:
    """The embedded default: one file, shared by the processes of one machine."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"SQLite {path}"
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db:
            db.executescript(SQLITE_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)  # transactions are explicit
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return db

    def _one(self, sql: str, params: tuple) -> Optional[Row]:
        with closing(self._connect()) as db:
            values = db.execute(sql, params).fetchone()
        return _row(values) if values else None

    def add(self, key: str, reference: str, sender_id: str, payload: Dict[str, Any]) -> None:
        now = _ts(utcnow())
        with closing(self._connect()) as db:
            db.execute(
                "INSERT OR IGNORE INTO appeal_outbox (idempotency_key, reference, sender_id, payload, state, attempts,"
                " next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)",
                (key, reference, sender_id, _json(payload), now, now),
            )

    def get(self, key: str) -> Optional[Row]:
        return self._one(f"SELECT {COLUMNS} FROM appeal_outbox WHERE idempotency_key = ?", (key,))  # noqa: S608

    def by_reference(self, reference: str) -> Optional[Row]:
        return self._one(f"SELECT {COLUMNS} FROM appeal_outbox WHERE reference = ?", (reference,))  # noqa: S608

    def for_sender(self, sender_id: str) -> List[Row]:
        with closing(self._connect()) as db:
            rows = db.execute(
                f"SELECT {COLUMNS} FROM appeal_outbox WHERE sender_id = ? ORDER BY created_at DESC",  # noqa: S608
                (sender_id,),
            ).fetchall()
        return [_row(r) for r in rows]

    def claim(self, limit: int, key: Optional[str] = None) -> List[Row]:
        now = utcnow()
        where = "state = 'pending' AND next_attempt_at <= ?" + (" AND idempotency_key = ?" if key else "")
        params: tuple = (_ts(now), key) if key else (_ts(now),)
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")  # one claimer at a time: the write lock
            try:
                rows = db.execute(
                    f"SELECT {COLUMNS} FROM appeal_outbox WHERE {where} ORDER BY created_at LIMIT ?",  # noqa: S608
                    (*params, limit),
                ).fetchall()
                keys = [r[0] for r in rows]
                db.executemany(
                    "UPDATE appeal_outbox SET next_attempt_at = ? WHERE idempotency_key = ?",
                    [(_ts(now + LEASE), k) for k in keys],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return [_row(r) for r in rows]

    def _update(self, sql: str, params: tuple) -> None:
        with closing(self._connect()) as db:
            db.execute(sql, params)

    def delivered(self, key: str, ticket: Dict[str, Any]) -> None:
        self._update(
            "UPDATE appeal_outbox SET state = 'delivered', payload = '{}', ticket_number = ?, ticket = ?,"
            " delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE idempotency_key = ?",
            (ticket["number"], _json(ticket), _ts(utcnow()), key),
        )

    def dead_lettered(self, key: str, problems: List[str]) -> None:
        self._update(
            "UPDATE appeal_outbox SET state = 'dead_letter', payload = '{}', last_error = ?,"
            " delivered_at = ?, attempts = attempts + 1 WHERE idempotency_key = ?",
            (_json(problems), _ts(utcnow()), key),
        )

    def failed(self, key: str, error: str, retry_at: datetime) -> None:
        self._update(
            "UPDATE appeal_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?"
            " WHERE idempotency_key = ?",
            (error[:500], _ts(retry_at), key),
        )

    def count(self, state: str) -> int:
        with closing(self._connect()) as db:
            return int(db.execute("SELECT count(*) FROM appeal_outbox WHERE state = ?", (state,)).fetchone()[0])


class PostgresStore:
    """The backend's ``appeal_outbox`` table: every replica shares it."""

    def __init__(self, dsn: str) -> None:
        import psycopg2  # only when PostgreSQL is configured

        self._psycopg2 = psycopg2
        self.dsn = dsn
        self.description = "PostgreSQL appeal_outbox"
        self._local = threading.local()

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed:
            connection = self._psycopg2.connect(self.dsn, connect_timeout=5)
            self._local.connection = connection
        return connection

    def _run(self, sql: str, params: tuple, fetch: str = "") -> Any:
        connection = self._connection()
        try:
            with connection, connection.cursor() as cursor:  # commits, or rolls back on error
                cursor.execute(sql, params)
                if fetch == "one":
                    return cursor.fetchone()
                if fetch == "all":
                    return cursor.fetchall()
                return None
        except self._psycopg2.OperationalError:
            connection.close()  # the next call reconnects
            raise

    def add(self, key: str, reference: str, sender_id: str, payload: Dict[str, Any]) -> None:
        now = utcnow()
        self._run(
            "INSERT INTO appeal_outbox (idempotency_key, reference, sender_id, payload, state, attempts,"
            " next_attempt_at, created_at) VALUES (%s, %s, %s, %s, 'pending', 0, %s, %s)"
            " ON CONFLICT (idempotency_key) DO NOTHING",
            (key, reference, sender_id, _json(payload), now, now),
        )

    def get(self, key: str) -> Optional[Row]:
        values = self._run(f"SELECT {COLUMNS} FROM appeal_outbox WHERE idempotency_key = %s", (key,), "one")  # noqa: S608
        return _row(values) if values else None

    def by_reference(self, reference: str) -> Optional[Row]:
        values = self._run(f"SELECT {COLUMNS} FROM appeal_outbox WHERE reference = %s", (reference,), "one")  # noqa: S608
        return _row(values) if values else None

    def for_sender(self, sender_id: str) -> List[Row]:
        rows = self._run(
            f"SELECT {COLUMNS} FROM appeal_outbox WHERE sender_id = %s ORDER BY created_at DESC",  # noqa: S608
            (sender_id,),
            "all",
        )
        return [_row(r) for r in rows]

    def claim(self, limit: int, key: Optional[str] = None) -> List[Row]:
        now = utcnow()
        params: tuple = (now + LEASE, now, key, limit) if key else (now + LEASE, now, limit)
        rows = self._run(PG_CLAIM_ONE if key else PG_CLAIM, params, "all")
        return [_row(r) for r in rows]

    def delivered(self, key: str, ticket: Dict[str, Any]) -> None:
        self._run(
            "UPDATE appeal_outbox SET state = 'delivered', payload = '{}', ticket_number = %s, ticket = %s,"
            " delivered_at = %s, attempts = attempts + 1, last_error = NULL WHERE idempotency_key = %s",
            (ticket["number"], _json(ticket), utcnow(), key),
        )

    def dead_lettered(self, key: str, problems: List[str]) -> None:
        self._run(
            "UPDATE appeal_outbox SET state = 'dead_letter', payload = '{}', last_error = %s,"
            " delivered_at = %s, attempts = attempts + 1 WHERE idempotency_key = %s",
            (_json(problems), utcnow(), key),
        )

    def failed(self, key: str, error: str, retry_at: datetime) -> None:
        self._run(
            "UPDATE appeal_outbox SET attempts = attempts + 1, last_error = %s, next_attempt_at = %s"
            " WHERE idempotency_key = %s",
            (error[:500], retry_at, key),
        )

    def count(self, state: str) -> int:
        values = self._run("SELECT count(*) FROM appeal_outbox WHERE state = %s", (state,), "one")
        return int(values[0])


def postgres_dsn(url: str) -> Optional[str]:
    """A libpq DSN when ``url`` is a PostgreSQL URL (any SQLAlchemy driver suffix dropped)."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.split("+", 1)[0] not in ("postgres", "postgresql"):
        return None
    return f"postgresql://{rest}"


_stores: Dict[str, Store] = {}
_lock = threading.Lock()


def open_store() -> Store:
    """The store the environment names (one per process and location)."""
    dsn = postgres_dsn(os.environ.get("DATABASE_URL", ""))
    location = dsn or os.environ.get("OUTBOX_PATH") or str(ROOT / ".data" / "outbox.db")
    with _lock:
        if location not in _stores:
            _stores[location] = PostgresStore(location) if dsn else SQLiteStore(Path(location))
        return _stores[location]
