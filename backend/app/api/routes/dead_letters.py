"""The dead-letter API (死信队列): appeals the ticket API refused as invalid.

- ``POST /api/dead-letters`` — the outbox (role ``service``) hands over a refused delivery.
- ``GET /api/dead-letters`` — agents list them (personal data masked), ``?state=open``.
- ``GET /api/dead-letters/{id}`` — one, unmasked (agents call the enterprise back).
- ``POST /api/dead-letters/{id}/resubmit`` — an agent corrects and files it: the ticket gets
  the original idempotency key and 查询码; still invalid → 422 with the problems in Chinese.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from app.api.auth import require
from app.api.deps import SessionDep
from app.api.routes.tickets import ClockDep, KnowledgeDep, ticket_errors, ticket_out
from app.core.clock import china_date
from app.models.delivery import DeadLetter, DeadLetterState
from app.schemas import dead_letters as schemas
from app.schemas.tickets import TicketOut
from app.services import dead_letters as service
from app.services.tickets.access import Principal
from app.services.tickets.deadlines import as_utc

router = APIRouter(tags=["dead letters"])
Service = Annotated[Principal, Depends(require("service"))]
Agent = Annotated[Principal, Depends(require("agent"))]


def letter_out(letter: DeadLetter, *, masked: bool) -> schemas.DeadLetterOut:
    return schemas.DeadLetterOut(
        id=letter.id,
        reference=letter.reference,
        state=letter.state,
        state_label=service.STATE_LABELS[DeadLetterState(letter.state)],
        status_code=letter.status_code,
        problems=list(letter.problems),
        payload=service.masked_payload(letter.payload) if masked else dict(letter.payload),
        personal_data_masked=masked,
        ticket_number=letter.ticket_number,
        created_at=as_utc(letter.created_at),
        resubmitted_at=as_utc(letter.resubmitted_at) if letter.resubmitted_at else None,
        resubmitted_by=letter.resubmitted_by,
    )


@router.post("/api/dead-letters", response_model=schemas.DeadLetterOut, status_code=201)
def hand_over(
    body: schemas.DeadLetterIn,
    response: Response,
    session: SessionDep,
    knowledge: KnowledgeDep,
    principal: Service,
    now: ClockDep,
) -> schemas.DeadLetterOut:
    """Keep a delivery the ticket API refused (idempotent by the delivery's key)."""
    letter, created = service.record(
        session,
        knowledge,
        principal.name,
        body.idempotency_key,
        body.reference,
        body.payload,
        body.status_code,
        body.detail,
        now,
    )
    response.status_code = 201 if created else 200
    return letter_out(letter, masked=True)


@router.get("/api/dead-letters", response_model=schemas.DeadLetterList)
def list_letters(
    session: SessionDep,
    _principal: Agent,
    state: Annotated[str | None, Query(max_length=16, description="open（待处理）或 resubmitted（已重新提交）")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> schemas.DeadLetterList:
    with ticket_errors():
        total, letters = service.listing(session, state, limit, offset)
    return schemas.DeadLetterList(
        total=total, limit=limit, offset=offset, items=[letter_out(x, masked=True) for x in letters]
    )


@router.get("/api/dead-letters/{letter_id}", response_model=schemas.DeadLetterOut)
def read_letter(letter_id: int, session: SessionDep, _principal: Agent) -> schemas.DeadLetterOut:
    with ticket_errors():
        return letter_out(service.get(session, letter_id), masked=False)


@router.post(
    "/api/dead-letters/{letter_id}/resubmit",
    response_model=TicketOut,
    responses={422: {"description": "更正后仍不符合要求：problems 列出原因"}},
)
def resubmit(
    letter_id: int,
    body: schemas.ResubmitIn,
    session: SessionDep,
    knowledge: KnowledgeDep,
    principal: Agent,
    now: ClockDep,
) -> TicketOut:
    try:
        with ticket_errors():
            _, ticket = service.resubmit(session, knowledge, letter_id, body.corrections, principal, now)
    except service.StillInvalid as error:
        raise HTTPException(
            status_code=422, detail={"message": "更正后仍不符合要求", "problems": error.problems}
        ) from None
    return ticket_out(ticket, knowledge, principal, china_date(now), masked=False)
