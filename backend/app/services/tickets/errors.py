"""The errors of the ticket workflow, each with the HTTP status it is answered with."""

from __future__ import annotations


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


class LookupRateLimited(TicketError):
    status_code = 429
