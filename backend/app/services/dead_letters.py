"""The dead-letter queue of appeals (死信队列): nothing the ticket API refuses is lost.

When the outbox delivers an appeal and the ticket API answers 400/422 (the bot accepted
something the backend does not), retrying cannot help. The outbox hands the request here
instead of dropping it; staff list the queue, read why in Chinese, correct the request and
resubmit it, which files the ticket under the original idempotency key and 查询码 — the
user finds it with the code the chat gave them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.knowledge.appeals import AppealKnowledge
from app.models.delivery import DeadLetter, DeadLetterState
from app.models.tickets import Ticket
from app.schemas.tickets import TicketCreate
from app.services.identifiers import mask_credit_code, mask_mobile, mask_text, masked_logger
from app.services.tickets.access import Principal
from app.services.tickets.creation import NewTicket, create_ticket
from app.services.tickets.errors import TicketConflict, TicketInvalid, TicketNotFound

log = masked_logger("backend.dead_letters")

STATE_LABELS = {DeadLetterState.open: "待处理", DeadLetterState.resubmitted: "已重新提交"}
FIELD_LABELS = {
    "channel": "渠道",
    "sender_id": "会话标识",
    "enterprise_name": "企业名称",
    "credit_code": "统一社会信用代码",
    "contact_name": "联系人",
    "mobile": "手机号码",
    "category": "诉求分类",
    "description": "诉求内容",
    "complexity": "复杂程度",
    "reference": "查询码",
}


class DeadLetterNotFound(TicketNotFound):
    pass


class StillInvalid(Exception):
    """The corrected request is still refused; ``problems`` say why, in Chinese."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


def _problem(item: Any) -> str:
    field = ".".join(str(part) for part in item.get("loc", ())) or "请求"
    label = FIELD_LABELS.get(field, field)
    kind, context = item.get("type", ""), item.get("ctx") or {}
    if kind == "value_error":
        return str(item.get("msg", "")).removeprefix("Value error, ")
    messages = {
        "missing": f"{label}未填写",
        "string_too_short": f"{label}不能为空",
        "string_too_long": f"{label}过长（最多 {context.get('max_length', '')} 个字）",
        "literal_error": f"{label}取值无效（可选：{context.get('expected', '')}）",
        "extra_forbidden": f"不认识的字段“{field}”",
        "string_pattern_mismatch": f"{label}格式不正确",
        "string_type": f"{label}应为文字",
        "dict_type": "请求内容应为一个对象",
    }
    return messages.get(kind, f"{label}不符合要求")


def problems_of(payload: dict[str, Any], knowledge: AppealKnowledge) -> tuple[list[str], TicketCreate | None]:
    """Every reason the ticket API refuses ``payload``, in Chinese; the valid request if there is none."""
    try:
        request = TicketCreate.model_validate(payload)
    except ValidationError as error:
        return [_problem(item) for item in error.errors()], None
    if request.category is not None and knowledge.find(request.category) is None:
        names = "、".join(c.name for c in knowledge.categories)
        return [f"没有“{request.category[:32]}”这个诉求分类，可选：{names}"], None
    return [], request


def _explain(detail: Any) -> list[str]:
    if isinstance(detail, str) and detail:
        return [detail]
    if isinstance(detail, dict):
        return [str(p) for p in detail.get("problems") or []] or [str(detail.get("detail") or detail)]
    return ["工单接口拒收，原因未说明"]


def record(
    session: Session,
    knowledge: AppealKnowledge,
    created_by: str,
    key: str,
    reference: str | None,
    payload: dict[str, Any],
    status_code: int,
    detail: Any,
    now: datetime,
) -> tuple[DeadLetter, bool]:
    """Keep a refused appeal; (letter, True) if new, (the earlier one, False) on a repeated key."""
    existing = by_key(session, created_by, key)
    if existing is not None:
        return existing, False
    problems, _ = problems_of(payload, knowledge)
    letter = DeadLetter(
        created_by=created_by,
        idempotency_key=key,
        reference=reference,
        payload=payload,
        status_code=status_code,
        problems=problems or _explain(detail),
        state=DeadLetterState.open,
        created_at=now,
    )
    session.add(letter)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = by_key(session, created_by, key)
        if existing is None:
            raise
        return existing, False
    log.warning("appeal %s dead-lettered (HTTP %s): %s", reference or key, status_code, "；".join(letter.problems))
    return letter, True


def by_key(session: Session, created_by: str, key: str) -> DeadLetter | None:
    statement = select(DeadLetter).where(DeadLetter.created_by == created_by, DeadLetter.idempotency_key == key)
    return session.execute(statement).scalar_one_or_none()


def get(session: Session, letter_id: int) -> DeadLetter:
    letter = session.get(DeadLetter, letter_id)
    if letter is None:
        raise DeadLetterNotFound(f"没有编号为 {letter_id} 的待处理诉求")
    return letter


def listing(session: Session, state: str | None, limit: int, offset: int) -> tuple[int, list[DeadLetter]]:
    statement = select(DeadLetter)
    if state:
        if state not in DeadLetterState.__members__:
            raise TicketInvalid(f"没有“{state[:32]}”这个状态，可选：{'、'.join(DeadLetterState)}")
        statement = statement.where(DeadLetter.state == state)
    total = session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    rows = session.execute(statement.order_by(DeadLetter.created_at, DeadLetter.id).limit(limit).offset(offset))
    return int(total), list(rows.scalars().all())


def resubmit(
    session: Session,
    knowledge: AppealKnowledge,
    letter_id: int,
    corrections: dict[str, Any],
    principal: Principal,
    now: datetime,
) -> tuple[DeadLetter, Ticket]:
    """File the corrected appeal as a ticket in the name of the original sender, under its key."""
    letter = get(session, letter_id)
    if letter.state == DeadLetterState.resubmitted:
        raise TicketConflict(f"该诉求已于重新提交后受理，工单号 {letter.ticket_number}")
    payload = {**letter.payload, **corrections}
    if letter.reference and "reference" not in payload:
        payload["reference"] = letter.reference
    problems, request = problems_of(payload, knowledge)
    if request is None:
        raise StillInvalid(problems)
    original = Principal(role="service", name=letter.created_by)
    new = NewTicket(**request.model_dump())
    ticket, _ = create_ticket(session, knowledge, new, original, letter.idempotency_key, now)
    letter.payload = payload
    letter.state = DeadLetterState.resubmitted
    letter.ticket_number = ticket.number
    letter.resubmitted_at = now
    letter.resubmitted_by = principal.name
    session.commit()
    log.info("dead letter %s resubmitted by %s as %s", letter.id, principal.name, ticket.number)
    return letter, ticket


def masked_payload(payload: dict[str, Any]) -> dict[str, Any]:
    masked = dict(payload)
    if isinstance(masked.get("mobile"), str):
        masked["mobile"] = mask_mobile(masked["mobile"])
    if isinstance(masked.get("credit_code"), str):
        masked["credit_code"] = mask_credit_code(masked["credit_code"])
    if isinstance(masked.get("description"), str):
        masked["description"] = mask_text(masked["description"])
    return masked
