"""好差评: store a rating, after checking it belongs to the conversation (and ticket) it names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.ratings import Rating
from app.models.tickets import Ticket

WINDOW = timedelta(minutes=10)
MAX_PER_CONVERSATION = 5
"""Ratings one conversation may give within WINDOW: a flow ends a few times at most in ten minutes."""


class RatingRejected(Exception):
    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


@dataclass(frozen=True)
class NewRating:
    conversation_id: str
    channel: str
    score: int
    comment: str | None
    ticket_number: str | None
    context: str


def record(session: Session, rating: NewRating, now: datetime) -> Rating:
    recent = session.scalar(
        select(func.count())
        .select_from(Rating)
        .where(Rating.conversation_id == rating.conversation_id, Rating.created_at >= now - WINDOW)
    )
    if (recent or 0) >= MAX_PER_CONVERSATION:
        raise RatingRejected(429, "评价提交过于频繁，请稍后再试")
    if rating.context == "ticket" and not rating.ticket_number:
        raise RatingRejected(422, "评价诉求受理时请提供工单号（ticket_number）")
    if rating.ticket_number:
        owner = session.scalar(select(Ticket.sender_id).where(Ticket.number == rating.ticket_number))
        if owner is None or owner != rating.conversation_id:
            # One answer for "no such ticket" and "someone else's ticket": numbers are not probed this way.
            raise RatingRejected(422, "工单号与本次对话不符，请核对后再评价")
    row = Rating(
        created_at=now,
        conversation_id=rating.conversation_id,
        channel=rating.channel,
        score=rating.score,
        comment=(rating.comment or "").strip() or None,
        ticket_number=rating.ticket_number,
        context=rating.context,
    )
    session.add(row)
    session.commit()
    return row
