"""Filing a ticket: numbered per China day, idempotent per caller and Idempotency-Key."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.clock import china_date
from app.knowledge.appeals import AppealCategory, AppealKnowledge, Complexity
from app.models.tickets import Ticket, TicketEvent
from app.repositories import tickets as repo
from app.services.classifier import classify
from app.services.identifiers import mask_credit_code, mask_mobile, masked_logger
from app.services.tickets.access import NUMBER_PREFIX, Principal
from app.services.tickets.deadlines import working_days_for
from app.services.tickets.errors import TicketConflict, TicketInvalid
from app.services.tickets.states import CHANNEL_LABELS
from app.services.workdays import add_working_days

log = masked_logger("backend.tickets")


@dataclass(frozen=True)
class NewTicket:
    """A validated create request (see ``app.schemas.tickets.TicketCreate``)."""

    channel: str
    sender_id: str | None
    enterprise_name: str
    credit_code: str | None
    contact_name: str
    mobile: str
    category: str | None
    description: str
    complexity: Complexity | None
    reference: str | None = None

    def fingerprint(self) -> str:
        canonical = json.dumps(self.__dict__, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def format_number(day: date, sequence: int) -> str:
    return f"{NUMBER_PREFIX}{day:%Y%m%d}{sequence:04d}"


def _resolve_category(knowledge: AppealKnowledge, request: NewTicket) -> AppealCategory:
    if request.category is None:
        return classify(knowledge, request.description).category
    category = knowledge.find(request.category)
    if category is None:
        names = "、".join(c.name for c in knowledge.categories)
        raise TicketInvalid(f"没有“{request.category[:32]}”这个诉求分类，可选：{names}")
    return category


def create_ticket(
    session: Session,
    knowledge: AppealKnowledge,
    request: NewTicket,
    principal: Principal,
    idempotency_key: str,
    now: datetime,
) -> tuple[Ticket, bool]:
    """File a ticket; (ticket, True) if created, (the earlier ticket, False) on a repeated key.

    The key is scoped to the caller. The same key with a different request is refused
    (409). Two concurrent requests with one key: the unique constraint lets one insert
    win, the other rolls back (its sequence number too) and returns the winner.
    """
    fingerprint = request.fingerprint()
    existing = repo.by_idempotency_key(session, principal.name, idempotency_key)
    if existing is not None:
        return _replay(existing, fingerprint), False
    category = _resolve_category(knowledge, request)
    complexity = request.complexity or category.default_complexity
    today = china_date(now)
    deadline = add_working_days(today, working_days_for(category, complexity))
    number = format_number(today, repo.next_sequence(session, today))
    ticket = Ticket(
        number=number,
        reference=request.reference,
        channel=request.channel,
        sender_id=request.sender_id,
        enterprise_name=request.enterprise_name,
        credit_code=request.credit_code,
        contact_name=request.contact_name,
        mobile=request.mobile,
        category_id=category.id,
        description=request.description,
        complexity=complexity,
        department_id=category.department,
        state="received",
        received_on=today,
        deadline=deadline.day,
        calendar_fallback=deadline.fallback,
        extension_count=0,
        reopen_count=0,
        created_by=principal.name,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        created_at=now,
        updated_at=now,
    )
    ticket.events.append(
        TicketEvent(
            action="create",
            from_state=None,
            to_state="received",
            actor=principal.name,
            role=principal.role,
            at=now,
            note=f"渠道：{CHANNEL_LABELS.get(request.channel, request.channel)}",
            department_id=category.department,
            deadline=deadline.day,
        )
    )
    session.add(ticket)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = repo.by_idempotency_key(session, principal.name, idempotency_key)
        if existing is None:
            raise
        return _replay(existing, fingerprint), False
    log.info(
        "ticket %s filed by %s: category=%s department=%s deadline=%s%s mobile=%s credit_code=%s",
        number,
        principal.name,
        category.id,
        category.department,
        deadline.day.isoformat(),
        " (calendar fallback)" if deadline.fallback else "",
        mask_mobile(request.mobile),
        mask_credit_code(request.credit_code) or "-",
    )
    return ticket, True


def _replay(existing: Ticket, fingerprint: str) -> Ticket:
    if existing.request_fingerprint != fingerprint:
        raise TicketConflict(
            f"这个 Idempotency-Key 已用于另一份诉求（{existing.number}），内容不同；新的诉求请使用新的 Idempotency-Key"
        )
    return existing
