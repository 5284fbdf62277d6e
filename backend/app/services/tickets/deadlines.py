"""Time limits and timestamps.

Time limits in working days (``app.services.workdays``), counted from the day after
receipt: simple 1 (即办), general per category (5-15, ``knowledge/appeal_categories.yml``),
complex 30. Dates are China dates (UTC+8); timestamps are stored in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.knowledge.appeals import AppealCategory
from app.models.tickets import Ticket
from app.services.tickets.states import OPEN_STATES
from app.services.workdays import working_days_between

SIMPLE_WORKING_DAYS = 1
COMPLEX_WORKING_DAYS = 30
MAX_EXTENSION_WORKING_DAYS = 30


def as_utc(moment: datetime) -> datetime:
    """Stored timestamps come back naive from SQLite: they are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def working_days_for(category: AppealCategory, complexity: str) -> int:
    if complexity == "simple":
        return SIMPLE_WORKING_DAYS
    if complexity == "complex":
        return COMPLEX_WORKING_DAYS
    return category.general_working_days


def is_overdue(ticket: Ticket, today: date) -> bool:
    return ticket.state in OPEN_STATES and ticket.deadline < today


def working_days_left(ticket: Ticket, today: date) -> int | None:
    """Working days from today to the deadline (0: due today or overdue); None once answered."""
    if ticket.state not in OPEN_STATES:
        return None
    return working_days_between(today, ticket.deadline)[0]
