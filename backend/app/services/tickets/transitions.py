"""Applying one action to a ticket; every state change is audited in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from app.core.clock import china_date
from app.knowledge.appeals import AppealKnowledge, Complexity
from app.models.tickets import Ticket, TicketEvent
from app.services.identifiers import masked_logger
from app.services.tickets.access import Principal, visible_ticket
from app.services.tickets.deadlines import MAX_EXTENSION_WORKING_DAYS, working_days_for
from app.services.tickets.errors import TicketConflict, TicketForbidden, TicketInvalid
from app.services.tickets.states import (
    ACTION_LABELS,
    ROLE_LABELS,
    SATISFACTION_LEVELS,
    SATISFIED,
    STATE_LABELS,
    TRANSITIONS,
    Action,
)
from app.services.workdays import add_working_days, working_days_between

log = masked_logger("backend.tickets")


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
