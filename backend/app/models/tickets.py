"""Tickets (企业诉求工单), their audit trail and the daily number counter.

Department ids are stored as plain strings, not foreign keys: the department table
is republished from ``knowledge/`` and a ticket must outlive a renamed department.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base


class TicketState(enum.StrEnum):
    """The closed loop 受理→转办→办理→反馈→回访→销号 (labels in ``app.services.tickets.states.STATE_LABELS``)."""

    received = "received"
    assigned = "assigned"
    in_progress = "in_progress"
    extended = "extended"
    answered = "answered"
    visited = "visited"
    closed = "closed"


TICKET_STATE = Enum(
    TicketState,
    name="ticket_state",
    values_callable=lambda kind: [member.value for member in kind],
    create_constraint=True,
    validate_strings=True,
    length=16,
)
"""A native enum on PostgreSQL, a CHECK constraint on SQLite: no other state can be stored."""


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("created_by", "idempotency_key", name="uq_tickets_created_by_idempotency_key"),
        Index("ix_tickets_department_state_deadline", "department_id", "state", "deadline"),
        Index("ix_tickets_state_deadline", "state", "deadline"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    """QY + yyyymmdd + daily sequence (4 digits; a 10 000th ticket on one day gets 5)."""
    reference: Mapped[str | None] = mapped_column(String(16), unique=True)
    """查询码 the chat gave the user while the appeal was queued (CX + 8); looks the ticket up too."""
    channel: Mapped[str] = mapped_column(String(16))
    sender_id: Mapped[str | None] = mapped_column(String(128))
    enterprise_name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    contact_name: Mapped[str] = mapped_column(String(64))
    mobile: Mapped[str] = mapped_column(String(11))
    category_id: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    complexity: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(TICKET_STATE)
    received_on: Mapped[date] = mapped_column(Date)
    """The day the ticket was received (China time): time limits count from the day after."""
    deadline: Mapped[date] = mapped_column(Date)
    calendar_fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    """The deadline was counted Monday-Friday for a year the holiday calendar does not cover."""
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    """The latest 回访 result."""
    created_by: Mapped[str] = mapped_column(String(128))
    """The principal that filed it ("service", "agent:<name>"): scope of the idempotency key."""
    idempotency_key: Mapped[str] = mapped_column(String(128))
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )


class TicketEvent(Base):
    """One row per transition (and the creation): who, in which role, when, from, to, why."""

    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    department_id: Mapped[str | None] = mapped_column(String(64))
    """The department in charge after this event."""
    deadline: Mapped[date | None] = mapped_column(Date)
    """The deadline after this event."""

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class TicketCounter(Base):
    """The last sequence number used per day; incremented with an atomic UPSERT."""

    __tablename__ = "ticket_counters"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
