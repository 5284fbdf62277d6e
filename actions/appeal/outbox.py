"""Durable outbox of appeals: nothing the user confirmed is lost, nothing is filed twice.

An appeal is written here (SQLite, fsync'd by SQLite's commit) *before* it is
sent; the backend's Idempotency-Key makes every retry return the same ticket.
``python -m actions.appeal.outbox`` delivers pending appeals in a loop (it is a
Procfile process); actions also flush opportunistically. The file lives at
OUTBOX_PATH (default .data/outbox.db): give each action-server replica its own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from actions.clients.backend import BackendClient, BackendError, BackendUnavailable, get_client

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    idempotency_key TEXT PRIMARY KEY,
    sender_id       TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      REAL NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    ticket_number   TEXT,
    ticket          TEXT,
    delivered_at    REAL,
    rejected        TEXT
)
"""


@dataclass
class Entry:
    idempotency_key: str
    sender_id: str
    payload: Dict[str, Any]
    ticket_number: Optional[str]
    ticket: Optional[Dict[str, Any]]
    rejected: Optional[str]
    created_at: float


def outbox_path() -> Path:
    return Path(os.environ.get("OUTBOX_PATH") or ROOT / ".data" / "outbox.db")


class Outbox:
    def __init__(self, path: Optional[Path] = None) -> None:
        self.path = path or outbox_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return db

    def add(self, key: str, sender_id: str, payload: Dict[str, Any]) -> None:
        """Record the appeal; a second add with the same key keeps the first."""
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT OR IGNORE INTO outbox (idempotency_key, sender_id, payload, created_at) VALUES (?, ?, ?, ?)",
                (key, sender_id, json.dumps(payload, ensure_ascii=False), time.time()),
            )

    def _row(self, row: Any) -> Entry:
        return Entry(
            idempotency_key=row[0],
            sender_id=row[1],
            payload=json.loads(row[2]),
            ticket_number=row[3],
            ticket=json.loads(row[4]) if row[4] else None,
            rejected=row[5],
            created_at=row[6],
        )

    _COLUMNS = "idempotency_key, sender_id, payload, ticket_number, ticket, rejected, created_at"

    def get(self, key: str) -> Optional[Entry]:
        with closing(self._connect()) as db:
            row = db.execute(f"SELECT {self._COLUMNS} FROM outbox WHERE idempotency_key = ?", (key,)).fetchone()  # noqa: S608
        return self._row(row) if row else None

    def pending(self) -> List[Entry]:
        with closing(self._connect()) as db:
            rows = db.execute(
                f"SELECT {self._COLUMNS} FROM outbox WHERE ticket_number IS NULL AND rejected IS NULL "  # noqa: S608
                "ORDER BY created_at"
            ).fetchall()
        return [self._row(r) for r in rows]

    def for_sender(self, sender_id: str) -> List[Entry]:
        with closing(self._connect()) as db:
            rows = db.execute(
                f"SELECT {self._COLUMNS} FROM outbox WHERE sender_id = ? ORDER BY created_at DESC",  # noqa: S608
                (sender_id,),
            ).fetchall()
        return [self._row(r) for r in rows]

    def mark_delivered(self, key: str, ticket: Dict[str, Any]) -> None:
        with closing(self._connect()) as db, db:
            db.execute(
                "UPDATE outbox SET ticket_number = ?, ticket = ?, delivered_at = ?, attempts = attempts + 1 "
                "WHERE idempotency_key = ?",
                (ticket["number"], json.dumps(ticket, ensure_ascii=False, default=str), time.time(), key),
            )

    def mark_failed(self, key: str, error: str) -> None:
        with closing(self._connect()) as db, db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE idempotency_key = ?", (error, key)
            )

    def mark_rejected(self, key: str, reason: str) -> None:
        """The backend refused the appeal itself (4xx): retrying cannot help; staff must look."""
        with closing(self._connect()) as db, db:
            db.execute("UPDATE outbox SET rejected = ? WHERE idempotency_key = ?", (reason, key))


async def deliver(outbox: Outbox, entry: Entry, client: Optional[BackendClient] = None) -> Optional[Dict[str, Any]]:
    """Send one appeal; the ticket on success, None if it must wait. Raises nothing."""
    client = client or get_client()
    try:
        ticket = await client.create_ticket(entry.payload, entry.idempotency_key)
    except BackendUnavailable as error:
        outbox.mark_failed(entry.idempotency_key, str(error))
        return None
    except BackendError as error:
        log.error("appeal %s rejected by the backend: %s", entry.idempotency_key, error.status)
        outbox.mark_rejected(entry.idempotency_key, f"HTTP {error.status}")
        return None
    outbox.mark_delivered(entry.idempotency_key, ticket)
    return ticket


async def flush(outbox: Outbox, client: Optional[BackendClient] = None) -> int:
    """Deliver every pending appeal, oldest first; the number delivered."""
    delivered = 0
    for entry in outbox.pending():
        if await deliver(outbox, entry, client) is None:
            break  # the backend is still away: try again on the next round
        delivered += 1
    return delivered


async def watch(interval: float) -> None:
    outbox = Outbox()
    client = BackendClient()
    log.info("outbox: delivering pending appeals from %s every %ss", outbox.path, interval)
    try:
        while True:
            count = await flush(outbox, client)
            if count:
                log.info("outbox: delivered %d appeal(s)", count)
            await asyncio.sleep(interval)
    finally:
        await client.close()


def main(argv: List[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    interval = float(os.environ.get("OUTBOX_INTERVAL_SECONDS", "15"))
    if argv == ["--once"]:
        outbox = Outbox()
        count = asyncio.run(flush(outbox))
        print(f"delivered {count}, pending {len(outbox.pending())}")
        return 0
    asyncio.run(watch(interval))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
