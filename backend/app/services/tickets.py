"""The appeal ticket (诉求链) workflow: numbering, time limits, the state machine, classification.

State machine (every arrow is a row in ``ticket_events``)::

    received 已受理 ─assign→ assigned 已转办 ─start→ in_progress 办理中 ─answer→ answered 已反馈
      ─visit→ visited 已回访 ─close→ closed 已销号

    assign   received|assigned → assigned       (agent; 转办, or 改派 to another department)
    extend   assigned|in_progress|extended → extended   (reason and a later deadline required)
    answer   in_progress|extended → answered    (note = the reply given to the enterprise)
    visit    answered → visited                 (agent; satisfaction required); 不满意/非常不满意
             reopens at once: a second event visited → in_progress with a new deadline
    reopen   answered|visited → in_progress     (agent; reason required; new deadline)
    close    visited → closed                   (agent; only after a 回访 of 基本满意 or better)

``extended`` (已延期) is 办理中 under an extended deadline: it is open, can be answered,
and can be extended again; the latest reason is shown to the enterprise (延期须告知原因).

Time limits in working days (``app.services.workdays``), counted from the day after
receipt: simple 1 (即办), general per category (5-15, ``knowledge/appeal_categories.yml``),
complex 30. Dates are China dates (UTC+8); timestamps are stored in UTC.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.clock import CHINA_TZ as CHINA_TZ  # re-exported: callers keep their imports
from app.core.clock import china_date as china_date
from app.core.clock import current_time as current_time
from app.knowledge.appeals import AppealCategory, AppealKnowledge, Complexity
from app.knowledge.deployment import service_info
from app.models.tickets import Ticket, TicketEvent
from app.repositories import tickets as repo
from app.services.classifier import CategoryMatch as CategoryMatch  # re-exported for callers of this module
from app.services.classifier import Classification as Classification
from app.services.classifier import classify as classify
from app.services.identifiers import mask_credit_code, mask_mobile, mask_text, masked_logger
from app.services.lookup_limits import LookupLimiter
from app.services.workdays import add_working_days, working_days_between

log = masked_logger("backend.tickets")

NUMBER_PREFIX = "QY"
NUMBER_PATTERN = re.compile(r"QY\d{12,13}")
REFERENCE_PATTERN = re.compile(r"CX[2-9A-HJ-NP-Z]{8}")
"""查询码 of an appeal the chat queued (``actions/appeal/delivery.py`` makes them)."""

Role = Literal["service", "agent", "department"]
Action = Literal["assign", "start", "extend", "answer", "visit", "close", "reopen"]
State = Literal["received", "assigned", "in_progress", "extended", "answered", "visited", "closed"]

STATE_LABELS: dict[str, str] = {
    "received": "已受理",
    "assigned": "已转办",
    "in_progress": "办理中",
    "extended": "已延期",
    "answered": "已反馈",
    "visited": "已回访",
    "closed": "已销号",
}
ACTION_LABELS: dict[str, str] = {
    "create": "受理",
    "assign": "转办",
    "start": "开始办理",
    "extend": "延期",
    "answer": "反馈",
    "visit": "回访",
    "close": "销号",
    "reopen": "重新办理",
    "link": "关联来电",
}
ROLE_LABELS: dict[str, str] = {"service": "对话机器人", "agent": "坐席", "department": "承办部门"}
COMPLEXITY_LABELS: dict[str, str] = {
    "simple": "简单诉求（即办）",
    "general": "一般诉求（限时办结）",
    "complex": "复杂诉求（协调联办）",
}
CHANNEL_LABELS: dict[str, str] = {"wechat": "微信公众号", "web": "网页", "hotline": "热线"}
SATISFACTION_LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
SATISFIED = frozenset(SATISFACTION_LEVELS[:3])
SIMPLE_WORKING_DAYS = 1
COMPLEX_WORKING_DAYS = 30
MAX_EXTENSION_WORKING_DAYS = 30
OPEN_STATES = frozenset(repo.OPEN_STATES)


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str
    roles: frozenset[str]


TRANSITIONS: dict[str, Rule] = {
    "assign": Rule(frozenset({"received", "assigned"}), "assigned", frozenset({"agent"})),
    "start": Rule(frozenset({"assigned"}), "in_progress", frozenset({"agent", "department"})),
    "extend": Rule(frozenset({"assigned", "in_progress", "extended"}), "extended", frozenset({"agent", "department"})),
    "answer": Rule(frozenset({"in_progress", "extended"}), "answered", frozenset({"agent", "department"})),
    "visit": Rule(frozenset({"answered"}), "visited", frozenset({"agent"})),
    "close": Rule(frozenset({"visited"}), "closed", frozenset({"agent"})),
    "reopen": Rule(frozenset({"answered", "visited"}), "in_progress", frozenset({"agent"})),
}


# ---------------------------------------------------------------- errors


class TicketError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TicketNotFound(TicketError):
    status_code = 404


class TicketForbidden(TicketError):
    status_code = 403


class TicketConflict(TicketError):
    """An invalid transition, or an idempotency key reused for another request."""

    status_code = 409


class TicketInvalid(TicketError):
    status_code = 422


NOT_FOUND_MESSAGE = "没有找到这个诉求编号，或手机号后四位不匹配"


# ---------------------------------------------------------------- principals and time


@dataclass(frozen=True)
class Principal:
    role: Role
    name: str
    """``service``, ``agent:<name>`` or ``department:<id>``: recorded as the actor."""
    department_id: str | None = None

    def can_see(self, ticket: Ticket) -> bool:
        if self.role == "department":
            return ticket.department_id == self.department_id and ticket.state != "received"
        return True

    def sees_personal_data_of(self, ticket: Ticket) -> bool:
        """Agents and the department handling the ticket; the chatbot gets masked values."""
        return self.role == "agent" or (self.role == "department" and ticket.department_id == self.department_id)


def as_utc(moment: datetime) -> datetime:
    """Stored timestamps come back naive from SQLite: they are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# ---------------------------------------------------------------- time limits


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


