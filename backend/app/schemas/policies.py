"""Request and response bodies of the policy API (政策链 / 政策计算器)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.schemas.knowledge import DepartmentOut, ProvenanceOut

Verdict = Literal["met", "not_met", "unknown"]
DateText = Field(default=None, max_length=10, description="YYYY-MM-DD；不填为服务器当天")


class MatchIn(BaseModel):
    profile: dict[str, Any] = Field(default_factory=dict, description="企业画像，任何字段都可以缺省")
    today: str | None = DateText
    theme: str | None = Field(default=None, max_length=32, description="政策主题（附件1），如 降低融资成本")
    level: str | None = Field(default=None, max_length=8, description="发文层级：国家级、市级、区级")
    stage: str | None = Field(default=None, max_length=64, description="生命周期阶段 id，如 employment")
    question_limit: int = Field(default=5, ge=0, le=20)


class PushIn(BaseModel):
    profile: dict[str, Any] = Field(default_factory=dict)
    since: str = Field(max_length=10, description="YYYY-MM-DD：推送此日以来施行的政策")
    today: str | None = DateText


class DeadlineOut(BaseModel):
    status: Literal["申报中", "即将截止", "未开始", "下一申报期", "已截止", "常年受理", "以通知为准"]
    text: str
    opens_on: date | None
    closes_on: date | None
    days_left: int | None


class PolicySummaryOut(BaseModel):
    id: str
    name: str
    short_name: str | None
    level: str
    theme: str
    region: str
    summary: str
    document_number: str | None
    issuer: str
    validity: Literal["有效", "未生效", "已失效"]
    deadline: DeadlineOut
    no_application: bool
    """免申即享."""
    badges: list[str]
    guide_url: str
    provenance: ProvenanceOut
    """政策依据 (文号 + link) and 信息核对日期."""


class ConditionOut(BaseModel):
    key: str
    fields: list[str]
    condition: str
    verdict: Verdict
    explanation: str


class PolicyMatchOut(PolicySummaryOut):
    outcome: Literal["eligible", "near_miss", "pending", "ineligible"]
    support: str
    conditions: list[ConditionOut]
    missing: list[str]
    """Profile fields still unknown for this policy."""
    missing_labels: list[str]
    """The same fields by their Chinese labels, for showing to users (never the field ids)."""
    manual_checks: list[str]
    """Conditions the department checks; not evaluated."""


class OptionOut(BaseModel):
    value: str | int | float | bool
    label: str


class QuestionOut(BaseModel):
    field: str
    label: str
    question: str
    help: str | None
    type: Literal["choice", "boolean", "number", "industry", "region"]
    unit: str | None
    options: list[OptionOut]
    thresholds: list[float]
    """Numbers: the values at which the answer changes some policy's outcome."""
    splits: int
    """How many candidate policies the answer decides."""
    policies: list[str]


class MatchOut(BaseModel):
    today: date
    profile: dict[str, Any]
    assumptions: list[str]
    """Facts derived from the profile (e.g. 个体工商户不适用小型微利企业政策)."""
    matches: list[PolicyMatchOut]
    near_misses: list[PolicyMatchOut]
    pending: list[PolicyMatchOut]
    questions: list[QuestionOut]


class PushOut(BaseModel):
    since: date
    today: date
    matches: list[PolicyMatchOut]
    near_misses: list[PolicyMatchOut]


class SearchHitOut(BaseModel):
    policy: PolicySummaryOut
    score: float
    matched: str


class SearchOut(BaseModel):
    status: Literal["matched", "ambiguous", "related", "expired", "unknown", "empty"]
    topic: str
    results: list[SearchHitOut]
    """Policies in force (and not yet in force), best first."""
    expired: list[SearchHitOut]
    """已失效 policies whose name or 文号 was asked for: never offered as current."""


class GuideOut(PolicySummaryOut):
    """The full 惠企政策申报指南 (附件2)."""

    aliases: list[str]
    document: str
    eligibility: str
    support: str
    support_items: list[str]
    choose_one: bool
    materials: list[str]
    application_period: str
    channel: str
    procedure: list[str]
    authority: str
    department: DepartmentOut | None
    phone: str
    effective_from: date | None
    effective_to: date | None
    apply_from: date | None
    apply_to: date | None
    conditions: list[str]
    """The conditions the policy calculator checks, in words."""
    manual_checks: list[str]
    stages: list[str]
    notes: str | None


class FieldOut(BaseModel):
    id: str
    label: str
    type: Literal["choice", "boolean", "number", "industry", "region"]
    question: str
    help: str | None
    unit: str | None
    options: list[OptionOut]
