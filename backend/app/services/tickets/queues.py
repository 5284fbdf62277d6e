"""The lists agents and departments work from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.models.tickets import Ticket
from app.repositories import tickets as repo
from app.services.identifiers import mask_text
from app.services.tickets.access import Principal
from app.services.tickets.errors import TicketForbidden, TicketInvalid
from app.services.tickets.states import STATE_LABELS
from app.services.workdays import add_working_days


@dataclass(frozen=True)
class QueueFilter:
    department_id: str | None = None
    states: Sequence[str] = ()
    category_id: str | None = None
    overdue: bool = False
    due_within_days: int | None = None


def list_tickets(
    session: Session, principal: Principal, query: QueueFilter, today: date, limit: int, offset: int
) -> tuple[int, list[Ticket]]:
    """Agents see every ticket; a department only its own (from 已转办 on)."""
    department = query.department_id
    if principal.role == "department":
        if department is not None and department != principal.department_id:
            raise TicketForbidden("承办部门只能查看本部门的工单")
        department = principal.department_id
    unknown = [s for s in query.states if s not in STATE_LABELS]
    if unknown:
        raise TicketInvalid(f"没有“{unknown[0][:32]}”这个状态，可选：{'、'.join(STATE_LABELS)}")
    due_by = None
    if query.due_within_days is not None:
        due_by = (today, add_working_days(today, query.due_within_days).day)
    statement = repo.queue(
        department_id=department,
        states=list(query.states),
        category_id=query.category_id,
        overdue_on=today if query.overdue else None,
        due_by=due_by,
        hide_received=principal.role == "department",
    )
    return repo.page(session, statement, limit, offset)


def masked_description(ticket: Ticket) -> str:
    return mask_text(ticket.description)