# ---------------------------------------------------------------- creation


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


# ---------------------------------------------------------------- reading


def visible_ticket(session: Session, principal: Principal, number: str, *, for_update: bool = False) -> Ticket:
    number = number.strip().upper()
    ticket = None
    if NUMBER_PATTERN.fullmatch(number):
        ticket = repo.by_number_for_update(session, number) if for_update else repo.by_number(session, number)
    if ticket is None or not principal.can_see(ticket):
        raise TicketNotFound(f"没有找到诉求编号为“{number[:32]}”的工单")
    return ticket


class LookupRateLimited(TicketError):
    status_code = 429


def public_lookup(
    session: Session, number: str, phone_last4: str, now: datetime, client: str, limiter: LookupLimiter
) -> Ticket:
    """The ticket, by its number or the 查询码 the chat gave, if the last four digits of its mobile match.

    A wrong pair, an unknown and a malformed number get the same answer. Failures are
    counted per client and number, and per client (``app.services.lookup_limits``): a
    locked client gets 429 even for the right pair until its failures age out; other
    clients are not affected.
    """
    key = number.strip().upper()[:32]
    if limiter.locked(client, key, now):
        line = service_info().appeal_hotline
        raise LookupRateLimited(f"查询失败次数过多，请 10 分钟后再试，或拨打{line.name} {line.number}")
    ticket = None
    if NUMBER_PATTERN.fullmatch(key):
        ticket = repo.by_number(session, key)
    elif REFERENCE_PATTERN.fullmatch(key):
        ticket = repo.by_reference(session, key)
    if ticket is not None and ticket.mobile[-4:] == phone_last4:
        return ticket
    limiter.failed(client, key, now)
    log.info("public lookup failed for %s from %s", key, client)
    raise TicketNotFound(NOT_FOUND_MESSAGE)


# ---------------------------------------------------------------- transitions


@dataclass(frozen=True)
class TransitionRequest:
    action: Action
    note: str | None = None
    reason: str | None = None
    satisfaction: str | None = None
    department_id: str | None = None
    complexity: Complexity | None = None
    new_deadline: date | None = None
    working_days: int | None = None


def allowed_actions(ticket: Ticket, principal: Principal) -> list[str]:
    return [
        action
        for action, rule in TRANSITIONS.items()
        if ticket.state in rule.sources
        and principal.role in rule.roles
        and not (action == "close" and ticket.satisfaction not in SATISFIED)
    ]


def _refuse(ticket: Ticket, action: str, principal: Principal) -> TicketConflict:
    possible = "、".join(ACTION_LABELS[a] for a in allowed_actions(ticket, principal)) or "无"
    return TicketConflict(
        f"工单 {ticket.number} 当前状态为“{STATE_LABELS[ticket.state]}”，不能{ACTION_LABELS[action]}"
        f"（当前可执行：{possible}）"
    )


def _new_deadline(
    request: TransitionRequest, base: date, default_days: int | None, earliest: date, missing: str
) -> tuple[date, bool]:
    """The deadline a request sets: ``new_deadline``, or ``working_days`` (else the default) after ``base``."""
    if request.new_deadline is not None and request.working_days is not None:
        raise TicketInvalid("new_deadline 与 working_days 只能给出一个")
    if request.new_deadline is not None:
        if request.new_deadline < earliest:
            raise TicketInvalid(f"新的办结期限不能早于 {earliest.isoformat()}")
        _, fallback = working_days_between(base, request.new_deadline)
        return request.new_deadline, fallback
    days = request.working_days if request.working_days is not None else default_days
    if days is None:
        raise TicketInvalid(missing)
    if not 1 <= days <= MAX_EXTENSION_WORKING_DAYS:
        raise TicketInvalid(f"工作日数须在 1 到 {MAX_EXTENSION_WORKING_DAYS} 之间")
    result = add_working_days(base, days)
    return result.day, result.fallback


