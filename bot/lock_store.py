"""Rasa's Redis lock store, with every change of a lock made in one Redis transaction.

Rasa 3.6's ``RedisLockStore`` keeps a conversation's ticket lock as one JSON value and changes
it by reading it, changing it in Python and writing it back (``issue_ticket``, ``update_lock``,
``finish_serving``; ``cleanup`` reads it a second time and deletes it). Two Rasa replicas that
receive messages of the same conversation at the same moment both read the same lock: both get
the same ticket number, or one overwrites the other's ticket, or one's ``cleanup`` deletes the
ticket the other has just been issued. Both then handle the conversation at once and the SQL
tracker store, which appends only the events past the number already stored, drops the first
events (the user message) of whichever saves second: a turn answered but not stored.

Here each change is an optimistic transaction (``WATCH`` the key, read, ``MULTI``/``EXEC`` the
write, start again if another client changed the key in between), so tickets are handed out
one after the other whichever replica asks. Same constructor arguments, key prefix and JSON as
Rasa's store (``endpoints.production.yml``: ``type: bot.lock_store.AtomicRedisLockStore``).

Where it differs, it is about tickets that ended: a lock whose last ticket is finished or has
expired is deleted at once; the key expires in Redis a second after its longest-lived ticket
(which lives ``TICKET_LOCK_LIFETIME`` seconds, Rasa's ``LOCK_LIFETIME``, 60 by default), so a
replica that dies while holding a lock leaves no key behind; and a new ticket is numbered after
expired tickets too, so a holder that overran its ticket cannot give back the next one's.
"""

from __future__ import annotations

import json
import logging
import math
import time
from typing import Any, Callable, Optional, TypeVar

from rasa.core.lock import NO_TICKET_ISSUED, Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

log = logging.getLogger(__name__)
T = TypeVar("T")

EXPIRY_MARGIN_MS = 1000
"""The key outlives its longest-lived ticket by this much: clocks of replicas and Redis round trips."""


def expiry_ms(lock: TicketLock) -> int:
    """Milliseconds the stored lock must live: until its last ticket expires, and a margin."""
    last = max(ticket.expires for ticket in lock.tickets)
    return max(0, math.ceil((last - time.time()) * 1000)) + EXPIRY_MARGIN_MS


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose lock changes are atomic across processes and replicas."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        """The arguments of ``RedisLockStore`` (``host``, ``port``, ``db``, ``password``, ``key_prefix``, …).

        Rasa creates a lock store given by module path with ``endpoint_config=`` only; its ``url``
        is the host, as for ``type: redis``, and the rest of the endpoint's keys are the arguments.
        """
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _change(self, conversation_id: str, change: Callable[[TicketLock], T], create: bool = False) -> Optional[T]:
        """Apply ``change`` to the stored lock in one transaction and store the result.

        ``None`` without calling ``change`` when there is no lock and ``create`` is false. A lock
        left without tickets is deleted; otherwise it is written with its expiry, unless nothing
        changed (a waiter's ``update_lock`` every second would otherwise make concurrent issuers
        start again). Retried from the read whenever another client changed the key before the write.
        """
        key = self.key_prefix + conversation_id

        def attempt(pipe: Any) -> Optional[T]:
            raw = pipe.get(key)  # WATCHed: executed at once
            if not raw and not create:
                return None
            lock = TicketLock.from_dict(json.loads(raw)) if raw else self.create_lock(conversation_id)
            before = lock.dumps() if raw else None
            result = change(lock)
            lock.remove_expired_tickets()
            if lock.dumps() == before:
                return result  # EXEC of an empty transaction: still fails, and retries, if the key changed
            pipe.multi()
            if lock.tickets:
                pipe.set(key, lock.dumps(), px=expiry_ms(lock))
            else:
                pipe.delete(key)
            return result

        result: Optional[T] = self.red.transaction(attempt, key, value_from_callable=True)
        return result

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket, numbered after every ticket of the lock; the lock is created if there is none."""
        log.debug("Issuing ticket for conversation '%s'.", conversation_id)

        def issue(lock: TicketLock) -> int:
            # Numbered after expired tickets too (TicketLock.issue_ticket drops them first): a holder
            # whose ticket expired mid-turn must not finish the ticket of the next one.
            last = max((ticket.number for ticket in lock.tickets), default=NO_TICKET_ISSUED)
            lock.remove_expired_tickets()
            lock.tickets.append(Ticket(last + 1, time.time() + lock_lifetime))
            return last + 1

        try:
            number = self._change(conversation_id, issue, create=True)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        assert number is not None  # created when missing
        return number

    def update_lock(self, conversation_id: str) -> None:
        """Remove the expired tickets (the lock is deleted when none is left)."""
        self._change(conversation_id, lambda lock: None)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket ``ticket_number``; the lock is deleted when no ticket is left."""
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Finish the ticket and delete the lock if no one else holds a ticket, in one transaction."""
        self.finish_serving(conversation_id, ticket_number)

    def save_lock(self, lock: TicketLock) -> None:
        """Write ``lock`` as it is (not used by the methods above), with its expiry."""
        if lock.tickets:
            self.red.set(self.key_prefix + lock.conversation_id, lock.dumps(), px=expiry_ms(lock))
        else:
            self.delete_lock(lock.conversation_id)
