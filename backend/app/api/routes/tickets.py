"""The appeal ticket API (诉求链): file, read, move through the workflow, department queues.

Roles (``app.api.auth``): ``service`` (the action server), ``agent`` (hotline agents),
``department`` (a department, its own tickets only). The status lookup for enterprises
needs no token but the ticket number and the last 4 digits of the mobile number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response

from app.api.auth import lookup_client, require
from app.api.deps import SessionDep, SettingsDep
from app.core.clock import china_date, current_time
from app.knowledge.appeals import AppealCategory, AppealKnowledge, get_appeal_knowledge
from app.knowledge.loader import KnowledgeError
from app.models.tickets import Ticket
from app.schemas import tickets as schemas
from app.services import classifier
from app.services.identifiers import mask_credit_code, mask_mobile, mask_text
from app.services.lookup_limits import limiter_for
from app.services.tickets import queues
from app.services.tickets.access import Principal, public_lookup, visible_ticket
from app.services.tickets.creation import NewTicket, create_ticket
from app.services.tickets.deadlines import as_utc, is_overdue, working_days_for, working_days_left
from app.services.tickets.errors import LookupRateLimited, TicketError
from app.services.tickets.queues import QueueFilter
from app.services.tickets.states import ACTION_LABELS, COMPLEXITY_LABELS, STATE_LABELS
from app.services.tickets.transitions import TransitionRequest, allowed_actions, transition

router = APIRouter(tags=["tickets"])

IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,128}")


def appeal_knowledge(settings: SettingsDep) -> AppealKnowledge:
    try:
        return get_appeal_knowledge(settings.knowledge_dir)
    except KnowledgeError as error:
        raise HTTPException(
            status_code=503, detail={"message": "诉求分类知识校验未通过，工单接口暂停", "problems": error.problems}
        ) from None


KnowledgeDep = Annotated[AppealKnowledge, Depends(appeal_knowledge)]
ClockDep = Annotated[datetime, Depends(current_time)]
Creator = Annotated[Principal, Depends(require("service", "agent"))]
Reader = Annotated[Principal, Depends(require("service", "agent", "department"))]
Handler = Annotated[Principal, Depends(require("agent", "department"))]


@contextmanager
def ticket_errors() -> Iterator[None]:
    try:
        yield
    except LookupRateLimited as error:
        raise HTTPException(status_code=429, detail=error.message, headers={"Retry-After": "600"}) from None
    except TicketError as error:
        raise HTTPException(status_code=error.status_code, detail=error.message) from None


def _category_ref(knowledge: AppealKnowledge, category_id: str) -> schemas.Ref:
    category = knowledge.by_id.get(category_id)
    return schemas.Ref(id=category_id, name=category.name if category else category_id)


def _department_ref(knowledge: AppealKnowledge, department_id: str) -> schemas.Ref:
    return schemas.Ref(id=department_id, name=knowledge.department_names.get(department_id, department_id))


def ticket_out(
    ticket: Ticket, knowledge: AppealKnowledge, principal: Principal, today: date, *, masked: bool
) -> schemas.TicketOut:
    category = knowledge.by_id.get(ticket.category_id, knowledge.fallback)
    return schemas.TicketOut(
        number=ticket.number,
        state=ticket.state,
        state_label=STATE_LABELS[ticket.state],
        channel=ticket.channel,
        sender_id=ticket.sender_id,
        enterprise_name=ticket.enterprise_name,
        credit_code=mask_credit_code(ticket.credit_code) if masked else ticket.credit_code,
        contact_name=ticket.contact_name,
        mobile=mask_mobile(ticket.mobile) if masked else ticket.mobile,
        personal_data_masked=masked,
        category=_category_ref(knowledge, ticket.category_id),
        description=mask_text(ticket.description) if masked else ticket.description,
        complexity=ticket.complexity,
        complexity_label=COMPLEXITY_LABELS.get(ticket.complexity, ticket.complexity),
        department=_department_ref(knowledge, ticket.department_id),
        received_on=ticket.received_on,
        deadline=ticket.deadline,
        time_limit_working_days=working_days_for(category, ticket.complexity),
        calendar_fallback=ticket.calendar_fallback,
        working_days_left=working_days_left(ticket, today),
        overdue=is_overdue(ticket, today),
        extension_count=ticket.extension_count,
        extension_reason=ticket.extension_reason,
        reopen_count=ticket.reopen_count,
        satisfaction=ticket.satisfaction,
        created_at=as_utc(ticket.created_at),
        updated_at=as_utc(ticket.updated_at),
        allowed_actions=allowed_actions(ticket, principal),
    )


def _category_out(knowledge: AppealKnowledge, category: AppealCategory) -> schemas.CategoryOut:
    return schemas.CategoryOut(
        id=category.id,
        name=category.name,
        description=category.description,
        department=_department_ref(knowledge, category.department),
        default_complexity=category.default_complexity,
        general_working_days=category.general_working_days,
    )


@router.get("/api/appeal-categories", response_model=list[schemas.CategoryOut])
def categories(knowledge: KnowledgeDep) -> list[schemas.CategoryOut]:
    """The appeal categories with their routing and time limits (public: no personal data)."""
    return [_category_out(knowledge, c) for c in knowledge.categories]


@router.post("/api/tickets/classify", response_model=schemas.ClassifyOut)
def classify(body: schemas.ClassifyIn, knowledge: KnowledgeDep, _principal: Creator) -> schemas.ClassifyOut:
    """Propose the category of a complaint (the bot confirms it with the user)."""
    result = classifier.classify(knowledge, body.description)
    return schemas.ClassifyOut(
        status=result.status,
        category=_category_out(knowledge, result.category),
        score=result.score,
        candidates=[
            schemas.CategoryCandidate(id=m.category.id, name=m.category.name, score=m.score, matched=list(m.matched))
            for m in result.candidates
        ],
    )


@router.post(
    "/api/tickets",
    response_model=schemas.TicketOut,
    status_code=201,
    responses={200: {"description": "重复提交（同一 Idempotency-Key）：返回先前创建的工单"}},
)
def create(
    body: schemas.TicketCreate,
    response: Response,
    session: SessionDep,
    knowledge: KnowledgeDep,
    principal: Creator,
    now: ClockDep,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> schemas.TicketOut:
    """File a ticket. ``Idempotency-Key`` is required: a retry with the same key never files a second one."""
    key = (idempotency_key or "").strip()
    if not key:
        raise HTTPException(
            status_code=400, detail="创建工单须提供 Idempotency-Key 请求头（重试同一诉求时使用同一个值）"
        )
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise HTTPException(status_code=400, detail="Idempotency-Key 须为 1-128 个可见 ASCII 字符")
    request = NewTicket(**body.model_dump())
    with ticket_errors():
        ticket, created = create_ticket(session, knowledge, request, principal, key, now)
    response.status_code = 201 if created else 200
    return ticket_out(ticket, knowledge, principal, china_date(now), masked=True)


@router.get("/api/tickets", response_model=schemas.TicketList)
def list_tickets(
    session: SessionDep,
    knowledge: KnowledgeDep,
    principal: Handler,
    now: ClockDep,
    department: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(max_length=200, description="状态，可用逗号分隔多个")] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    overdue: bool = False,
    due_within_days: Annotated[int | None, Query(ge=0, le=30, description="N 个工作日内到期（未超期）")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> schemas.TicketList:
    """Agents: every ticket, personal data masked. A department: its own tickets, unmasked."""
    today = china_date(now)
    states = [s.strip() for s in (state or "").split(",") if s.strip()]
    category_id = None
    if category:
        found = knowledge.find(category)
        if found is None:
            raise HTTPException(status_code=422, detail=f"没有“{category}”这个诉求分类")
        category_id = found.id
    query = QueueFilter(
        department_id=department or None,
        states=states,
        category_id=category_id,
        overdue=overdue,
        due_within_days=due_within_days,
    )
    with ticket_errors():
        total, items = queues.list_tickets(session, principal, query, today, limit, offset)
    masked = principal.role != "department"
    return schemas.TicketList(
        total=total,
        limit=limit,
        offset=offset,
        items=[ticket_out(t, knowledge, principal, today, masked=masked) for t in items],
    )


@router.get("/api/tickets/{number}", response_model=schemas.TicketOut)
def read(
    number: str, session: SessionDep, knowledge: KnowledgeDep, principal: Reader, now: ClockDep
) -> schemas.TicketOut:
    with ticket_errors():
        ticket = visible_ticket(session, principal, number)
    masked = not principal.sees_personal_data_of(ticket)
    return ticket_out(ticket, knowledge, principal, china_date(now), masked=masked)


@router.get("/api/tickets/{number}/status", response_model=schemas.TicketStatusOut)
def status(
    number: str,
    request: Request,
    session: SessionDep,
    knowledge: KnowledgeDep,
    settings: SettingsDep,
    now: ClockDep,
    phone_last4: Annotated[str, Query(pattern=r"^\d{4}$", description="联系手机号后四位")],
    authorization: Annotated[str | None, Header()] = None,
    x_client_id: Annotated[str | None, Header(max_length=128)] = None,
) -> schemas.TicketStatusOut:
    """For the enterprise: the number (or the 查询码) and the last 4 digits of the mobile number, no token.

    Wrong digits and an unknown number both answer 404 with the same message; 5 failures
    for one number from one client, or 20 from one client, within 10 minutes lock that
    client out (429) until they age out — other clients are not affected.
    """
    client = lookup_client(settings, request, authorization, x_client_id)
    with ticket_errors():
        ticket = public_lookup(session, number, phone_last4, now, client, limiter_for(settings.redis_url))
    return schemas.TicketStatusOut(
        number=ticket.number,
        state=ticket.state,
        state_label=STATE_LABELS[ticket.state],
        category=_category_ref(knowledge, ticket.category_id).name,
        department=_department_ref(knowledge, ticket.department_id).name,
        received_on=ticket.received_on,
        deadline=ticket.deadline,
        overdue=is_overdue(ticket, china_date(now)),
        extension_reason=ticket.extension_reason if ticket.state == "extended" else None,
        updated_at=as_utc(ticket.updated_at),
        timeline=[
            schemas.TimelineEntry(state=e.to_state, state_label=STATE_LABELS[e.to_state], at=as_utc(e.at))
            for e in ticket.events
        ],
    )


@router.post("/api/tickets/{number}/transitions", response_model=schemas.TicketOut)
def move(
    number: str,
    body: schemas.TransitionIn,
    session: SessionDep,
    knowledge: KnowledgeDep,
    principal: Handler,
    now: ClockDep,
) -> schemas.TicketOut:
    """One step of the workflow; invalid steps answer 409 with the actions possible now."""
    request = TransitionRequest(**body.model_dump())
    with ticket_errors():
        ticket = transition(session, knowledge, principal, number, request, now)
    masked = not principal.sees_personal_data_of(ticket)
    return ticket_out(ticket, knowledge, principal, china_date(now), masked=masked)


@router.get("/api/tickets/{number}/history", response_model=schemas.HistoryOut)
def history(number: str, session: SessionDep, principal: Handler) -> schemas.HistoryOut:
    """The audit trail: every transition with who, role, when, from, to and the note."""
    with ticket_errors():
        ticket = visible_ticket(session, principal, number)
    return schemas.HistoryOut(
        number=ticket.number,
        events=[
            schemas.EventOut(
                action=e.action,
                action_label=ACTION_LABELS.get(e.action, e.action),
                from_state=e.from_state,
                to_state=e.to_state,
                actor=e.actor,
                role=e.role,
                at=as_utc(e.at),
                note=e.note,
                reason=e.reason,
                satisfaction=e.satisfaction,
                department_id=e.department_id,
                deadline=e.deadline,
            )
            for e in ticket.events
        ],
    )
