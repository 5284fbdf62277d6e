"""Response and request bodies of the knowledge and guide API."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field


class SourceOut(BaseModel):
    title: str
    doc_number: str | None
    issuer: str
    articles: str | None
    url: str | None
    superseded: bool
    superseded_by: str | None
    citation: str
    """《标题》（文号）第X条, as printed."""


class ProvenanceOut(BaseModel):
    """政策/设定依据 and 信息核对日期 of a matter or policy (knowledge/README.md, 来源与核对)."""

    sources: list[SourceOut]
    reviewed_on: date
    reviewed_on_text: str
    """信息核对日期 in Chinese (2026年12月1日)."""
    reviewed_by: str
    verification: Literal["official_text", "secondary_source", "unverified"]
    verification_label: str
    caveat: str | None
    """以主管部门最新公布为准, when the basis was not checked against the official text."""
    text: str
    """One line for chat replies: 依据：…。信息核对日期：…（以主管部门最新公布为准）."""


class DepartmentOut(BaseModel):
    id: str
    name: str
    short_name: str
    address: str
    window: str
    phone: str
    hours: str
    online_url: str | None
    is_sample: bool


class IndustryOut(BaseModel):
    id: str
    name: str
    description: str
    lead_department: str
    bundle_id: str


class OptionOut(BaseModel):
    value: str | int | bool
    label: str


class QuestionOut(BaseModel):
    id: str
    text: str
    help: str | None
    type: Literal["choice", "boolean", "number"]
    unit: str | None
    options: list[OptionOut]


class BundleSummary(BaseModel):
    id: str
    name: str
    short_name: str
    industry: str | None
    description: str


class BundleOut(BundleSummary):
    stages: list[str]
    questions: list[QuestionOut]


class CandidateOut(BaseModel):
    bundle: BundleSummary
    score: float
    matched: str


class BundleSearchOut(BaseModel):
    status: Literal["matched", "ambiguous", "unknown", "empty"]
    """matched: one bundle; ambiguous: ask which; unknown: the business is not covered; empty: no business named."""
    candidates: list[CandidateOut]
    topic: str


Answers = dict[str, str | int | float | bool]


class ChoiceIn(BaseModel):
    """An option picked by button: the question and the option's value (as in ``QuestionOut``)."""

    question_id: str = Field(max_length=64)
    value: str | int | float | bool


class AdvanceIn(BaseModel):
    bundle_id: str = Field(max_length=64)
    answers: Answers = Field(default_factory=dict)
    text: str = Field(default="", max_length=10_000)
    pending_question: str | None = Field(default=None, max_length=64)
    choice: ChoiceIn | None = None


class ChangeOut(BaseModel):
    question_id: str
    question: str
    value: Any
    label: str


class AdvanceOut(BaseModel):
    bundle: BundleSummary
    answers: Answers
    changes: list[ChangeOut]
    understood: bool
    next_question: QuestionOut | None
    complete: bool
    checklist_url: str | None


class ChecklistIn(BaseModel):
    bundle_id: str = Field(max_length=64)
    answers: Answers = Field(default_factory=dict)


class MaterialOut(BaseModel):
    id: str
    name: str
    form: str
    copies: int
    source: str
    notes: list[str]
    tolerated_absence: bool
    by_commitment: bool
    exempt_shared: bool
    first_matter: str | None


class MatterOut(BaseModel):
    id: str
    name: str
    stage: str
    department: DepartmentOut
    legal_time_limit: str
    promised_time_limit: str
    fee: str
    online_url: str | None
    basis: str
    notes: str | None
    materials: list[MaterialOut]
    provenance: ProvenanceOut


class SituationOut(BaseModel):
    question: str
    answer: str


class ChecklistOut(BaseModel):
    bundle: BundleSummary
    situation: list[SituationOut]
    complete: bool
    missing_questions: list[str]
    matters: list[MatterOut]
    material_count: int
    notes: list[str]
    url: str
    sample_departments: bool


class ReloadOut(BaseModel):
    changed: bool
    version: int
    summary: str
