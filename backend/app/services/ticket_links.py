"""Duplicate 诉求 (004 #22: 避免诉求重复提交): similar recent tickets, and linking a new call to one.

A ticket is a likely duplicate when it was received in the last 30 days from the same
enterprise, mobile number or 信用代码 and its description is similar (rapidfuzz token
set ratio on the normalised text) or of the same category. Linking adds a ``link``
event to the existing ticket's audited history (the state does not change), carrying
the new caller and what they said, instead of filing a second ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from rapidfuzz import fuzz
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models.tickets import Ticket, TicketEvent
from app.services.identifiers import mask_mobile
from app.services.text import normalize
from app.services.tickets.access import Principal, visible_ticket
from app.services.tickets.errors import TicketConflict, TicketInvalid

WINDOW_DAYS = 30
SIMILARITY_FLOOR = 55.0
MAX_RESULTS = 5


@dataclass(frozen=True)
class Similar:
    ticket: Ticket
    similarity: float
    reasons: tuple[str, ...]
    """同一企业 / 同一手机号 / 同一信用代码."""


def find_similar(
    session: Session,
    *,
    enterprise_name: str | None,
    mobile: str | None,
    credit_code: str | None,
    category_id: str | None,
    description: str,
    today: date,
) -> list[Similar]:
    conditions = []
    if enterprise_name and enterprise_name.strip():
        conditions.append(Ticket.enterprise_name == enterprise_name.strip())
    if mobile:
        conditions.append(Ticket.mobile == mobile)
    if credit_code:
        conditions.append(Ticket.credit_code == credit_code)
    if not conditions:
        return []
    since = today - timedelta(days=WINDOW_DAYS)
    statement = select(Ticket).where(or_(*conditions), Ticket.received_on >= since).order_by(Ticket.id.desc())
    text = normalize(description)
    found = []
    for ticket in session.execute(statement.limit(50)).scalars():
        similarity = float(fuzz.token_set_ratio(text, normalize(ticket.description))) if text else 0.0
        if similarity < SIMILARITY_FLOOR and ticket.category_id != category_id:
            continue
        reasons = []
        if enterprise_name and ticket.enterprise_name == enterprise_name.strip():
            reasons.append("同一企业")
        if mobile and ticket.mobile == mobile:
            reasons.append("同一手机号")
        if credit_code and ticket.credit_code == credit_code:
            reasons.append("同一信用代码")
        found.append(Similar(ticket, round(similarity, 1), tuple(reasons)))
    found.sort(key=lambda s: -s.similarity)
    return found[:MAX_RESULTS]


def link_contact(
    session: Session,
    principal: Principal,
    number: str,
    *,
    contact_name: str,
    mobile: str | None,
    note: str,
    now: datetime,
) -> Ticket:
    """Record a repeated call on an existing ticket (audited; no new ticket, no state change)."""
    if principal.role != "agent":
        raise TicketConflict("只有热线坐席可以把来电关联到已有工单")
    note = note.strip()
    if not note:
        raise TicketInvalid("关联来电须填写来电内容")
    ticket = visible_ticket(session, principal, number, for_update=True)
    if ticket.state == "closed":
        raise TicketConflict(f"工单 {ticket.number} 已销号，不能再关联；请新建工单")
    who = contact_name.strip() or "来电人"
    phone = f"（{mask_mobile(mobile)}）" if mobile else ""
    ticket.events.append(
        TicketEvent(
            action="link",
            from_state=ticket.state,
            to_state=ticket.state,
            actor=principal.name,
            role=principal.role,
            at=now,
            note=f"{who}{phone}再次来电：{note[:2000]}",
            department_id=ticket.department_id,
            deadline=ticket.deadline,
        )
    )
    ticket.updated_at = now
    session.commit()
    return ticket
