"""Bodies of the dead-letter API: appeals the ticket API refused as invalid, for staff to fix."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

IdempotencyKey = Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{1,128}$")]


class DeadLetterIn(BaseModel):
    """What the outbox hands over when a delivery is refused with 400/422."""

    model_config = ConfigDict(extra="forbid")

    idempotency_key: IdempotencyKey
    reference: Annotated[str, StringConstraints(max_length=16)] | None = None
    payload: dict[str, Any] = Field(description="The ticket request exactly as it was delivered")
    status_code: int = Field(ge=400, le=499)
    detail: Any = None
    """The refusal as the ticket API gave it (kept when the backend cannot explain it better)."""


class DeadLetterOut(BaseModel):
    id: int
    reference: str | None
    state: str
    state_label: str
    status_code: int
    problems: list[str]
    """Why it was refused, in Chinese."""
    payload: dict[str, Any]
    personal_data_masked: bool
    ticket_number: str | None
    created_at: datetime
    resubmitted_at: datetime | None
    resubmitted_by: str | None


class DeadLetterList(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[DeadLetterOut]


class ResubmitIn(BaseModel):
    """Corrections to the request (any field of a ticket; ``null`` clears an optional one)."""

    model_config = ConfigDict(extra="forbid")

    corrections: dict[str, Any] = Field(default_factory=dict)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
