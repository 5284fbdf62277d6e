"""Bearer tokens and roles of the ticket API, all from the environment (no defaults in code).

- ``BACKEND_SERVICE_TOKEN``: the action server (role ``service``): files tickets, reads them by number.
- ``AGENT_TOKENS``: hotline agents (role ``agent``), comma-separated ``name:token`` pairs; a bare
  token (as ``make env-file`` generates) is one agent named ``agent``.
- ``DEPARTMENT_TOKENS``: departments (role ``department``), comma-separated ``department_id:token``;
  a department sees and moves only the tickets transferred to it.

Tokens are compared as SHA-256 digests with :func:`hmac.compare_digest`, against every
configured token without stopping at the first match, so timing reveals neither the
token nor which role it belongs to. With no token configured the endpoints answer 503.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from app.api.deps import SettingsDep
from app.core.config import secret, token_items
from app.services.tickets.access import Principal
from app.services.tickets.states import Role

NOT_CONFIGURED = "未配置工单接口口令（BACKEND_SERVICE_TOKEN、AGENT_TOKENS、DEPARTMENT_TOKENS），工单接口已停用"


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


@lru_cache(maxsize=16)
def token_table(
    service_token: str | None, agent_tokens: str | None, department_tokens: str | None
) -> tuple[tuple[bytes, Principal], ...]:
    table: list[tuple[bytes, Principal]] = []
    if service_token:
        table.append((_digest(service_token), Principal(role="service", name="service")))
    for name, token in token_items(agent_tokens):
        table.append((_digest(token), Principal(role="agent", name=f"agent:{name or 'agent'}")))
    for department, token in token_items(department_tokens):
        if department:
            principal = Principal(role="department", name=f"department:{department}", department_id=department)
            table.append((_digest(token), principal))
    if len({digest for digest, _ in table}) != len(table):
        raise ValueError("duplicate token")
    return tuple(table)


def authenticate(settings: SettingsDep, authorization: Annotated[str | None, Header()] = None) -> Principal:
    try:
        table = token_table(
            secret(settings.backend_service_token), secret(settings.agent_tokens), secret(settings.department_tokens)
        )
    except ValueError:
        raise HTTPException(status_code=503, detail="口令配置有误：同一口令配置给了多个身份") from None
    if not table:
        raise HTTPException(status_code=503, detail=NOT_CONFIGURED)
    scheme, _, supplied = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not supplied.strip():
        raise HTTPException(
            status_code=401, detail="需要身份令牌（Authorization: Bearer …）", headers={"WWW-Authenticate": "Bearer"}
        )
    digest = _digest(supplied.strip())
    found: Principal | None = None
    for candidate, principal in table:
        if hmac.compare_digest(candidate, digest) and found is None:
            found = principal
    if found is None:
        raise HTTPException(status_code=401, detail="身份令牌无效", headers={"WWW-Authenticate": "Bearer"})
    return found


ROLE_NAMES = {"service": "对话机器人", "agent": "坐席", "department": "承办部门"}


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency admitting only the given roles (403 for the others)."""

    def dependency(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if principal.role not in roles:
            raise HTTPException(status_code=403, detail=f"{ROLE_NAMES[principal.role]}身份无权使用此接口")
        return principal

    return dependency


def lookup_client(settings: SettingsDep, request: Request, authorization: str | None, client_id: str | None) -> str:
    """Who is looking a ticket up, for its rate limits: the chat conversation the action server
    names (only with the service token), else the caller's IP address."""
    service_token = secret(settings.backend_service_token)
    scheme, _, supplied = (authorization or "").strip().partition(" ")
    trusted = bool(client_id and service_token and scheme.lower() == "bearer")
    if trusted and hmac.compare_digest(_digest(supplied.strip()), _digest(service_token or "")):
        return f"chat:{client_id}"
    return f"ip:{request.client.host if request.client else 'unknown'}"
