"""Ticket numbers, who acts on a ticket and what they may see, and the public lookup."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.knowledge.deployment import service_info
from app.models.tickets import Ticket
from app.repositories import tickets as repo
from app.services.identifiers import masked_logger
from app.services.lookup_limits import LookupLimiter
from app.services.tickets.errors import NOT_FOUND_MESSAGE, LookupRateLimited, TicketNotFound
from app.services.tickets.states import Role

log = masked_logger("backend.tickets")

NUMBER_PREFIX = "QY"
NUMBER_PATTERN = re.compile(r"QY\d{12,13}")
REFERENCE_PATTERN = re.compile(r"CX[2-9A-HJ-NP-Z]{8}")
"""查询码 of an appeal the chat queued (``actions/appeal/delivery.py`` makes them)."""


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


def visible_ticket(session: Session, principal: Principal, number: str, *, for_update: bool = False) -> Ticket:
    number = number.strip().upper()
    ticket = None
    if NUMBER_PATTERN.fullmatch(number):
        ticket = repo.by_number_for_update(session, number) if for_update else repo.by_number(session, number)
    if ticket is None or not principal.can_see(ticket):
        raise TicketNotFound(f"没有找到诉求编号为“{number[:32]}”的工单")
    return ticket


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
