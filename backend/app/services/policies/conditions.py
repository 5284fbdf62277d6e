"""A policy's machine criteria compiled into conditions, each checked to met, not_met or unknown."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from app.knowledge.policy_schema import PROFILE_FIELDS, Criteria, FieldSpec, Range

Status = Literal["met", "not_met", "unknown"]
SMALL_MICRO = ("微型", "小型")
"""The scales the answer 小微 stands for."""


@dataclass(frozen=True)
class Condition:
    """One machine condition of a policy, compiled once."""

    key: str
    fields: tuple[str, ...]
    text: str
    check: Callable[[Mapping[str, Any]], Status]
    alternatives: tuple[tuple[Condition, ...], ...] = ()


def _combine(statuses: Iterable[Status]) -> Status:
    found = set(statuses)
    if "not_met" in found:
        return "not_met"
    return "unknown" if "unknown" in found else "met"


def _one_of(field_id: str, allowed: Iterable[Any]) -> Callable[[Mapping[str, Any]], Status]:
    allowed = frozenset(allowed)

    def check(values: Mapping[str, Any]) -> Status:
        if field_id not in values:
            return "unknown"
        return "met" if values[field_id] in allowed else "not_met"

    return check


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _range_text(spec: FieldSpec, bounds: Range) -> str:
    unit = spec.unit
    n = _number_text
    low = (bounds.gt, "超过") if bounds.gt is not None else (bounds.gte, "不低于")
    high = (bounds.lt, "低于") if bounds.lt is not None else (bounds.lte, "不超过")
    if low[0] is not None and high[0] is not None:
        return f"{spec.label}{low[1]}{n(low[0])}{unit}且{high[1]}{n(high[0])}{unit}"
    if low[0] is not None:
        return f"{spec.label}{low[1]}{n(low[0])}{unit}"
    assert high[0] is not None
    return f"{spec.label}{high[1]}{n(high[0])}{unit}"


class ConditionCompiler:
    def __init__(self, industry_names: Mapping[str, str]) -> None:
        self.industry_names = industry_names

    def compile(self, criteria: Criteria, prefix: str = "") -> list[Condition]:
        out: list[Condition] = []
        if criteria.entity_types:
            out.append(
                Condition(
                    f"{prefix}entity_types",
                    ("entity_type",),
                    f"市场主体为{'或'.join(criteria.entity_types)}",
                    _one_of("entity_type", criteria.entity_types),
                )
            )
        if criteria.scales:
            out.append(self._scales(criteria.scales, prefix))
        if criteria.small_low_profit is not None:
            wanted = criteria.small_low_profit
            out.append(
                Condition(
                    f"{prefix}small_low_profit",
                    ("small_low_profit",),
                    "属于小型微利企业" if wanted else "不属于小型微利企业",
                    _one_of("small_low_profit", [wanted]),
                )
            )
        if criteria.taxpayer_types:
            out.append(
                Condition(
                    f"{prefix}taxpayer_types",
                    ("taxpayer_type",),
                    f"为增值税{'或'.join(criteria.taxpayer_types)}",
                    _one_of("taxpayer_type", criteria.taxpayer_types),
                )
            )
        if criteria.industries:
            names = "、".join(self.industry_names.get(i, i) for i in criteria.industries)
            out.append(
                Condition(
                    f"{prefix}industries",
                    ("industry",),
                    f"所属行业为{names}" if len(criteria.industries) == 1 else f"所属行业为以下之一：{names}",
                    _one_of("industry", criteria.industries),
                )
            )
        if criteria.excluded_industries:
            names = "、".join(self.industry_names.get(i, i) for i in criteria.excluded_industries)
            excluded = frozenset(criteria.excluded_industries)

            def not_excluded(values: Mapping[str, Any]) -> Status:
                if "industry" not in values:
                    return "unknown"
                return "not_met" if values["industry"] in excluded else "met"

            out.append(
                Condition(f"{prefix}excluded_industries", ("industry",), f"不属于以下行业：{names}", not_excluded)
            )
        if criteria.industrial is not None:
            out.append(
                Condition(
                    f"{prefix}industrial",
                    ("industrial",),
                    "属于工业（制造业）企业" if criteria.industrial else "不属于工业（制造业）企业",
                    _one_of("industrial", [criteria.industrial]),
                )
            )
        for field_id, bounds in criteria.thresholds.items():
            out.append(self._threshold(field_id, bounds, prefix))
        if criteria.certifications_any:
            out.append(self._certifications(criteria.certifications_any, prefix))
        if criteria.tax_credit_levels:
            levels = "、".join(criteria.tax_credit_levels)
            out.append(
                Condition(
                    f"{prefix}tax_credit_levels",
                    ("tax_credit_level",),
                    f"纳税信用等级为{levels}级",
                    _one_of("tax_credit_level", criteria.tax_credit_levels),
                )
            )
        for flag, wanted in criteria.flags.items():
            statement = PROFILE_FIELDS[flag].statement
            out.append(
                Condition(
                    f"{prefix}flags.{flag}",
                    (flag,),
                    statement if wanted else f"不属于：{statement}",
                    _one_of(flag, [wanted]),
                )
            )
        if criteria.any_of:
            out.append(self._any_of(criteria.any_of, prefix))
        return out

    def _scales(self, scales: Sequence[str], prefix: str) -> Condition:
        allowed = frozenset(scales)

        def check(values: Mapping[str, Any]) -> Status:
            scale = values.get("scale")
            if scale is None:
                return "unknown"
            if scale == "小微":
                inside = [s in allowed for s in SMALL_MICRO]
                return "met" if all(inside) else "not_met" if not any(inside) else "unknown"
            return "met" if scale in allowed else "not_met"

        names = [f"{s}企业" for s in scales]
        text = "企业规模为" + ("或".join(names) if len(names) <= 2 else "、".join(names[:-1]) + "或" + names[-1])
        return Condition(f"{prefix}scales", ("scale",), text, check)

    def _threshold(self, field_id: str, bounds: Range, prefix: str) -> Condition:
        spec = PROFILE_FIELDS[field_id]

        def check(values: Mapping[str, Any]) -> Status:
            if field_id not in values:
                return "unknown"
            return "met" if bounds.contains(float(values[field_id])) else "not_met"

        return Condition(f"{prefix}thresholds.{field_id}", (field_id,), _range_text(spec, bounds), check)

    def _certifications(self, names: Sequence[str], prefix: str) -> Condition:
        fields = tuple(f"certifications.{name}" for name in names)

        def check(values: Mapping[str, Any]) -> Status:
            held = [values.get(f) for f in fields]
            if any(h is True for h in held):
                return "met"
            return "not_met" if all(h is False for h in held) else "unknown"

        text = f"具有{names[0]}资格" if len(names) == 1 else f"具有以下资格之一：{'、'.join(names)}"
        return Condition(f"{prefix}certifications_any", fields, text, check)

    def _any_of(self, alternatives: list[Criteria], prefix: str) -> Condition:
        compiled = tuple(tuple(self.compile(alt, f"{prefix}any_of.{n}.")) for n, alt in enumerate(alternatives))
        circled = "①②③④⑤⑥⑦⑧⑨⑩"
        texts = [
            f"{circled[n] if n < len(circled) else n + 1}{'且'.join(c.text for c in alt)}"
            for n, alt in enumerate(compiled)
        ]
        fields = tuple(dict.fromkeys(f for alt in compiled for c in alt for f in c.fields))

        def check(values: Mapping[str, Any]) -> Status:
            statuses = [_combine(c.check(values) for c in alt) for alt in compiled]
            if "met" in statuses:
                return "met"
            return "not_met" if all(s == "not_met" for s in statuses) else "unknown"

        return Condition(f"{prefix}any_of", fields, "满足以下情形之一：" + "；".join(texts), check, compiled)
