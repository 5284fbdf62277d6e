"""Delivery of appeals from the chat to tickets: the shared outbox and the dead-letter queue.

``appeal_outbox`` is written by the action server (raw SQL in ``actions/appeal/store.py``)
when the backend's database is PostgreSQL: every action-server replica sees every queued
appeal, and ``SELECT … FOR UPDATE SKIP LOCKED`` lets two outbox workers run side by side
without delivering one row twice. The schema is the backend's, so Alembic owns it.

``dead_letters`` holds appeals the ticket API refused as invalid (400/422): staff list them,
read the problems in Chinese, correct and resubmit them (``/api/dead-letters``).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class OutboxState(enum.StrEnum):
    pending = "pending"
    delivered = "delivered"
    dead_letter = "dead_letter"


class DeadLetterState(enum.StrEnum):
    open = "open"
    resubmitted = "resubmitted"


def _values(kind: type[enum.StrEnum]) -> list[str]:
    return [member.value for member in kind]


class OutboxEntry(Base):
    __tablename__ = "appeal_outbox"
    __table_args__ = (
        Index("ix_appeal_outbox_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_appeal_outbox_sender_id", "sender_id"),
    )

    idempotency_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    """查询码 (CX + 8 characters) the user is given while the appeal waits."""
    sender_id: Mapped[str] = mapped_column(String(128))
    payload: Mapped[str] = mapped_column(Text)
    """The ticket request as JSON; blanked ('{}') once the backend holds the appeal."""
    state: Mapped[str] = mapped_column(
        Enum(OutboxState, name="outbox_state", values_callable=_values, create_constraint=True, length=16)
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ticket_number: Mapped[str | None] = mapped_column(String(20))
    ticket: Mapped[str | None] = mapped_column(Text)
    """What the user is told about the ticket (number, category, department, deadline): no personal data."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DeadLetter(Base):
    __tablename__ = "dead_letters"
    __table_args__ = (
        UniqueConstraint("created_by", "idempotency_key", name="uq_dead_letters_created_by_idempotency_key"),
        Index("ix_dead_letters_state_created_at", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_by: Mapped[str] = mapped_column(String(128))
    """The principal whose delivery was refused ("service"): the ticket is filed in its name."""
    idempotency_key: Mapped[str] = mapped_column(String(128))
    reference: Mapped[str | None] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The request as delivered, corrections applied on resubmission."""
    status_code: Mapped[int] = mapped_column(Integer)
    problems: Mapped[list[str]] = mapped_column(JSON)
    """Why it was refused, in Chinese, one line per problem."""
    state: Mapped[str] = mapped_column(
        Enum(DeadLetterState, name="dead_letter_state", values_callable=_values, create_constraint=True, length=16)
    )
    ticket_number: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resubmitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resubmitted_by: Mapped[str | None] = mapped_column(String(128))
