"""Reports for agents (000 §10 评估反馈; 004 #22 月通报): per department over a period.

- received: tickets received in the period;
- on-time rate: of those answered (反馈) or already past their deadline, the share answered
  on or before the deadline in force when answered;
- average working days from receipt to the first 反馈;
- reopen rate: tickets reopened at least once (重办 or 回访 不满意);
- satisfaction distribution: ``satisfaction_counts`` (回访 results; extend it with widget
  ratings when they exist);
- top categories, and the caller lines the assistant did not understand (``unanswered``).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.core.clock import CHINA_TZ, china_date
from app.knowledge.appeals import AppealKnowledge
from app.models.console import AssistLine
from app.models.ratings import Rating
from app.models.tickets import Ticket, TicketEvent
from app.schemas.ratings import LEVELS as RATING_LEVELS
from app.services.tickets.deadlines import as_utc, is_overdue
from app.services.tickets.states import SATISFACTION_LEVELS
from app.services.workdays import working_days_between

LOW_CONFIDENCE = 0.6
UNDERSTOOD_NOTHING = ("nlu_fallback", "out_of_scope")


@dataclass
class DepartmentReport:
    department_id: str
    name: str
    received: int = 0
    answered_on_time: int = 0
    late: int = 0
    answer_days: list[int] = field(default_factory=list)
    reopened: int = 0
    satisfaction: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)

    @property
    def on_time_rate(self) -> float | None:
        judged = self.answered_on_time + self.late
        return self.answered_on_time / judged if judged else None

    @property
    def average_days_to_answer(self) -> float | None:
        return sum(self.answer_days) / len(self.answer_days) if self.answer_days else None

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened / self.received if self.received else None


@dataclass
class Report:
    start: date
    end: date
    departments: list[DepartmentReport]
    categories: list[tuple[str, int]]
    satisfaction: Counter[str]
    unanswered: list[AssistLine]


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time.min, CHINA_TZ),
        datetime.combine(end + timedelta(days=1), time.min, CHINA_TZ),
    )


def satisfaction_counts(session: Session, start: date, end: date) -> dict[str, Counter[str]]:
    """Satisfaction per department: every 回访 recorded in the period, and the widget's 好差评.

    A rating linked to a ticket counts for that ticket's department; one without (a checklist
    rated in the widget) counts under ``""`` (no department) — one place feeds both the
    per-department and the overall distribution.
    """
    since, until = _bounds(start, end)
    statement = select(TicketEvent).where(
        TicketEvent.action == "visit", TicketEvent.at >= since, TicketEvent.at < until
    )
    result: dict[str, Counter[str]] = {}
    for event in session.execute(statement).scalars():
        if event.satisfaction in SATISFACTION_LEVELS:
            result.setdefault(event.department_id or "", Counter())[event.satisfaction] += 1
    ratings = (
        select(Rating.score, Ticket.department_id)
        .outerjoin(Ticket, Ticket.number == Rating.ticket_number)
        .where(Rating.created_at >= since, Rating.created_at < until)
    )
    for score, department in session.execute(ratings):
        label = RATING_LEVELS.get(score)
        if label in SATISFACTION_LEVELS:
            result.setdefault(department or "", Counter())[label] += 1
    return result


def unanswered(session: Session, start: date, end: date, limit: int = 50) -> list[AssistLine]:
    """Caller lines (already masked) the NLU did not understand: fallback, out of scope or low confidence."""
    since, until = _bounds(start, end)
    statement = (
        select(AssistLine)
        .where(AssistLine.at >= since, AssistLine.at < until)
        .where(
            (AssistLine.confidence < LOW_CONFIDENCE)
            | AssistLine.intent.in_(UNDERSTOOD_NOTHING)
            | AssistLine.intent.is_(None)
        )
        .order_by(AssistLine.at.desc())
        .limit(limit)
    )
    return list(session.execute(statement).scalars())


def build(session: Session, knowledge: AppealKnowledge, start: date, end: date, today: date) -> Report:
    statement = (
        select(Ticket)
        .where(Ticket.received_on >= start, Ticket.received_on <= end)
        .options(selectinload(Ticket.events))
    )
    departments: dict[str, DepartmentReport] = {}

    def department(department_id: str) -> DepartmentReport:
        if department_id not in departments:
            name = knowledge.department_names.get(department_id, department_id)
            departments[department_id] = DepartmentReport(department_id, name)
        return departments[department_id]

    all_categories: Counter[str] = Counter()
    for ticket in session.execute(statement).scalars():
        report = department(ticket.department_id)
        report.received += 1
        name = knowledge.by_id.get(ticket.category_id, knowledge.fallback).name
        report.categories[name] += 1
        all_categories[name] += 1
        answer = next((e for e in ticket.events if e.action == "answer"), None)
        if answer is not None:
            answered_on = china_date(as_utc(answer.at))
            if answer.deadline is None or answered_on <= answer.deadline:
                report.answered_on_time += 1
            else:
                report.late += 1
            report.answer_days.append(working_days_between(ticket.received_on, answered_on)[0])
        elif is_overdue(ticket, today):
            report.late += 1
        if ticket.reopen_count > 0:
            report.reopened += 1
    overall: Counter[str] = Counter()
    for department_id, counts in satisfaction_counts(session, start, end).items():
        overall.update(counts)
        if department_id:
            department(department_id).satisfaction.update(counts)
    ordered = sorted(departments.values(), key=lambda d: (-d.received, d.name))
    return Report(start, end, ordered, all_categories.most_common(10), overall, unanswered(session, start, end))


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["统计期", f"{report.start.isoformat()} 至 {report.end.isoformat()}"])
    writer.writerow(
        ["承办部门", "受理件数", "按期办结率", "平均反馈用时（工作日）", "重办率", *SATISFACTION_LEVELS, "主要分类"]
    )
    for d in report.departments:
        average = d.average_days_to_answer
        writer.writerow(
            [
                d.name,
                d.received,
                _percent(d.on_time_rate),
                "—" if average is None else f"{average:.1f}",
                _percent(d.reopen_rate),
                *(d.satisfaction.get(level, 0) for level in SATISFACTION_LEVELS),
                "、".join(f"{name}{count}" for name, count in d.categories.most_common(3)),
            ]
        )
    writer.writerow([])
    writer.writerow(["未能理解的来电说法（已脱敏）", "时间", "识别意图", "置信度"])
    for line in report.unanswered:
        at = as_utc(line.at).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        confidence = "—" if line.confidence is None else f"{line.confidence:.2f}"
        writer.writerow([line.text, at, line.intent or "—", confidence])
    return "\ufeff" + out.getvalue()
