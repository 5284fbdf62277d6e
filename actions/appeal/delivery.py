"""Delivering confirmed appeals to the ticket API: nothing lost, nothing filed twice, the user told the truth.

An appeal is written to the outbox (``actions.appeal.store``) *before* it is sent; the
row is deleted from nowhere and its personal data blanked only once the backend holds
the appeal — as a ticket, or as a dead letter staff can see. Every retry carries the same
``Idempotency-Key``, so the backend returns the same ticket however often it is sent.

What happens to a delivery:

- 2xx: filed; the user is told the ticket number.
- Connection error, timeout, 5xx, 401/403 (a rotated token), 408, 409, 429 and any other
  answer: retried with backoff (tenacity within one round, ``next_attempt_at`` between
  rounds); the user is told it is saved and will be submitted, with its 查询码.
- 400/422 (the request itself is refused): handed to the backend's dead-letter queue
  (``POST /api/dead-letters``) with the problems in Chinese; the user is told that staff
  will check it, with its 查询码. If the hand-over fails, the row waits and is retried.

The 查询码 (``CX`` + 8 characters, derived from the key) is stored with the ticket, so the
user can look the appeal up with it and the last four digits of the mobile, anywhere.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Dict, List, Optional

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, stop_any, wait_exponential
from tenacity.stop import stop_base

from actions.appeal.store import Row, Store, open_store, utcnow
from actions.clients.backend import BackendClient, BackendError, BackendUnavailable
from actions.common import budget

log = logging.getLogger(__name__)

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
"""No 0/O, 1/I: read over the phone without mistakes (the backend's pattern is ``CX[2-9A-HJ-NP-Z]{8}``)."""
DEAD_LETTER_STATUSES = frozenset({400, 422})
WORKER_TRIES = 3
ACTION_TRIES = 1
"""In the conversation one try: the 4-second client must leave the user an answer within WeChat's 5 s."""
RETRY_NEEDS_SECONDS = 1.0
"""Backoff plus one more call: with less left of a turn's budget, no retry is started in the turn."""


class Outcome(enum.Enum):
    filed = "filed"
    queued = "queued"
    dead_letter = "dead_letter"


@dataclass
class Result:
    outcome: Outcome
    reference: str
    ticket: Optional[Dict[str, Any]] = None
    problems: List[str] = field(default_factory=list)


async def _store(store: Optional[Store]) -> Store:
    return store if store is not None else await asyncio.to_thread(open_store)


def reference_for(key: str) -> str:
    """The 查询码 of the appeal with this idempotency key (stable: every replica derives the same)."""
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:5], "big")
    chars = []
    for _ in range(8):
        digest, index = divmod(digest, 32)
        chars.append(REFERENCE_ALPHABET[index])
    return "CX" + "".join(chars)


def ticket_summary(ticket: Dict[str, Any]) -> Dict[str, Any]:
    """What the user is told about a ticket; no personal data is kept in the outbox."""
    return {
        "number": ticket["number"],
        "category": ticket["category"]["name"],
        "department": ticket["department"]["name"],
        "deadline": str(ticket["deadline"]),
        "working_days": ticket.get("time_limit_working_days", ""),
    }


def _max_backoff() -> float:
    return float(os.environ.get("OUTBOX_MAX_BACKOFF_SECONDS", "300"))


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … after each failed round, at most OUTBOX_MAX_BACKOFF_SECONDS."""
    return timedelta(seconds=min(_max_backoff(), 5.0 * 2 ** max(0, attempts - 1)))


def _retryable(error: BaseException) -> bool:
    if isinstance(error, BackendUnavailable):
        return True
    return isinstance(error, BackendError) and error.status not in DEAD_LETTER_STATUSES


def _describe(error: Exception) -> str:
    if isinstance(error, BackendError):
        return f"HTTP {error.status}"
    return str(error)[:200]


def _problems(error: BackendError) -> List[str]:
    body = error.body if isinstance(error.body, dict) else {}
    problems = body.get("problems") or []
    return [str(p) for p in problems] or [str(error.detail or f"HTTP {error.status}")]


async def _hand_over(store: Store, client: BackendClient, row: Row, error: BackendError) -> Result:
    try:
        letter = await client.hand_over_dead_letter(
            row.idempotency_key, row.reference, row.payload, error.status, error.body
        )
    except (BackendUnavailable, BackendError) as failure:
        # The backend does not hold it yet: the row keeps its data and is tried again.
        await asyncio.to_thread(store.failed, row.idempotency_key, _describe(failure), utcnow() + backoff(1))
        log.warning(
            "appeal %s refused (HTTP %s); dead-letter hand-over failed, will retry", row.reference, error.status
        )
        return Result(Outcome.queued, row.reference)
    problems = [str(p) for p in letter.get("problems") or []] or _problems(error)
    await asyncio.to_thread(store.dead_lettered, row.idempotency_key, problems)
    log.warning("appeal %s refused (HTTP %s), handed to the dead-letter queue", row.reference, error.status)
    return Result(Outcome.dead_letter, row.reference, problems=problems)


class _BudgetSpent(stop_base):
    """In a user's turn, no retry that cannot finish within its budget: the row waits for the worker."""

    def __call__(self, retry_state: RetryCallState) -> bool:
        return budget.spent(at_least=RETRY_NEEDS_SECONDS)


