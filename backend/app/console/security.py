"""Console sign-in: server sessions, CSRF and the security headers of every console page.

- Sign-in with an agent or department token (``AGENT_TOKENS`` / ``DEPARTMENT_TOKENS``),
  checked by the ticket API's own table (``app.api.auth.token_table``). The chatbot's
  service token cannot sign in.
- The session lives in ``console_sessions``; the cookie holds a random value whose
  SHA-256 is the row id. Cookie: HttpOnly, SameSite=Strict, Secure behind TLS
  (``X-Forwarded-Proto: https``, an https request, or ``CONSOLE_SECURE_COOKIE``), expiry
  ``CONSOLE_SESSION_MINUTES``.
- CSRF: every state change carries the session's token (form field ``csrf`` or header
  ``X-CSRF-Token``), compared in constant time. The sign-in form itself uses a
  double-submit cookie, so a forged sign-in cannot plant a session.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.api.auth import token_table
from app.api.deps import SessionDep, SettingsDep
from app.core.clock import current_time
from app.core.config import Settings, secret
from app.knowledge.appeals import get_appeal_knowledge
from app.knowledge.loader import KnowledgeError
from app.models.console import ConsoleSession
from app.services.tickets.access import Principal
from app.services.tickets.deadlines import as_utc
from app.services.tickets.states import Role

log = logging.getLogger("backend.console")

SESSION_COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SignInRequired(Exception):
    """No valid session: pages redirect to the sign-in form, JSON calls answer 401."""


class CsrfRejected(Exception):
    """A state change without the session's CSRF token (403)."""


class NotAllowed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ConsoleUser:
    principal: Principal
    csrf_token: str
    expires_at: datetime
    department_name: str | None = None

    @property
    def is_agent(self) -> bool:
        return self.principal.role == "agent"

    @property
    def label(self) -> str:
        kind, _, name = self.principal.name.partition(":")
        return f"坐席 {name}" if kind == "agent" else f"承办部门 {self.department_name or name}"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def is_secure(request: Request, settings: Settings) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return settings.console_secure_cookie or forwarded == "https" or request.url.scheme == "https"


def principal_for_token(settings: Settings, token: str) -> Principal | None:
    """The agent or department the token belongs to (every entry compared, constant time)."""
    try:
        table = token_table(
            secret(settings.backend_service_token), secret(settings.agent_tokens), secret(settings.department_tokens)
        )
    except ValueError:
        return None
    digest = hashlib.sha256(token.strip().encode()).digest()
    found: Principal | None = None
    for candidate, principal in table:
        if hmac.compare_digest(candidate, digest) and found is None:
            found = principal
    return found


def start_session(
    session: Session, response: Response, request: Request, settings: Settings, principal: Principal
) -> None:
    now = current_time()
    value = secrets.token_urlsafe(32)
    expires = now + timedelta(minutes=settings.console_session_minutes)
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
    session.add(
        ConsoleSession(
            id=_digest(value),
            principal=principal.name,
            role=principal.role,
            department_id=principal.department_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=expires,
        )
    )
    session.commit()
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=settings.console_session_minutes * 60,
        path="/console",
        httponly=True,
        secure=is_secure(request, settings),
        samesite="strict",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console")
    log.info("console sign-in: %s", principal.name)


def end_session(session: Session, request: Request, response: Response) -> None:
    value = request.cookies.get(SESSION_COOKIE)
    if value:
        session.execute(delete(ConsoleSession).where(ConsoleSession.id == _digest(value)))
        session.commit()
    response.delete_cookie(SESSION_COOKIE, path="/console")


def current_user(request: Request, session: SessionDep, settings: SettingsDep) -> ConsoleUser:
    value = request.cookies.get(SESSION_COOKIE)
    if not value:
        raise SignInRequired()
    row = session.execute(select(ConsoleSession).where(ConsoleSession.id == _digest(value))).scalar_one_or_none()
    if row is None or as_utc(row.expires_at) <= current_time():
        raise SignInRequired()
    role: Role = "agent" if row.role == "agent" else "department"
    principal = Principal(role=role, name=row.principal, department_id=row.department_id)
    name = None
    if row.department_id:
        try:
            name = get_appeal_knowledge(settings.knowledge_dir).department_names.get(row.department_id)
        except KnowledgeError:
            name = None
    return ConsoleUser(principal, row.csrf_token, as_utc(row.expires_at), name)


UserDep = Annotated[ConsoleUser, Depends(current_user)]


def check_csrf(user: ConsoleUser, supplied: str | None) -> None:
    if not supplied or not hmac.compare_digest(supplied.encode(), user.csrf_token.encode()):
        raise CsrfRejected()


async def csrf_checked(request: Request, user: UserDep) -> ConsoleUser:
    """A dependency for every state-changing console route: header or form field ``csrf``."""
    supplied = request.headers.get("x-csrf-token")
    if supplied is None and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = await request.form()
        value = form.get("csrf")
        supplied = value if isinstance(value, str) else None
    check_csrf(user, supplied)
    return user


CsrfUserDep = Annotated[ConsoleUser, Depends(csrf_checked)]


def agent_only(user: ConsoleUser) -> None:
    if not user.is_agent:
        raise NotAllowed("此功能仅限热线坐席使用")


def login_csrf(request: Request) -> str:
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)


def secure_headers(response: Response) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
