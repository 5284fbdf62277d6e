"""Database access for tickets: numbering, look-ups, department queues, lookup failures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models.tickets import Ticket, TicketCounter, TicketEvent

OPEN_STATES = ("received", "assigned", "in_progress", "extended")
"""States in which the time limit runs: not yet answered (已反馈) or closed."""


def next_sequence(session: Session, day: date) -> int:
    """The next number of ``day``, atomically, in the caller's transaction.

    One ``INSERT … ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last``:
    concurrent transactions serialise on the counter row (PostgreSQL row lock, SQLite
    database write lock) and each gets its own number; a transaction that rolls back
    gives its number back, so the numbers of a day stay consecutive.
    """
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(TicketCounter)
            .values(day=day, last=1)
            .on_conflict_do_update(index_elements=[TicketCounter.day], set_={"last": TicketCounter.last + 1})
            .returning(TicketCounter.last)
        )
        return int(session.execute(statement).scalar_one())
    # Any other database: lock the row (SELECT … FOR UPDATE), then update or insert it.
    counter = session.execute(select(TicketCounter).where(TicketCounter.day == day).with_for_update()).scalar()
    if counter is None:
        session.add(TicketCounter(day=day, last=1))
        session.flush()
        return 1
    counter.last += 1
    session.flush()
    return counter.last


def by_number(session: Session, number: str) -> Ticket | None:
    return session.execute(select(Ticket).where(Ticket.number == number)).scalar_one_or_none()


def by_number_for_update(session: Session, number: str) -> Ticket | None:
    """The ticket with its row locked until the transaction ends (transitions do not interleave)."""
    statement = select(Ticket).where(Ticket.number == number).with_for_update()
    return session.execute(statement).scalar_one_or_none()


def by_reference(session: Session, reference: str) -> Ticket | None:
    return session.execute(select(Ticket).where(Ticket.reference == reference)).scalar_one_or_none()


def by_idempotency_key(session: Session, created_by: str, key: str) -> Ticket | None:
    statement = select(Ticket).where(Ticket.created_by == created_by, Ticket.idempotency_key == key)
    return session.execute(statement).scalar_one_or_none()


def events(session: Session, ticket_id: int) -> Sequence[TicketEvent]:
    statement = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    return session.execute(statement).scalars().all()


def queue(
    *,
    department_id: str | None = None,
    states: Sequence[str] | None = None,
    category_id: str | None = None,
    overdue_on: date | None = None,
    due_by: tuple[date, date] | None = None,
    hide_received: bool = False,
) -> Select[Ticket]:
    """Tickets matching every given filter.

    ``overdue_on``: open tickets whose deadline is before that day. ``due_by`` (today,
    last day): open tickets whose deadline falls in that range (not yet overdue).
    """
    statement = select(Ticket)
    if department_id is not None:
        statement = statement.where(Ticket.department_id == department_id)
    if hide_received:
        statement = statement.where(Ticket.state != "received")
    if states:
        statement = statement.where(Ticket.state.in_(states))
    if category_id is not None:
        statement = statement.where(Ticket.category_id == category_id)
    if overdue_on is not None:
        statement = statement.where(Ticket.state.in_(OPEN_STATES), Ticket.deadline < overdue_on)
    if due_by is not None:
        start, end = due_by
        statement = statement.where(Ticket.state.in_(OPEN_STATES), Ticket.deadline >= start, Ticket.deadline <= end)
    return statement


def page(session: Session, statement: Select[Ticket], limit: int, offset: int) -> tuple[int, list[Ticket]]:
    total = session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    ordered = statement.order_by(Ticket.deadline, Ticket.id).limit(limit).offset(offset)
    return int(total), list(session.execute(ordered).scalars().all())
