"""The assist view (one call = one conversation, channel ``hotline``): JSON endpoints the page's JS calls.

Each caller line goes through Rasa (``/model/parse`` for 理解, the REST channel with the
call's sender id for 下一步该问, the tracker for the guide's bundle and answers); the
checklist, policies and the 工单草稿 come from the backend's own services, so a hotline
answer is the same as a 公众号 answer. Every call is CSRF-checked and agent-only.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from app.api.deps import SessionDep, SettingsDep
from app.api.routes.tickets import ClockDep, KnowledgeDep
from app.console import security
from app.console.draft import build_draft, credit_code_problem, mobile_problem
from app.console.pages import render
from app.console.rasa import Parse, RasaClient, RasaError
from app.console.security import CsrfUserDep, UserDep
from app.core.clock import china_date
from app.core.config import Settings
from app.knowledge.appeals import AppealKnowledge
from app.models.console import AssistLine
from app.schemas.tickets import TicketCreate
from app.services import checklist as checklist_service
from app.services import ticket_links
from app.services.catalog import Catalog, KnowledgeNotLoaded, get_catalog
from app.services.guide import coerce_answers
from app.services.identifiers import mask_text, normalize_credit_code, normalize_mobile
from app.services.policies.windows import validity
from app.services.tickets.creation import NewTicket, create_ticket
from app.services.tickets.errors import TicketError
from app.services.tickets.states import STATE_LABELS

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)

LOW_CONFIDENCE = 0.6
CALL_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    call_id: Annotated[str, Field(pattern=CALL_ID.pattern)]
    lines: Annotated[list[Annotated[str, Field(max_length=2000)]], Field(min_length=1, max_length=200)]
    payload: Annotated[str, Field(max_length=500)] | None = None
    """An option the agent clicked: sent to the conversation instead of the last line."""


class FileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    call_id: Annotated[str, Field(pattern=CALL_ID.pattern)]
    enterprise_name: str = Field(max_length=200)
    credit_code: str = Field(default="", max_length=40)
    contact_name: str = Field(max_length=64)
    mobile: str = Field(max_length=32)
    category: str = Field(max_length=64)
    description: str = Field(max_length=4000)


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str = Field(max_length=32)
    contact_name: str = Field(default="", max_length=64)
    mobile: str = Field(default="", max_length=32)
    description: str = Field(max_length=4000)


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enterprise_name: str = Field(default="", max_length=200)
    credit_code: str = Field(default="", max_length=40)
    mobile: str = Field(default="", max_length=32)
    category: str = Field(default="", max_length=64)
    description: str = Field(default="", max_length=4000)


def rasa_client(settings: SettingsDep) -> RasaClient:
    return RasaClient(settings.rasa_base_url, settings.rasa_auth_token, settings.rasa_timeout_seconds)


RasaDep = Annotated[RasaClient, Depends(rasa_client)]


def sender_id(call_id: str) -> str:
    return f"hotline-{call_id}"


@router.get("/assist", response_class=HTMLResponse)
def assist_page(request: Request, user: UserDep, knowledge: KnowledgeDep) -> HTMLResponse:
    security.agent_only(user)
    return render(
        request,
        "assist.html",
        {
            "user": user,
            "call_id": secrets.token_urlsafe(12).replace("-", "a").replace("_", "b"),
            "categories": knowledge.categories,
        },
    )


def _understanding(parse: Parse | None) -> dict[str, Any] | None:
    if parse is None:
        return None
    return {
        "intent": parse.intent,
        "confidence": round(parse.confidence, 3),
        "low": parse.confidence < LOW_CONFIDENCE or parse.intent in {"nlu_fallback", "out_of_scope"},
        "ranking": [{"intent": name, "confidence": round(c, 3)} for name, c in parse.ranking],
        "entities": parse.entities,
    }


def _checklist(catalog: Catalog, slots: dict[str, Any], settings: Settings) -> dict[str, Any] | None:
    bundle = catalog.bundles.get(str(slots.get("guide_bundle") or ""))
    if bundle is None:
        return None
    raw = slots.get("guide_answers") if isinstance(slots.get("guide_answers"), dict) else {}
    answers, _ = coerce_answers(bundle, {k: str(v) for k, v in (raw or {}).items()})
    built = checklist_service.build(catalog, bundle, answers, settings.base_url)
    return {
        "bundle": bundle.name,
        "url": built.url,
        "situation": [f"{q}：{a}" for q, a in built.situation],
        "missing": built.missing_questions,
        "matters": [{"name": m.name, "department": m.department.name} for m in built.matters],
        "material_count": built.material_count,
    }


def _policy(policy: Any, state: str) -> dict[str, Any]:
    return {
        "id": policy.id,
        "name": policy.short_name or policy.name,
        "document_number": policy.document_number,
        "validity": state,
        "no_application": policy.no_application,
        "expired": state == "已失效",
    }


def _policies(catalog: Catalog, slots: dict[str, Any], text: str, today: date) -> dict[str, list[dict[str, Any]]]:
    current: dict[str, dict[str, Any]] = {}
    for item in slots.get("policy_results") or []:
        policy = catalog.policies.get(str(item.get("id"))) if isinstance(item, dict) else None
        if policy is not None:
            state = validity(policy, today)
            if state != "已失效":
                current[policy.id] = _policy(policy, state)
    found = catalog.policy_engine.search(text, today, limit=5)
    for hit in found.results:
        if hit.validity != "已失效":
            current.setdefault(hit.policy.id, _policy(hit.policy, hit.validity))
    expired = [_policy(h.policy, h.validity) for h in found.expired]
    return {"current": list(current.values())[:6], "expired": expired[:3]}


def _similar(session: Session, knowledge: AppealKnowledge, check: CheckIn, today: date) -> list[dict[str, Any]]:
    mobile = None
    if check.mobile.strip() and mobile_problem(check.mobile) is None:
        mobile = normalize_mobile(check.mobile)
    code = None
    if check.credit_code.strip() and credit_code_problem(check.credit_code) is None:
        code = normalize_credit_code(check.credit_code)
    category = knowledge.find(check.category) if check.category else None
    found = ticket_links.find_similar(
        session,
        enterprise_name=check.enterprise_name or None,
        mobile=mobile,
        credit_code=code,
        category_id=category.id if category else None,
        description=check.description,
        today=today,
    )
    return [
        {
            "number": s.ticket.number,
            "state": STATE_LABELS[s.ticket.state],
            "department": knowledge.department_names.get(s.ticket.department_id, s.ticket.department_id),
            "received_on": s.ticket.received_on.isoformat(),
            "description": mask_text(s.ticket.description)[:120],
            "similarity": s.similarity,
            "reasons": list(s.reasons),
        }
        for s in found
        if s.ticket.state != "closed"
    ]


@router.post("/api/assist/line")
async def line(
    body: LineIn,
    session: SessionDep,
    settings: SettingsDep,
    knowledge: KnowledgeDep,
    user: CsrfUserDep,
    rasa: RasaDep,
    now: ClockDep,
) -> JSONResponse:
    security.agent_only(user)
    lines = [text.strip() for text in body.lines if text.strip()]
    if not lines:
        return JSONResponse({"detail": "请先输入来电人说的话"}, status_code=422)
    said = lines[-1]
    parse, messages, slots, rasa_error = None, [], {}, None
    try:
        parse = await rasa.parse(said)
        messages = await rasa.send(sender_id(body.call_id), body.payload or said)
        slots = await rasa.slots(sender_id(body.call_id))
    except RasaError as error:
        rasa_error = error.message
    session.add(
        AssistLine(
            call_id=body.call_id,
            agent=user.principal.name,
            text=mask_text(said)[:2000],
            intent=parse.intent if parse else None,
            confidence=parse.confidence if parse else None,
            at=now,
        )
    )
    session.commit()
    try:
        catalog: Catalog | None = get_catalog(session)
    except KnowledgeNotLoaded:
        catalog = None
    draft = build_draft(knowledge, lines)
    today = china_date(now)
    policies = _policies(catalog, slots, "".join(lines), today) if catalog else {"current": [], "expired": []}
    check = CheckIn(
        enterprise_name=draft.enterprise_name.value,
        credit_code=draft.credit_code.value,
        mobile=draft.mobile.value,
        category=draft.category_id,
        description=draft.summary,
    )
    return JSONResponse(
        {
            "understanding": _understanding(parse),
            "rasa_error": rasa_error,
            "messages": [dataclasses.asdict(m) for m in messages],
            "checklist": _checklist(catalog, slots, settings) if catalog else None,
            "policies": policies,
            "draft": dataclasses.asdict(draft),
            "similar": _similar(session, knowledge, check, china_date(now)),
        }
    )


@router.post("/api/assist/check")
def check(
    body: CheckIn, session: SessionDep, knowledge: KnowledgeDep, user: CsrfUserDep, now: ClockDep
) -> JSONResponse:
    """Validate the fields as the agent types, and look for duplicates of the edited draft."""
    security.agent_only(user)
    return JSONResponse(
        {
            "problems": {
                "mobile": mobile_problem(body.mobile) if body.mobile.strip() else "请填写联系手机号",
                "credit_code": credit_code_problem(body.credit_code),
            },
            "similar": _similar(session, knowledge, body, china_date(now)),
        }
    )


def _errors(error: ValidationError) -> list[str]:
    return [str(e.get("msg", "")).removeprefix("Value error, ") for e in error.errors()]


@router.post("/api/assist/file")
def file(body: FileIn, session: SessionDep, knowledge: KnowledgeDep, user: CsrfUserDep, now: ClockDep) -> JSONResponse:
    """建单 through the ticket service; the call id is the idempotency key (a double click files once)."""
    security.agent_only(user)
    try:
        create = TicketCreate(
            channel="hotline",
            sender_id=sender_id(body.call_id),
            enterprise_name=body.enterprise_name,
            credit_code=body.credit_code or None,
            contact_name=body.contact_name,
            mobile=body.mobile,
            category=body.category or None,
            description=body.description,
        )
    except ValidationError as error:
        return JSONResponse({"detail": "工单信息不完整或有误", "problems": _errors(error)}, status_code=422)
    try:
        ticket, created = create_ticket(
            session, knowledge, NewTicket(**create.model_dump()), user.principal, f"console-{body.call_id}", now
        )
    except TicketError as error:
        return JSONResponse({"detail": error.message}, status_code=error.status_code)
    return JSONResponse(
        {
            "number": ticket.number,
            "created": created,
            "department": knowledge.department_names.get(ticket.department_id, ticket.department_id),
            "deadline": ticket.deadline.isoformat(),
            "category": knowledge.by_id.get(ticket.category_id, knowledge.fallback).name,
        },
        status_code=201 if created else 200,
    )


@router.post("/api/assist/link")
def link(body: LinkIn, session: SessionDep, knowledge: KnowledgeDep, user: CsrfUserDep, now: ClockDep) -> JSONResponse:
    """关联到已有工单: the new call goes into the existing ticket's audited history."""
    security.agent_only(user)
    mobile = normalize_mobile(body.mobile) if body.mobile.strip() and not mobile_problem(body.mobile) else None
    try:
        ticket = ticket_links.link_contact(
            session,
            user.principal,
            body.number,
            contact_name=body.contact_name,
            mobile=mobile,
            note=body.description,
            now=now,
        )
    except TicketError as error:
        return JSONResponse({"detail": error.message}, status_code=error.status_code)
    return JSONResponse(
        {
            "number": ticket.number,
            "state": STATE_LABELS[ticket.state],
            "department": knowledge.department_names.get(ticket.department_id, ticket.department_id),
            "deadline": ticket.deadline.isoformat(),
        }
    )