def _required(value: str | None, message: str) -> str:
    if value is None or not value.strip():
        raise TicketInvalid(message)
    return value.strip()


def transition(
    session: Session,
    knowledge: AppealKnowledge,
    principal: Principal,
    number: str,
    request: TransitionRequest,
    now: datetime,
) -> Ticket:
    """Apply one action; every state change is audited in the same transaction."""
    ticket = visible_ticket(session, principal, number, for_update=True)
    action = request.action
    rule = TRANSITIONS[action]
    if principal.role not in rule.roles:
        allowed = "、".join(ROLE_LABELS[r] for r in sorted(rule.roles))
        raise TicketForbidden(f"{ROLE_LABELS[principal.role]}无权{ACTION_LABELS[action]}（仅限：{allowed}）")
    if ticket.state not in rule.sources:
        raise _refuse(ticket, action, principal)
    today = china_date(now)
    category = knowledge.by_id.get(ticket.category_id, knowledge.fallback)
    source = ticket.state
    note = request.note.strip() if request.note and request.note.strip() else None
    reason: str | None = None
    satisfaction: str | None = None
    reopened: tuple[date, bool] = (ticket.deadline, ticket.calendar_fallback)

    if action == "assign":
        department = request.department_id or ticket.department_id
        if department not in knowledge.department_names:
            raise TicketInvalid(f"没有编号为“{department[:64]}”的部门")
        if source == "assigned" and department == ticket.department_id and request.complexity is None:
            raise TicketConflict(f"工单 {ticket.number} 已转办给该部门；改派请指定另一个部门")
        ticket.department_id = department
        if request.complexity is not None and request.complexity != ticket.complexity:
            ticket.complexity = request.complexity
            result = add_working_days(ticket.received_on, working_days_for(category, request.complexity))
            ticket.deadline, ticket.calendar_fallback = result.day, result.fallback
    elif action == "extend":
        reason = _required(request.reason, "延期须说明原因（reason），原因将告知企业")
        deadline, fallback = _new_deadline(
            request,
            max(ticket.deadline, today),
            None,
            max(ticket.deadline + timedelta(days=1), today),
            "延期须给出新的办结期限：new_deadline（日期）或 working_days（工作日数）",
        )
        ticket.deadline, ticket.calendar_fallback = deadline, fallback
        ticket.extension_count += 1
        ticket.extension_reason = reason
    elif action == "answer":
        note = _required(request.note, "反馈须填写办理结果（note），该内容将反馈给企业")
    elif action == "visit":
        satisfaction = request.satisfaction
        if satisfaction not in SATISFACTION_LEVELS:
            raise TicketInvalid("回访须记录满意度：" + "、".join(SATISFACTION_LEVELS))
        if satisfaction not in SATISFIED:
            reopened = _new_deadline(
                request, today, working_days_for(category, ticket.complexity), today + timedelta(days=1), ""
            )
        ticket.satisfaction = satisfaction
    elif action == "close":
        if ticket.satisfaction not in SATISFIED:
            raise TicketConflict(f"回访满意度为“{ticket.satisfaction or '未回访'}”，须达到“基本满意”及以上才能销号")
    elif action == "reopen":
        reason = _required(request.reason, "重新办理须说明原因（reason）")
        deadline, fallback = _new_deadline(
            request, today, working_days_for(category, ticket.complexity), today + timedelta(days=1), ""
        )
        ticket.deadline, ticket.calendar_fallback = deadline, fallback
        ticket.reopen_count += 1

    ticket.state = rule.target
    ticket.updated_at = now
    _audit(ticket, action, source, principal, now, note=note, reason=reason, satisfaction=satisfaction)

    if action == "visit" and satisfaction not in SATISFIED:
        # 不满意 at 回访: back to 办理中 with a fresh time limit, recorded as its own event.
        ticket.deadline, ticket.calendar_fallback = reopened
        ticket.reopen_count += 1
        ticket.state = "in_progress"
        _audit(
            ticket,
            "reopen",
            "visited",
            principal,
            now,
            note=None,
            reason=f"回访满意度为“{satisfaction}”，重新办理",
            satisfaction=satisfaction,
        )
    session.commit()
    log.info("ticket %s: %s %s → %s by %s", ticket.number, action, source, ticket.state, principal.name)
    return ticket


def _audit(
    ticket: Ticket,
    action: str,
    source: str,
    principal: Principal,
    now: datetime,
    *,
    note: str | None,
    reason: str | None,
    satisfaction: str | None,
) -> None:
    ticket.events.append(
        TicketEvent(
            action=action,
            from_state=source,
            to_state=ticket.state,
            actor=principal.name,
            role=principal.role,
            at=now,
            note=note,
            reason=reason,
            satisfaction=satisfaction,
            department_id=ticket.department_id,
            deadline=ticket.deadline,
        )
    )


# ---------------------------------------------------------------- queues


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
