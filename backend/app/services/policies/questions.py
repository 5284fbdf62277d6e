"""Which unknown field to ask next: the one whose answer changes the most candidate outcomes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from app.knowledge.policy_schema import (
    PROFILE_FIELDS,
    SERVICE_REGION,
    SMALL_LOW_PROFIT_LIMITS,
    Criteria,
    FieldSpec,
    Policy,
)
from app.services.policies.conditions import Condition
from app.services.policies.profile import DERIVED_FROM, OTHER_INDUSTRY, derive
from app.services.policies.regions import OTHER_REGION
from app.services.policies.results import PolicyMatch, QuestionSuggestion


def _relevant(unknown: Iterable[str]) -> list[str]:
    """Unknown fields plus the fields that would derive them."""
    out: list[str] = []
    for field_id in unknown:
        out += [field_id, *DERIVED_FROM.get(field_id, ())]
    return list(dict.fromkeys(out))


def _numbers(field_id: str, candidates: list[PolicyMatch]) -> list[float]:
    bounds: set[float] = set()

    def walk(criteria: Criteria) -> None:
        if field_id in criteria.thresholds:
            bounds.update(criteria.thresholds[field_id].bounds())
        for alternative in criteria.any_of:
            walk(alternative)

    for match in candidates:
        walk(match.policy.criteria)
        if field_id in SMALL_LOW_PROFIT_LIMITS and "small_low_profit" in match.unknown_fields:
            bounds.add(SMALL_LOW_PROFIT_LIMITS[field_id])
    return sorted(bounds)


def _domain(
    spec: FieldSpec, candidates: list[PolicyMatch], industry_names: Mapping[str, str]
) -> tuple[list[Any], list[tuple[Any, str]], list[float]]:
    """Answers to simulate, the options to offer, and (numbers) the thresholds."""
    if spec.kind == "number":
        bounds = _numbers(spec.id, candidates)
        points: set[float] = set()
        for n, b in enumerate(bounds):
            points.add(b)
            if b >= 1:
                points.add(b - 1)
            if n + 1 < len(bounds):
                points.add((b + bounds[n + 1]) / 2)
        if bounds:
            points.add(bounds[-1] + 1)
        return sorted(p for p in points if p >= 0), [], bounds
    if spec.kind == "industry":
        options: list[tuple[Any, str]] = [*industry_names.items(), (OTHER_INDUSTRY, "其他行业")]
        return [v for v, _ in options], options, []
    if spec.kind == "region":
        options = [(SERVICE_REGION, SERVICE_REGION), (OTHER_REGION, OTHER_REGION)]
        return [v for v, _ in options], options, []
    options = list(spec.options)
    return [v for v, _ in options], options, []


def suggest_questions(
    candidates: list[PolicyMatch],
    profile: Mapping[str, Any],
    industry_names: Mapping[str, str],
    conditions: Callable[[Policy], list[Condition]],
    limit: int = 5,
) -> list[QuestionSuggestion]:
    """Unknown fields ranked by how many candidate outcomes their answer would change."""
    fields = list(dict.fromkeys(f for m in candidates for f in _relevant(m.unknown_fields)))
    ranked: list[tuple[tuple[int, float, int], QuestionSuggestion]] = []
    order = {f: n for n, f in enumerate(PROFILE_FIELDS)}
    for field_id in fields:
        spec = PROFILE_FIELDS[field_id]
        answers, options, thresholds = _domain(spec, candidates, industry_names)
        if not answers:
            continue
        affected: list[str] = []
        decided = 0.0
        for match in candidates:
            if field_id not in _relevant(match.unknown_fields):
                continue
            outcomes = []
            for answer in answers:
                values, _ = derive({**profile, field_id: answer})
                statuses = [c.check(values) for c in conditions(match.policy)]
                outcome = "excluded" if "not_met" in statuses else "open" if "unknown" in statuses else "eligible"
                outcomes.append(outcome)
                decided += outcome != "open"
            if len(set(outcomes)) > 1:
                affected.append(match.policy.id)
        if not affected:
            continue
        suggestion = QuestionSuggestion(spec, options, thresholds, len(affected), affected)
        ranked.append(((-len(affected), -decided / len(answers), order[field_id]), suggestion))
    ranked.sort(key=lambda item: item[0])
    return [s for _, s in ranked[:limit]]
