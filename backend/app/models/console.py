"""Console state: signed-in sessions and the lines typed in the assist view.

A session row is looked up by the SHA-256 of the cookie value, so a database dump
does not hold usable cookies. Assist lines are stored with personal data masked:
they feed the report of questions the assistant could not answer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ConsoleSession(Base):
    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 (hex) of the cookie value."""
    principal: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[str | None] = mapped_column(String(64))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class AssistLine(Base):
    """One caller line typed in the assist view, with what the NLU made of it."""

    __tablename__ = "assist_lines"
    __table_args__ = (Index("ix_assist_lines_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    agent: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    """Masked (手机号, 身份证号, 信用代码 replaced)."""
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
