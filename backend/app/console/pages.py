"""Console pages: sign-in, the queue, the ticket page with its actions (server-rendered, no inline script).

Every transition goes through ``app.services.tickets.transitions.transition`` (the state machine,
its roles and its Chinese errors); the page only shows the buttons it allows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from app.api.deps import SessionDep, SettingsDep
from app.api.routes.tickets import ClockDep, KnowledgeDep
from app.console import reports, security
from app.console.security import CsrfUserDep, UserDep
from app.core.clock import CHINA_TZ, china_date
from app.models.tickets import Ticket
from app.services.identifiers import mask_credit_code, mask_mobile, mask_text
from app.services.tickets.access import visible_ticket
from app.services.tickets.deadlines import as_utc, is_overdue, working_days_left
from app.services.tickets.errors import TicketError, TicketInvalid
from app.services.tickets.queues import QueueFilter, list_tickets
from app.services.tickets.states import (
    ACTION_LABELS,
    CHANNEL_LABELS,
    COMPLEXITY_LABELS,
    ROLE_LABELS,
    SATISFACTION_LEVELS,
    STATE_LABELS,
    TRANSITIONS,
)
from app.services.tickets.transitions import TransitionRequest, allowed_actions, transition

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")

DONE_MESSAGES = {
    "assign": "已转办",
    "start": "已开始办理",
    "extend": "已延期",
    "answer": "已反馈",
    "visit": "已记录回访",
    "close": "已销号",
    "reopen": "已重新办理",
}


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(request, f"console/{name}", context, status_code=status_code)
    security.secure_headers(response)
    return response


@router.get("", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    try:
        user = security.current_user(request, session, settings)
    except security.SignInRequired:
        return login_page(request)
    return RedirectResponse("/console/assist" if user.is_agent else "/console/queue", status_code=303)


def login_page(request: Request, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    token = security.login_csrf(request)
    response = render(request, "login.html", {"csrf": token, "error": error}, status_code)
    response.set_cookie(
        security.LOGIN_CSRF_COOKIE, token, max_age=3600, path="/console", httponly=True, samesite="strict"
    )
    return response


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=512)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    expected = request.cookies.get(security.LOGIN_CSRF_COOKIE, "")
    if not expected or not csrf or expected != csrf:
        return login_page(request, "登录表单已过期，请重新输入口令", 403)
    principal = security.principal_for_token(settings, token) if token.strip() else None
    if principal is None or principal.role == "service":
        return login_page(request, "口令无效：请使用坐席口令（AGENT_TOKENS）或承办部门口令（DEPARTMENT_TOKENS）", 401)
    response = RedirectResponse("/console/assist" if principal.role == "agent" else "/console/queue", 303)
    security.start_session(session, response, request, settings, principal)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, user: CsrfUserDep) -> Response:
    response = RedirectResponse("/console", status_code=303)
    security.end_session(session, request, response)
    return response


def _row(ticket: Ticket, knowledge: KnowledgeDep, today: date, masked: bool) -> dict[str, Any]:
    category = knowledge.by_id.get(ticket.category_id, knowledge.fallback)
    return {
        "ticket": ticket,
        "state_label": STATE_LABELS[ticket.state],
        "category": category.name,
        "department": knowledge.department_names.get(ticket.department_id, ticket.department_id),
        "overdue": is_overdue(ticket, today),
        "days_left": working_days_left(ticket, today),
        "mobile": mask_mobile(ticket.mobile) if masked else ticket.mobile,
        "description": mask_text(ticket.description) if masked else ticket.description,
    }


@router.get("/queue", response_class=HTMLResponse)
def queue(
    request: Request,
    session: SessionDep,
    knowledge: KnowledgeDep,
    user: UserDep,
    now: ClockDep,
    state: str = "",
    category: str = "",
    overdue: str = "",
    due_within: str = "",
) -> HTMLResponse:
    today = china_date(now)
    error = None
    due: int | None = None
    if due_within.strip():
        if due_within.strip().isdigit() and int(due_within) <= 30:
            due = int(due_within)
        else:
            error = "“N 个工作日内到期”须为 0 到 30 的整数"
    query = QueueFilter(
        states=[state] if state else [],
        category_id=category or None,
        overdue=overdue == "1",
        due_within_days=due,
    )
    items: list[Ticket] = []
    try:
        _, items = list_tickets(session, user.principal, query, today, 200, 0)
    except TicketError as failure:
        error = failure.message
    items.sort(key=lambda t: (not is_overdue(t, today), t.deadline, t.id))
    masked = user.is_agent
    return render(
        request,
        "queue.html",
        {
            "user": user,
            "rows": [_row(t, knowledge, today, masked) for t in items],
            "states": STATE_LABELS,
            "categories": knowledge.categories,
            "filters": {"state": state, "category": category, "overdue": overdue, "due_within": due_within},
            "error": error,
            "today": today,
        },
    )


def visit_script(ticket: Ticket, knowledge: KnowledgeDep) -> str:
    """The 回访 script read to the enterprise: what they asked, what the department answered, the five levels."""
    answer = next((e.note for e in reversed(ticket.events) if e.action == "answer" and e.note), "（尚未反馈）")
    department = knowledge.department_names.get(ticket.department_id, ticket.department_id)
    summary = ticket.description if len(ticket.description) <= 60 else ticket.description[:60] + "……"
    return (
        f"您好，请问是{ticket.enterprise_name}的{ticket.contact_name}吗？这里是企业诉求专线回访。"
        f"您于{ticket.received_on:%Y年%m月%d日}反映的“{summary}”（工单号 {ticket.number}），"
        f"{department}已答复：“{answer}”。"
        f"请问您对办理结果是否满意？请在非常满意、满意、基本满意、不满意、非常不满意中选一个。"
    )


def ticket_context(
    request: Request, ticket: Ticket, knowledge: KnowledgeDep, user: security.ConsoleUser, today: date
) -> dict[str, Any]:
    masked = not user.principal.sees_personal_data_of(ticket)
    row = _row(ticket, knowledge, today, masked)
    return {
        "user": user,
        **row,
        "credit_code": mask_credit_code(ticket.credit_code) if masked else ticket.credit_code,
        "masked": masked,
        "complexity": COMPLEXITY_LABELS.get(ticket.complexity, ticket.complexity),
        "channel": CHANNEL_LABELS.get(ticket.channel, ticket.channel),
        "events": [
            {
                "event": e,
                "action": ACTION_LABELS.get(e.action, e.action),
                "to_state": STATE_LABELS.get(e.to_state, e.to_state),
                "at": as_utc(e.at).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
                "actor": e.actor,
                "role": ROLE_LABELS.get(e.role, e.role),
                "department": knowledge.department_names.get(e.department_id or "", e.department_id or ""),
            }
            for e in ticket.events
        ],
        "allowed": allowed_actions(ticket, user.principal),
        "labels": ACTION_LABELS,
        "satisfaction_levels": SATISFACTION_LEVELS,
        "departments": knowledge.department_names,
        "visit_script": visit_script(ticket, knowledge) if ticket.state == "answered" else None,
        "done": DONE_MESSAGES.get(request.query_params.get("done", "")),
    }


@router.get("/tickets/{number}", response_class=HTMLResponse)
def ticket_page(
    number: str, request: Request, session: SessionDep, knowledge: KnowledgeDep, user: UserDep, now: ClockDep
) -> HTMLResponse:
    try:
        ticket = visible_ticket(session, user.principal, number)
    except TicketError as failure:
        return render(request, "error.html", {"user": user, "message": failure.message}, failure.status_code)
    return render(request, "ticket.html", ticket_context(request, ticket, knowledge, user, china_date(now)))


class _Form:
    def __init__(
        self,
        action: Annotated[str, Form(max_length=16)],
        note: Annotated[str, Form(max_length=4000)] = "",
        reason: Annotated[str, Form(max_length=2000)] = "",
        satisfaction: Annotated[str, Form(max_length=16)] = "",
        department_id: Annotated[str, Form(max_length=64)] = "",
        new_deadline: Annotated[str, Form(max_length=10)] = "",
    ) -> None:
        self.action, self.note, self.reason = action, note, reason
        self.satisfaction, self.department_id, self.new_deadline = satisfaction, department_id, new_deadline


@router.post("/tickets/{number}/actions", response_class=HTMLResponse)
def act(
    number: str,
    request: Request,
    session: SessionDep,
    knowledge: KnowledgeDep,
    user: CsrfUserDep,
    now: ClockDep,
    form: Annotated[_Form, Depends()],
) -> Response:
    try:
        if form.action not in TRANSITIONS:
            raise TicketInvalid(f"没有“{form.action[:16]}”这个操作")
        deadline = None
        if form.new_deadline.strip():
            try:
                deadline = date.fromisoformat(form.new_deadline.strip())
            except ValueError:
                raise TicketInvalid("新的办结期限须为日期（例如 2026-12-31）") from None
        request_ = TransitionRequest(
            action=form.action,  # type: ignore[arg-type]
            note=form.note or None,
            reason=form.reason or None,
            satisfaction=form.satisfaction or None,
            department_id=form.department_id or None,
            new_deadline=deadline,
        )
        transition(session, knowledge, user.principal, number, request_, now)
    except TicketError as failure:
        session.rollback()
        try:
            ticket = visible_ticket(session, user.principal, number)
        except TicketError:
            return render(request, "error.html", {"user": user, "message": failure.message}, failure.status_code)
        context = ticket_context(request, ticket, knowledge, user, china_date(now))
        context["error"] = failure.message
        return render(request, "ticket.html", context, failure.status_code)
    query = urlencode({"done": form.action})
    return RedirectResponse(f"/console/tickets/{number.strip().upper()}?{query}", status_code=303)


def _period(start: str, end: str, today: date) -> tuple[date, date, str | None]:
    try:
        first = date.fromisoformat(start) if start else today.replace(day=1)
        last = date.fromisoformat(end) if end else today
    except ValueError:
        return today.replace(day=1), today, "日期格式须为 2026-12-01"
    if first > last:
        return last, first, "开始日期晚于结束日期，已对调"
    return first, last, None


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    session: SessionDep,
    knowledge: KnowledgeDep,
    user: UserDep,
    now: ClockDep,
    start: str = "",
    end: str = "",
) -> HTMLResponse:
    security.agent_only(user)
    today = china_date(now)
    first, last, error = _period(start, end, today)
    report = reports.build(session, knowledge, first, last, today)
    return render(
        request,
        "reports.html",
        {"user": user, "report": report, "error": error, "levels": SATISFACTION_LEVELS},
    )


@router.get("/reports.csv")
def reports_csv(
    session: SessionDep, knowledge: KnowledgeDep, user: UserDep, now: ClockDep, start: str = "", end: str = ""
) -> Response:
    security.agent_only(user)
    today = china_date(now)
    first, last, _ = _period(start, end, today)
    body = reports.to_csv(reports.build(session, knowledge, first, last, today))
    filename = f"console-report-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