async def deliver(store: Store, client: BackendClient, row: Row, tries: int = WORKER_TRIES) -> Result:
    """One claimed row to the ticket API; raises nothing."""
    try:
        async for attempt in AsyncRetrying(
            stop=stop_any(stop_after_attempt(tries), _BudgetSpent()),
            wait=wait_exponential(multiplier=0.5, max=4),
            retry=retry_if_exception(_retryable),
            reraise=True,
        ):
            with attempt:
                ticket = await client.create_ticket(row.payload, row.idempotency_key)
    except BackendError as error:
        if error.status in DEAD_LETTER_STATUSES:
            return await _hand_over(store, client, row, error)
        return await _wait(store, row, error)
    except BackendUnavailable as error:
        return await _wait(store, row, error)
    summary = ticket_summary(ticket)
    await asyncio.to_thread(store.delivered, row.idempotency_key, summary)
    log.info("appeal %s filed as %s", row.reference, summary["number"])
    return Result(Outcome.filed, row.reference, ticket=summary)


async def _wait(store: Store, row: Row, error: Exception) -> Result:
    retry_at = utcnow() + backoff(row.attempts + 1)
    await asyncio.to_thread(store.failed, row.idempotency_key, _describe(error), retry_at)
    log.info("appeal %s waits for the backend (%s), next try %s", row.reference, _describe(error), retry_at)
    return Result(Outcome.queued, row.reference)


def _known(row: Row) -> Optional[Result]:
    if row.state == "delivered" and row.ticket:
        return Result(Outcome.filed, row.reference, ticket=row.ticket)
    if row.state == "dead_letter":
        return Result(Outcome.dead_letter, row.reference, problems=_stored_problems(row))
    return None


def _stored_problems(row: Row) -> List[str]:
    try:
        value = json.loads(row.last_error or "[]")
    except ValueError:
        return []
    return [str(p) for p in value] if isinstance(value, list) else []


async def submit(
    client: BackendClient, key: str, sender_id: str, payload: Dict[str, Any], store: Optional[Store] = None
) -> Result:
    """Queue the confirmed appeal, then try once to deliver it; what the user may truthfully be told."""
    store = await _store(store)
    reference = reference_for(key)
    await asyncio.to_thread(store.add, key, reference, sender_id, {**payload, "reference": reference})
    row = await asyncio.to_thread(store.get, key)
    if row is None:  # pragma: no cover - the row was just written
        raise RuntimeError("outbox lost a row it had just written")
    known = _known(row)
    if known is not None:
        return known  # the same confirmation again: the same answer
    claimed = await asyncio.to_thread(store.claim, 1, key)
    if not claimed:
        return Result(Outcome.queued, reference)  # a worker holds it now, or it waits for its next try
    return await deliver(store, client, claimed[0], tries=ACTION_TRIES)


async def flush(client: BackendClient, store: Optional[Store] = None, batch: int = 10) -> int:
    """Deliver every due row, oldest first; the number filed."""
    store = await _store(store)
    filed = 0
    while True:
        rows = await asyncio.to_thread(store.claim, batch)
        if not rows:
            return filed
        for row in rows:
            if (await deliver(store, client, row)).outcome is Outcome.filed:
                filed += 1


async def find(sender_id: str, store: Optional[Store] = None) -> List[Row]:
    store = await _store(store)
    return await asyncio.to_thread(store.for_sender, sender_id)


async def by_reference(reference: str, store: Optional[Store] = None) -> Optional[Row]:
    store = await _store(store)
    return await asyncio.to_thread(store.by_reference, reference)
