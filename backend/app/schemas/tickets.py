"""Request and response bodies of the ticket API (诉求链)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.services.identifiers import normalize_credit_code, normalize_mobile

Channel = Literal["wechat", "web", "hotline"]
Complexity = Literal["simple", "general", "complex"]
Satisfaction = Literal["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
Action = Literal["assign", "start", "extend", "answer", "visit", "close", "reopen"]
EnterpriseName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class TicketCreate(BaseModel):
    """What the bot or an agent files. ``category`` may be an id or a name; omitted, it is inferred."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    sender_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=128)] | None = None
    enterprise_name: EnterpriseName
    credit_code: Annotated[str, StringConstraints(max_length=40)] | None = None
    """统一社会信用代码 (optional): 18 characters, check character per GB 32100-2015."""
    contact_name: PersonName
    mobile: Annotated[str, StringConstraints(max_length=32)]
    category: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    description: Description
    complexity: Complexity | None = None
    """Omitted: the category's default."""
    reference: Annotated[str, StringConstraints(pattern=r"^CX[2-9A-HJ-NP-Z]{8}$")] | None = None
    """查询码 the chat gave the user while the appeal was queued; the status lookup accepts it too."""

    @field_validator("credit_code")
    @classmethod
    def _credit_code(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return normalize_credit_code(value)

    @field_validator("mobile")
    @classmethod
    def _mobile(cls, value: str) -> str:
        return normalize_mobile(value)

    @field_validator("sender_id", "category")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


class Ref(BaseModel):
    id: str
    name: str


class TicketOut(BaseModel):
    number: str
    state: str
    state_label: str
    channel: str
    sender_id: str | None
    enterprise_name: str
    credit_code: str | None
    contact_name: str
    mobile: str
    personal_data_masked: bool
    """True when mobile, credit code and phone numbers in the description are masked for this caller."""
    category: Ref
    description: str
    complexity: str
    complexity_label: str
    department: Ref
    received_on: date
    deadline: date
    time_limit_working_days: int
    calendar_fallback: bool
    """The deadline was counted Monday-Friday: the holiday calendar does not cover its year."""
    working_days_left: int | None
    overdue: bool
    extension_count: int
    extension_reason: str | None
    reopen_count: int
    satisfaction: str | None
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[str]


class TicketList(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[TicketOut]


class TimelineEntry(BaseModel):
    state: str
    state_label: str
    at: datetime


class TicketStatusOut(BaseModel):
    """What the enterprise sees with its ticket number and the last 4 digits of its mobile number."""

    number: str
    state: str
    state_label: str
    category: str
    department: str
    received_on: date
    deadline: date
    overdue: bool
    extension_reason: str | None
    updated_at: datetime
    timeline: list[TimelineEntry]


class EventOut(BaseModel):
    action: str
    action_label: str
    from_state: str | None
    to_state: str
    actor: str
    role: str
    at: datetime
    note: str | None
    reason: str | None
    satisfaction: str | None
    department_id: str | None
    deadline: date | None


class HistoryOut(BaseModel):
    number: str
    events: list[EventOut]


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Action
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None
    """answer: the reply to the enterprise (required); other actions: optional remark."""
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None
    """extend, reopen: required."""
    satisfaction: Satisfaction | None = None
    """visit: required."""
    department_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    """assign: the department (default: the routing of the category)."""
    complexity: Complexity | None = None
    """assign: reclassify; the deadline is recounted from the day of receipt."""
    new_deadline: date | None = None
    working_days: int | None = Field(default=None, ge=1, le=30)
    """extend (one of new_deadline / working_days required), reopen and an unsatisfied visit (optional)."""


class ClassifyIn(BaseModel):
    description: Annotated[str, StringConstraints(max_length=10_000)]


class CategoryOut(BaseModel):
    id: str
    name: str
    description: str
    department: Ref
    default_complexity: str
    general_working_days: int


class CategoryCandidate(BaseModel):
    id: str
    name: str
    score: float
    matched: list[str]


class ClassifyOut(BaseModel):
    status: Literal["matched", "ambiguous", "unknown", "empty"]
    """matched: one clear category; ambiguous: confirm with the user; unknown/empty: 其他."""
    category: CategoryOut
    score: float
    candidates: list[CategoryCandidate]
