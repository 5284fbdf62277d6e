"""What the engine returns: verdicts, matches, deadlines, question suggestions and search hits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from app.knowledge.policy_schema import FieldSpec, Policy
from app.services.policies.conditions import Status
from app.services.policies.profile import Profile

Outcome = Literal["eligible", "near_miss", "pending", "ineligible"]
DeadlineStatus = Literal["申报中", "即将截止", "未开始", "下一申报期", "已截止", "常年受理", "以通知为准"]
"""下一申报期: a yearly window already passed this year and the next one is ahead — the policy is running
(研发费用加计扣除 on 12月1日 waits for 汇算清缴), so it is not 未开始."""
Validity = Literal["有效", "未生效", "已失效"]
LEVEL_ORDER = {"区级": 0, "市级": 1, "国家级": 2}
"""Local policies first: they are the most specific to the enterprise."""
DEADLINE_ORDER = {"即将截止": 0, "申报中": 1, "常年受理": 1, "以通知为准": 2, "下一申报期": 3, "未开始": 3, "已截止": 4}


@dataclass(frozen=True)
class Verdict:
    key: str
    fields: tuple[str, ...]
    condition: str
    status: Status
    explanation: str


@dataclass(frozen=True)
class Deadline:
    status: DeadlineStatus
    text: str
    opens_on: date | None = None
    closes_on: date | None = None
    days_left: int | None = None


@dataclass(frozen=True)
class PolicyMatch:
    policy: Policy
    verdicts: list[Verdict]
    outcome: Outcome
    validity: Validity
    deadline: Deadline

    @property
    def unknown_fields(self) -> list[str]:
        return list(dict.fromkeys(f for v in self.verdicts if v.status == "unknown" for f in v.fields))

    @property
    def failed(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.status == "not_met"]

    @property
    def met_count(self) -> int:
        return sum(v.status == "met" for v in self.verdicts)


@dataclass(frozen=True)
class QuestionSuggestion:
    field: FieldSpec
    options: list[tuple[Any, str]]
    thresholds: list[float]
    """Numbers: the values at which some candidate's answer changes."""
    splits: int
    """How many candidate policies get a different outcome depending on the answer."""
    policies: list[str]


@dataclass(frozen=True)
class MatchResult:
    today: date
    profile: Profile
    derived: dict[str, str]
    matches: list[PolicyMatch]
    near_misses: list[PolicyMatch]
    pending: list[PolicyMatch]
    questions: list[QuestionSuggestion]


@dataclass(frozen=True)
class SearchHit:
    policy: Policy
    score: float
    matched: str
    validity: Validity
    deadline: Deadline


@dataclass(frozen=True)
class PolicySearch:
    status: Literal["matched", "ambiguous", "related", "expired", "unknown", "empty"]
    """matched: the policy asked for; ambiguous: several fit the name; related: only topic words matched;
    expired: only policies no longer in force fit; unknown: nothing fits; empty: nothing was asked."""
    results: list[SearchHit]
    expired: list[SearchHit]
    topic: str


def _outcome(statuses: list[Status]) -> Outcome:
    failed = statuses.count("not_met")
    unknown = statuses.count("unknown")
    if failed == 0 and unknown == 0:
        return "eligible"
    if failed + unknown == 1:
        return "near_miss"
    return "pending" if failed == 0 else "ineligible"
