"""The Chinese explanation of each verdict: which facts met, failed or are still unknown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.knowledge.policy_schema import PROFILE_FIELDS
from app.services.policies.conditions import Condition, Status, _combine, _number_text
from app.services.policies.profile import OTHER_INDUSTRY
from app.services.policies.results import Verdict


def display_value(field_id: str, value: Any, industry_names: Mapping[str, str]) -> str:
    spec = PROFILE_FIELDS[field_id]
    if spec.kind == "number":
        return f"{_number_text(value)}{spec.unit}"
    if spec.kind == "boolean":
        return "是" if value else "否"
    if spec.kind == "industry":
        return "其他行业" if value == OTHER_INDUSTRY else industry_names.get(value, str(value))
    if field_id == "scale":
        return "小微（小型或微型）" if value == "小微" else f"{value}企业"
    if field_id == "tax_credit_level":
        return f"{value}级"
    return str(value)


def _missing(fields: Iterable[str], values: Mapping[str, Any]) -> str:
    """What is still to be learned, in words: 是否开展研发活动、从业人数."""
    parts = []
    for field_id in fields:
        if field_id in values:
            continue
        spec = PROFILE_FIELDS[field_id]
        parts.append(f"是否{spec.statement}" if spec.kind == "boolean" else spec.label)
    return "、".join(parts) or "相关情况"


def verdict_for(
    condition: Condition, values: Mapping[str, Any], notes: Mapping[str, str], industry_names: Mapping[str, str]
) -> Verdict:
    status = condition.check(values)
    return Verdict(
        condition.key,
        condition.fields,
        condition.text,
        status,
        _explain(condition, status, values, notes, industry_names),
    )


def _explain(
    condition: Condition,
    status: Status,
    values: Mapping[str, Any],
    notes: Mapping[str, str],
    industry_names: Mapping[str, str],
) -> str:
    if condition.alternatives:
        if status == "met":
            for alt in condition.alternatives:
                if _combine(c.check(values) for c in alt) == "met":
                    facts = "；".join(_facts(c.fields, values, notes, industry_names) for c in alt)
                    return f"符合：满足“{'且'.join(c.text for c in alt)}”（{facts}）"
        if status == "not_met":
            return (
                "不符合：以上情形均不满足（"
                + "；".join(_facts(condition.fields, values, notes, industry_names, known_only=True))
                + "）"
            )
        return f"尚不确定：还需了解{_missing(condition.fields, values)}"
    if status == "unknown":
        if condition.fields and condition.fields[0] == "scale" and values.get("scale") == "小微":
            return "尚不确定：您答“小微”，还需确认是小型还是微型企业"
        return f"尚不确定：还需了解{_missing(condition.fields, values)}"
    verdict = "符合" if status == "met" else "不符合"
    return f"{verdict}：{_facts(condition.fields, values, notes, industry_names)}"


def _facts(
    fields: Iterable[str],
    values: Mapping[str, Any],
    notes: Mapping[str, str],
    industry_names: Mapping[str, str],
    known_only: bool = False,
) -> str:
    parts = []
    for field_id in fields:
        if field_id not in values:
            if not known_only:
                parts.append(f"{PROFILE_FIELDS[field_id].label}未知")
            continue
        spec = PROFILE_FIELDS[field_id]
        shown = display_value(field_id, values[field_id], industry_names)
        text = f"{spec.label}：{shown}" if spec.kind == "boolean" else f"{spec.label}为{shown}"
        if field_id in notes:
            text += f"（{notes[field_id]}）"
        parts.append(text)
    return "，".join(parts) if parts else "情况未知"
