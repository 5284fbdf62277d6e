"""好差评: one row per rating a user gave at the end of a flow (国办发〔2019〕51号, five levels)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        Index("ix_ratings_conversation_id_created_at", "conversation_id", "created_at"),
        Index("ix_ratings_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    conversation_id: Mapped[str] = mapped_column(String(128))
    """The Rasa sender id of the conversation rated (web: ``web-<hex>``)."""
    channel: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)
    """5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意."""
    comment: Mapped[str | None] = mapped_column(Text)
    ticket_number: Mapped[str | None] = mapped_column(String(20), index=True)
    context: Mapped[str] = mapped_column(String(16))
    """What was rated: checklist (一次性告知), ticket (诉求受理), policy, conversation."""
