"""政策计算器: match an enterprise profile against the reviewed policies.

A profile is a flat mapping of the fields of :data:`PROFILE_FIELDS` (any of them
may be unknown: a conversation fills it in one answer at a time). Each machine
condition of a policy gets a verdict — met, not_met or unknown — with a Chinese
explanation, so the user sees *why* a policy is or is not for them:

- eligible: every condition met;
- near miss: exactly one condition not met or unknown (all others met);
- pending: nothing fails yet, but two or more conditions are unknown.

Which question to ask next is decided by simulation: for every unknown field the
engine tries each possible answer and counts the candidate policies whose
outcome changes; the field that changes the most outcomes is asked first, so the
bot never asks something that cannot change the answer.

Validity is decided by the ``today`` argument (tests freeze it): a policy whose
``effective_to`` has passed is 已失效 and is never offered as current — it only
appears in the separate expired list of a search by name or 文号.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import jieba
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from app.knowledge.policy_schema import (
    CERTIFICATIONS,
    NATIONWIDE,
    PROFILE_FIELDS,
    SERVICE_REGION,
    SMALL_LOW_PROFIT_LIMITS,
    Criteria,
    FieldSpec,
    Policy,
    Range,
)
from app.knowledge.schema import KnowledgeBase
from app.services.matching import AMBIGUOUS_GAP, FUZZY_FLOOR, LIKELY, core
from app.services.text import chinese_to_number, normalize

Status = Literal["met", "not_met", "unknown"]
Outcome = Literal["eligible", "near_miss", "pending", "ineligible"]
DeadlineStatus = Literal["申报中", "即将截止", "未开始", "下一申报期", "已截止", "常年受理", "以通知为准"]
"""下一申报期: a yearly window already passed this year and the next one is ahead — the policy is running
(研发费用加计扣除 on 12月1日 waits for 汇算清缴), so it is not 未开始."""
Validity = Literal["有效", "未生效", "已失效"]
Profile = dict[str, Any]
"""Canonical profile: field id → value; certifications as ``certifications.<名称>: bool``."""

CLOSING_SOON_DAYS = 15
OTHER_INDUSTRY = "other"
"""Industry answer for a business outside the 15 industries of industries.yml."""
OTHER_REGION = "其他地区"
MAX_NUMBER = 1e12
PERCENT_FIELDS = frozenset({"rd_ratio", "layoff_rate", "key_group_hire_ratio"})
LEVEL_ORDER = {"区级": 0, "市级": 1, "国家级": 2}
"""Local policies first: they are the most specific to the enterprise."""
TYPO_SCORE = 90.0
"""A name typed with one wrong, missing or extra character (稳岗反还, 六说两费)."""
SHORT_TYPO_SCORE = 78.0
"""A three-character name with one wrong character: listed, but asked back (did you mean…)."""
_PUNCTUATION = re.compile(r"[\s,，。.!！?？、:：;；~～\-—()（）\[\]【】\"'“”‘’《》<>/]+")
DEADLINE_ORDER = {"即将截止": 0, "申报中": 1, "常年受理": 1, "以通知为准": 2, "下一申报期": 3, "未开始": 3, "已截止": 4}

_CHOICE_ALIASES: dict[str, dict[str, str]] = {
    "entity_type": {
        "个体工商户": "个体工商户",
        "个体户": "个体工商户",
        "个体": "个体工商户",
        "个体经营": "个体工商户",
        "individual": "个体工商户",
        "企业": "企业",
        "公司": "企业",
        "有限公司": "企业",
        "有限责任公司": "企业",
        "股份有限公司": "企业",
        "合伙企业": "企业",
        "个人独资企业": "企业",
        "company": "企业",
        "enterprise": "企业",
    },
    "scale": {
        "微型": "微型",
        "微型企业": "微型",
        "微企": "微型",
        "micro": "微型",
        "小型": "小型",
        "小型企业": "小型",
        "small": "小型",
        "小微": "小微",
        "小微企业": "小微",
        "小微型": "小微",
        "中型": "中型",
        "中型企业": "中型",
        "medium": "中型",
        "大型": "大型",
        "大型企业": "大型",
        "large": "大型",
    },
    "taxpayer_type": {
        "小规模纳税人": "小规模纳税人",
        "小规模": "小规模纳税人",
        "一般纳税人": "一般纳税人",
        "一般": "一般纳税人",
    },
    "tax_credit_level": {level: level.upper() for level in ("A", "B", "M", "C", "D", "a", "b", "m", "c", "d")},
}
SMALL_MICRO = ("微型", "小型")
"""The scales the answer 小微 stands for."""
_TRUE_WORDS = {"是", "是的", "有", "对", "true", "yes", "y", "1", "已认定", "属于"}
_FALSE_WORDS = {"否", "不是", "没有", "无", "不", "false", "no", "n", "0", "未认定", "不属于"}
_UNIT_SUFFIX = re.compile(r"(万元|元|人|个|名|年|%|％|百分之)$")


class ProfileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


# ---------------------------------------------------------------- the profile


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _parse_number(spec: FieldSpec, raw: Any) -> tuple[float | None, str | None]:
    if isinstance(raw, bool):
        return None, f"{spec.label}须为数字"
    if isinstance(raw, int | float):
        value: float | None = float(raw)
    elif isinstance(raw, str):
        text = normalize(raw).replace(",", "").replace(" ", "")
        text = text.removeprefix("约").removeprefix("大约")
        if text.startswith("百分之"):
            text = text.removeprefix("百分之") + "%"
        text = _UNIT_SUFFIX.sub("", text)
        negative = text.startswith("-") or text.startswith("负")
        value = chinese_to_number(text.lstrip("-负"))
        if value is not None and negative:
            value = -value
    else:
        value = None
    if value is None or value != value:  # NaN
        return None, f"{spec.label}须为数字（单位：{spec.unit}），收到“{str(raw)[:20]}”"
    if value < 0:
        return None, f"{spec.label}不能为负数"
    if spec.id in PERCENT_FIELDS and value > 100:
        return None, f"{spec.label}是百分比，不能超过100"
    if value > MAX_NUMBER:
        return None, f"{spec.label}数值过大"
    return value, None


def _parse_bool(spec: FieldSpec, raw: Any) -> tuple[bool | None, str | None]:
    if isinstance(raw, bool):
        return raw, None
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw), None
    if isinstance(raw, str):
        text = normalize(raw)
        if text in _TRUE_WORDS:
            return True, None
        if text in _FALSE_WORDS:
            return False, None
    return None, f"{spec.label}请回答“是”或“否”"


class ProfileParser:
    """Turns what a channel sends (ids, Chinese words, 繁體, Chinese numerals) into a canonical profile."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.industry_names = {i.id: i.name for i in kb.industries}
        self._industry_words: dict[str, str] = {}
        for industry in kb.industries:
            for word in (industry.id, industry.name, *industry.aliases):
                self._industry_words[normalize(word)] = industry.id
        for word in (OTHER_INDUSTRY, "其他", "其他行业", "其它行业"):
            self._industry_words[normalize(word)] = OTHER_INDUSTRY

    def parse(self, raw: Mapping[str, Any]) -> Profile:
        """The canonical profile; raises :class:`ProfileError` with every problem in Chinese."""
        if not isinstance(raw, Mapping):
            raise ProfileError(["企业画像须为键值对象（JSON object）"])
        profile: Profile = {}
        problems: list[str] = []
        for key, value in raw.items():
            if value is None or value == "":
                continue
            if key == "certifications":
                problems += self._certifications(value, profile)
                continue
            spec = PROFILE_FIELDS.get(str(key))
            if spec is None:
                problems.append(f"未知的画像字段“{str(key)[:40]}”")
                continue
            parsed, problem = self._value(spec, value)
            if problem:
                problems.append(problem)
            elif parsed is not None:
                profile[spec.id] = parsed
        if problems:
            raise ProfileError(problems)
        return profile

    def _certifications(self, value: Any, profile: Profile) -> list[str]:
        items: Iterable[tuple[Any, Any]]
        if isinstance(value, list):
            items = [(name, True) for name in value]
        elif isinstance(value, Mapping):
            items = value.items()
        else:
            return ["certifications 须为资格名称列表，或“资格名称: 是/否”的对象"]
        problems = []
        for name, held in items:
            if held is None or held == "":
                continue
            canonical = _certification_name(str(name))
            if canonical is None:
                problems.append(f"未知的资格“{str(name)[:40]}”，可选：{'、'.join(CERTIFICATIONS)}")
                continue
            spec = PROFILE_FIELDS[f"certifications.{canonical}"]
            parsed, problem = _parse_bool(spec, held)
            if problem:
                problems.append(problem)
            elif parsed is not None:
                profile[spec.id] = parsed
        return problems

    def _value(self, spec: FieldSpec, raw: Any) -> tuple[Any, str | None]:
        if spec.kind == "number":
            return _parse_number(spec, raw)
        if spec.kind == "boolean":
            return _parse_bool(spec, raw)
        if spec.kind == "industry":
            industry = self._industry_words.get(normalize(str(raw)))
            if industry is None:
                choices = "、".join(f"{i}（{n}）" for i, n in self.industry_names.items())
                return None, f"未知的行业“{str(raw)[:40]}”，可选行业编号：{choices}，或 other（其他行业）"
            return industry, None
        if spec.kind == "region":
            text = normalize(str(raw)).replace(" ", "")
            if len(text) > 64:
                return None, "注册地过长（不超过64个字）"
            return expand_region(text), None
        aliases = _CHOICE_ALIASES[spec.id]
        value = aliases.get(normalize(str(raw)).replace(" ", "")) or aliases.get(str(raw).strip())
        if value is None:
            labels = "、".join(str(v) for v, _ in spec.options) + ("、小微" if spec.id == "scale" else "")
            return None, f"{spec.label}“{str(raw)[:20]}”无法识别，可选：{labels}"
        return value, None


def _certification_name(name: str) -> str | None:
    key = normalize(name).replace("“", "").replace("”", "").replace('"', "")
    for canonical in CERTIFICATIONS:
        plain = canonical.replace("“", "").replace("”", "")
        if key in (canonical, plain) or (key == "高新" and canonical == "高新技术企业"):
            return canonical
    if key in ("小巨人", "专精特新小巨人"):
        return "专精特新“小巨人”企业"
    if key in ("专精特新", "专精特新企业"):
        return "专精特新中小企业"
    if key in ("科技型", "科小", "科技型企业"):
        return "科技型中小企业"
    return None


_REGION_PART = re.compile(r".+?(?:自治区|自治州|特别行政区|省|市|州|盟|地区|区|县|旗)")


def region_parts(region: str) -> list[str]:
    """``重庆市黔江区`` → ["重庆", "黔江"]: administrative names without their suffix."""
    parts = _REGION_PART.findall(region) or [region]
    tail = region[sum(len(p) for p in parts) :]
    names = [re.sub(r"(自治区|自治州|特别行政区|省|市|州|盟|地区|区|县|旗)$", "", p) or p for p in parts]
    return [*names, *([tail] if tail else [])]


def expand_region(text: str) -> str:
    """A part of the service region ("黔江", "黔江区") means the service region itself."""
    if text and (text in SERVICE_REGION or set(region_parts(text)) <= set(region_parts(SERVICE_REGION))):
        return SERVICE_REGION
    return text


def region_status(policy_region: str, profile_region: str) -> Status:
    if policy_region == NATIONWIDE:
        return "met"
    if profile_region == OTHER_REGION:
        return "unknown" if policy_region == SERVICE_REGION else "not_met"
    wanted, have = region_parts(policy_region), region_parts(profile_region)
    if wanted[-1] in have:
        return "met"
    if have[-1] in wanted:
        return "unknown"  # the profile names a larger area that contains the policy's
    return "not_met"


def derive(profile: Mapping[str, Any]) -> tuple[Profile, dict[str, str]]:
    """Facts that follow from other answers, with the reason shown to the user."""
    values: Profile = dict(profile)
    notes: dict[str, str] = {}
    if "small_low_profit" not in values:
        if values.get("entity_type") == "个体工商户":
            values["small_low_profit"] = False
            notes["small_low_profit"] = "个体工商户不缴纳企业所得税，不适用小型微利企业政策"
        else:
            over = [PROFILE_FIELDS[k].label for k, limit in SMALL_LOW_PROFIT_LIMITS.items() if values.get(k, 0) > limit]
            if over:
                values["small_low_profit"] = False
                notes["small_low_profit"] = f"{'、'.join(over)}超过小型微利企业标准"
            elif all(k in values for k in SMALL_LOW_PROFIT_LIMITS) and values.get("entity_type") != "个体工商户":
                values["small_low_profit"] = True
                notes["small_low_profit"] = "根据您提供的从业人数、资产总额和应纳税所得额推定"
    if "industrial" not in values and values.get("industry") == "food_manufacturing":
        values["industrial"] = True
        notes["industrial"] = "食品制造属于工业（制造业）"
    giant, specialized = "certifications.专精特新“小巨人”企业", "certifications.专精特新中小企业"
    if values.get(giant) is True and specialized not in values:
        values[specialized] = True
        notes[specialized] = "“小巨人”企业从专精特新中小企业中认定"
    if "region" not in values:
        values["region"] = SERVICE_REGION
        notes["region"] = "未说明注册地，按本平台服务地区判断"
    return values, notes


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


# ---------------------------------------------------------------- conditions


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


DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "small_low_profit": ("entity_type", *SMALL_LOW_PROFIT_LIMITS),
    "industrial": ("industry",),
    "certifications.专精特新中小企业": ("certifications.专精特新“小巨人”企业",),
}
"""Fields whose answer can settle a derived field (see :func:`derive`)."""


def _missing(fields: Iterable[str], values: Mapping[str, Any]) -> str:
    """What is still to be learned, in words: 是否开展研发活动、从业人数."""
    parts = []
    for field_id in fields:
        if field_id in values:
            continue
        spec = PROFILE_FIELDS[field_id]
        parts.append(f"是否{spec.statement}" if spec.kind == "boolean" else spec.label)
    return "、".join(parts) or "相关情况"


def _relevant(unknown: Iterable[str]) -> list[str]:
    """Unknown fields plus the fields that would derive them."""
    out: list[str] = []
    for field_id in unknown:
        out += [field_id, *DERIVED_FROM.get(field_id, ())]
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------- results


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


def _fmt(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _month_day(year: int, value: str) -> date:
    month, day = (int(part) for part in value.split("-"))
    if month == 2 and day == 29:
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)


def validity(policy: Policy, today: date) -> Validity:
    if policy.effective_to is not None and today > policy.effective_to:
        return "已失效"
    if policy.effective_from is not None and today < policy.effective_from:
        return "未生效"
    return "有效"


def _window_deadline(start: date | None, end: date | None, today: date) -> Deadline:
    if start is not None and today < start:
        until = f"至{_fmt(end)}" if end else "起"
        return Deadline("未开始", f"申报期{_fmt(start)}{until}，尚未开始", opens_on=start, closes_on=end)
    if end is None:
        return Deadline("申报中", f"自{_fmt(start)}起受理" if start else "正在受理", opens_on=start)
    if today > end:
        return Deadline("已截止", f"申报期已于{_fmt(end)}截止", opens_on=start, closes_on=end)
    left = (end - today).days
    status: DeadlineStatus = "即将截止" if left <= CLOSING_SOON_DAYS else "申报中"
    text = f"申报截止日期{_fmt(end)}，" + ("今天截止" if left == 0 else f"还剩{left}天")
    return Deadline(status, text, opens_on=start, closes_on=end, days_left=left)


def _annual_deadline(policy: Policy, today: date) -> Deadline:
    """Several yearly windows: 申报中 when any is open (the one open longest leads: the enterprise can still
    apply there), otherwise the next one to open."""
    spans: list[tuple[date, date, str | None]] = []
    for window in policy.annual_windows:
        for year in (today.year, today.year + 1):
            start, end = _month_day(year, window.start), _month_day(year, window.end)
            if end >= today and (policy.effective_to is None or start <= policy.effective_to):
                spans.append((start, end, window.label))
                break
    if not spans:
        assert policy.effective_to is not None
        return Deadline("已截止", f"最后一个申报期已结束，政策将于{_fmt(policy.effective_to)}到期")
    open_now = sorted((s for s in spans if s[0] <= today), key=lambda s: s[1], reverse=True)
    start, end, label = open_now[0] if open_now else min(spans, key=lambda s: s[0])
    found = _window_deadline(start, end, today)
    if found.status == "未开始" and _window_passed(policy, today):
        until = f"{_fmt(start)}至{_fmt(end)}"
        found = Deadline("下一申报期", f"申报期{until}", opens_on=start, closes_on=end)
    if not label:
        return found
    return Deadline(found.status, f"{label}：{found.text}", found.opens_on, found.closes_on, found.days_left)


def _window_passed(policy: Policy, today: date) -> bool:
    """True when some yearly window already ran (in force) in the twelve months before ``today``."""
    for window in policy.annual_windows:
        for year in (today.year - 1, today.year):
            end = _month_day(year, window.end)
            start = _month_day(year, window.start)
            if end < today and (policy.effective_from is None or start >= policy.effective_from):
                return True
    return False


def deadline(policy: Policy, today: date) -> Deadline:
    """申报中 / 即将截止 (≤15 days) / 未开始 / 下一申报期 / 已截止 / 常年受理 / 以通知为准, at ``today``."""
    state = validity(policy, today)
    if state == "已失效":
        assert policy.effective_to is not None
        return Deadline("已截止", f"政策已于{_fmt(policy.effective_to)}到期失效", closes_on=policy.effective_to)
    if state == "未生效":
        assert policy.effective_from is not None
        return Deadline("未开始", f"政策自{_fmt(policy.effective_from)}起施行", opens_on=policy.effective_from)
    if policy.apply_from is not None or policy.apply_to is not None:
        return _window_deadline(policy.apply_from, policy.apply_to, today)
    if policy.annual_windows:
        return _annual_deadline(policy, today)
    if policy.year_round or policy.no_application:
        if policy.effective_to is not None:
            left = (policy.effective_to - today).days
            if left <= CLOSING_SOON_DAYS:
                text = f"政策将于{_fmt(policy.effective_to)}到期，还剩{left}天"
                return Deadline("即将截止", text, closes_on=policy.effective_to, days_left=left)
        text = "免申即享，符合条件自动享受" if policy.no_application else "常年受理"
        return Deadline("常年受理", text, closes_on=policy.effective_to)
    return Deadline("以通知为准", "申报时间以主管部门当年通知为准")


# ---------------------------------------------------------------- search helpers

_DOC_KEY = re.compile(r"[\s〔〕\[\]【】()（）{}<>《》“”\"'、,，.。:：;；·・\-—_/第号]")
_STOPWORDS = frozenset(
    {
        "政策",
        "优惠",
        "企业",
        "我们",
        "什么",
        "哪些",
        "可以",
        "有没有",
        "申报",
        "申请",
        "享受",
        "怎么",
        "这个",
        "一下",
        "惠企",
        "服务",
        "办理",
        "工作",
        "机制",
        "相关",
        "实施",
        "措施",
        "方案",
        "通知",
        "办法",
        "规定",
        "公告",
    }
)
_THEME_WORDS: dict[str, tuple[str, ...]] = {
    "税收优惠": ("税", "税收", "减税", "免税", "纳税", "所得税", "增值税", "退税"),
    "财政支持": ("补贴", "补助", "奖励", "奖补", "资金", "资助", "扶持"),
    "费金减免": ("减免", "收费", "缴费", "免征", "减缴", "缓缴"),
    "降低制度性交易成本": ("采购", "招标", "投标", "注销", "报装", "审批", "便利"),
    "降低人工成本": ("用工", "社保", "招聘", "招人", "稳岗", "就业", "培训", "人才"),
    "降低融资成本": ("融资", "贷款", "贷", "贴息", "担保", "信用贷", "借款", "资金周转"),
}


def _plain(text: str) -> str:
    return _PUNCTUATION.sub("", text)


def _fuzzy(a: str, b: str) -> float:
    """Similarity of two names, 0–100, tolerant to one wrong character.

    A text of three characters is compared whole, never as a window of a longer one:
    two common characters out of three ("有政策" in "…扶持政策") are not a match.
    """
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < 3 or (len(short) == 3 and len(long) > 3):
        return 0.0
    if len(short) == 3:
        return SHORT_TYPO_SCORE if Levenshtein.distance(short, long) <= 1 else 0.0
    score = float(max(fuzz.partial_ratio(short, long), fuzz.ratio(short, long)))
    if score < TYPO_SCORE and _one_typo(short, long):
        score = TYPO_SCORE
    return score


def _one_typo(a: str, b: str) -> bool:
    """The shorter text (4+ characters) is one edit away from a window of the longer one."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < 4:
        return False
    window = fuzz.partial_ratio_alignment(short, long)
    if window is None:
        return False
    return Levenshtein.distance(short, long[window.dest_start : window.dest_end]) <= 1


def _audience(criteria: Criteria) -> set[str]:
    """Words naming who a policy is for ("小微", "个体户"): a search for them finds it."""
    words: set[str] = set()
    scales = set(criteria.scales)
    if scales & {"微型", "小型"}:
        words |= {"小微", "小微企业", "中小企业"}
    if "中型" in scales:
        words |= {"中小企业", "中型企业"}
    if "个体工商户" in criteria.entity_types:
        words |= {"个体户", "个体工商户"}
    if "小规模纳税人" in criteria.taxpayer_types:
        words |= {"小规模", "小规模纳税人"}
    if criteria.small_low_profit:
        words |= {"小型微利", "小微", "小微企业"}
    for name in criteria.certifications_any:
        words |= {name.replace("“", "").replace("”", ""), "高新" if name == "高新技术企业" else name[:4]}
    for alternative in criteria.any_of:
        words |= _audience(alternative)
    return words


def _is_token(word: str) -> bool:
    return (len(word) >= 2 or word in ("税", "贷")) and word not in _STOPWORDS


def _doc_key(text: str) -> str:
    return _DOC_KEY.sub("", normalize(text))


class _Segmenter:
    """One jieba tokenizer per process (loading its dictionary takes about a second).

    jieba keeps its dictionary in a plain dict, so adding words (a knowledge reload)
    and cutting (a search) are serialised; both take microseconds.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokenizer: jieba.Tokenizer | None = None

    def _get(self) -> jieba.Tokenizer:
        if self._tokenizer is None:
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            self._tokenizer = tokenizer
        return self._tokenizer

    def add(self, words: Iterable[str]) -> None:
        with self._lock:
            tokenizer = self._get()
            for word in words:
                if word:
                    tokenizer.add_word(word, freq=2000)

    def cut(self, text: str) -> list[str]:
        with self._lock:
            return list(self._get().lcut_for_search(text))


_SEGMENTER = _Segmenter()


def _phrase(text: str) -> str:
    return normalize(text).replace("“", "").replace("”", "").replace('"', "")


# ---------------------------------------------------------------- the engine


@dataclass
class _Compiled:
    policy: Policy
    conditions: list[Condition]
    phrases: list[tuple[str, str, str]] = field(default_factory=list)
    """(phrase, its core without request words, its plain form without punctuation)."""
    tokens: frozenset[str] = frozenset()
    doc_keys: tuple[tuple[str, str], ...] = ()
    """(normalised 文号, 文号 as written): its own, its sources' and the documents it replaces, so a question
    about 财政部 税务总局公告2023年第19号 finds the policy now resting on 2026年第10号."""


def _document_keys(policy: Policy) -> tuple[tuple[str, str], ...]:
    numbers = [policy.document_number, *(s.doc_number for s in policy.sources), *policy.replaces]
    written = [n for n in dict.fromkeys(numbers) if n and any(ch.isdigit() for ch in n)]
    return tuple((_doc_key(n), n) for n in written if _doc_key(n))


class PolicyEngine:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.parser = ProfileParser(kb)
        self.industry_names = self.parser.industry_names
        self.departments = {d.id: d for d in kb.departments}
        compiler = ConditionCompiler(self.industry_names)
        self._compiled: dict[str, _Compiled] = {}
        for policy in kb.policies:
            names = [policy.name, *([policy.short_name] if policy.short_name else []), *policy.aliases]
            audience = _audience(policy.criteria)
            _SEGMENTER.add([*(_phrase(w) for w in [*names, *policy.keywords]), *audience])
            phrases = [(p, core(p), _plain(p)) for p in dict.fromkeys(_phrase(n) for n in [*names, policy.document])]
            words = {w for n in names for w in _SEGMENTER.cut(_phrase(n))}
            words |= {_phrase(k) for k in policy.keywords} | set(_THEME_WORDS[policy.theme]) | audience
            conditions = compiler.compile(policy.criteria)
            if policy.region != NATIONWIDE:
                region = policy.region

                def in_region(values: Mapping[str, Any], region: str = region) -> Status:
                    return region_status(region, values.get("region", SERVICE_REGION))

                conditions.insert(0, Condition("region", ("region",), f"注册地在{region}", in_region))
            self._compiled[policy.id] = _Compiled(
                policy=policy,
                conditions=conditions,
                phrases=phrases,
                tokens=frozenset(w for w in words if _is_token(w)),
                doc_keys=_document_keys(policy),
            )

    @property
    def policies(self) -> list[Policy]:
        return [c.policy for c in self._compiled.values()]

    def get(self, policy_id: str) -> Policy | None:
        compiled = self._compiled.get(policy_id)
        return None if compiled is None else compiled.policy

    # ---- evaluation

    def parse_profile(self, raw: Mapping[str, Any]) -> Profile:
        return self.parser.parse(raw)

    def conditions(self, policy: Policy) -> list[Condition]:
        return self._compiled[policy.id].conditions

    def evaluate(self, policy: Policy, profile: Mapping[str, Any], today: date) -> PolicyMatch:
        values, notes = derive(profile)
        verdicts = [self._verdict(c, values, notes) for c in self.conditions(policy)]
        return PolicyMatch(
            policy=policy,
            verdicts=verdicts,
            outcome=_outcome([v.status for v in verdicts]),
            validity=validity(policy, today),
            deadline=deadline(policy, today),
        )

    def _verdict(self, condition: Condition, values: Mapping[str, Any], notes: Mapping[str, str]) -> Verdict:
        status = condition.check(values)
        return Verdict(
            condition.key, condition.fields, condition.text, status, self._explain(condition, status, values, notes)
        )

    def _explain(
        self, condition: Condition, status: Status, values: Mapping[str, Any], notes: Mapping[str, str]
    ) -> str:
        if condition.alternatives:
            if status == "met":
                for alt in condition.alternatives:
                    if _combine(c.check(values) for c in alt) == "met":
                        facts = "；".join(self._facts(c.fields, values, notes) for c in alt)
                        return f"符合：满足“{'且'.join(c.text for c in alt)}”（{facts}）"
            if status == "not_met":
                return (
                    "不符合：以上情形均不满足（"
                    + "；".join(self._facts(condition.fields, values, notes, known_only=True))
                    + "）"
                )
            return f"尚不确定：还需了解{_missing(condition.fields, values)}"
        if status == "unknown":
            if condition.fields and condition.fields[0] == "scale" and values.get("scale") == "小微":
                return "尚不确定：您答“小微”，还需确认是小型还是微型企业"
            return f"尚不确定：还需了解{_missing(condition.fields, values)}"
        verdict = "符合" if status == "met" else "不符合"
        return f"{verdict}：{self._facts(condition.fields, values, notes)}"

    def _facts(
        self, fields: Iterable[str], values: Mapping[str, Any], notes: Mapping[str, str], known_only: bool = False
    ) -> str:
        parts = []
        for field_id in fields:
            if field_id not in values:
                if not known_only:
                    parts.append(f"{PROFILE_FIELDS[field_id].label}未知")
                continue
            spec = PROFILE_FIELDS[field_id]
            shown = display_value(field_id, values[field_id], self.industry_names)
            text = f"{spec.label}：{shown}" if spec.kind == "boolean" else f"{spec.label}为{shown}"
            if field_id in notes:
                text += f"（{notes[field_id]}）"
            parts.append(text)
        return "，".join(parts) if parts else "情况未知"

    def current(
        self, today: date, theme: str | None = None, level: str | None = None, stage: str | None = None
    ) -> list[Policy]:
        """Policies in force at ``today`` (已失效 and 未生效 excluded), filtered."""
        return [
            p
            for p in self.policies
            if validity(p, today) == "有效"
            and (theme is None or p.theme == theme)
            and (level is None or p.level == level)
            and (stage is None or stage in p.stages)
        ]

    def match(
        self,
        profile: Mapping[str, Any],
        today: date,
        theme: str | None = None,
        level: str | None = None,
        stage: str | None = None,
        question_limit: int = 5,
    ) -> MatchResult:
        _, notes = derive(profile)
        results = [self.evaluate(p, profile, today) for p in self.current(today, theme, level, stage)]
        eligible = sorted((m for m in results if m.outcome == "eligible"), key=self._rank)
        near = sorted((m for m in results if m.outcome == "near_miss"), key=lambda m: (bool(m.failed), *self._rank(m)))
        pending = sorted(
            (m for m in results if m.outcome == "pending"), key=lambda m: (len(m.unknown_fields), *self._rank(m))
        )
        candidates = [m for m in results if not m.failed and m.unknown_fields]
        used_notes = {
            k: v
            for k, v in notes.items()
            if k not in profile and any(k in v.fields for m in results for v in m.verdicts)
        }
        return MatchResult(
            today=today,
            profile=dict(profile),
            derived=used_notes,
            matches=eligible,
            near_misses=near,
            pending=pending,
            questions=self.questions(candidates, profile, limit=question_limit),
        )

    @staticmethod
    def _rank(match: PolicyMatch) -> tuple[int, int, int, str]:
        return (
            DEADLINE_ORDER[match.deadline.status],
            -match.met_count,
            LEVEL_ORDER[match.policy.level],
            match.policy.id,
        )

    # ---- which question to ask

    def _numbers(self, field_id: str, candidates: list[PolicyMatch]) -> list[float]:
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
        self, spec: FieldSpec, candidates: list[PolicyMatch]
    ) -> tuple[list[Any], list[tuple[Any, str]], list[float]]:
        """Answers to simulate, the options to offer, and (numbers) the thresholds."""
        if spec.kind == "number":
            bounds = self._numbers(spec.id, candidates)
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
            options: list[tuple[Any, str]] = [*self.industry_names.items(), (OTHER_INDUSTRY, "其他行业")]
            return [v for v, _ in options], options, []
        if spec.kind == "region":
            options = [(SERVICE_REGION, SERVICE_REGION), (OTHER_REGION, OTHER_REGION)]
            return [v for v, _ in options], options, []
        options = list(spec.options)
        return [v for v, _ in options], options, []

    def questions(
        self, candidates: list[PolicyMatch], profile: Mapping[str, Any], limit: int = 5
    ) -> list[QuestionSuggestion]:
        """Unknown fields ranked by how many candidate outcomes their answer would change."""
        fields = list(dict.fromkeys(f for m in candidates for f in _relevant(m.unknown_fields)))
        ranked: list[tuple[tuple[int, float, int], QuestionSuggestion]] = []
        order = {f: n for n, f in enumerate(PROFILE_FIELDS)}
        for field_id in fields:
            spec = PROFILE_FIELDS[field_id]
            answers, options, thresholds = self._domain(spec, candidates)
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
                    statuses = [c.check(values) for c in self.conditions(match.policy)]
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

    # ---- 政策找企业

    def push(self, profile: Mapping[str, Any], since: date, today: date) -> tuple[list[PolicyMatch], list[PolicyMatch]]:
        """In-force policies that took effect in [since, today] and match the profile (and near misses)."""
        fresh = [p for p in self.current(today) if p.effective_from is not None and since <= p.effective_from <= today]
        results = [self.evaluate(p, profile, today) for p in fresh]

        def newest(m: PolicyMatch) -> tuple[int, int, int, int, str]:
            return (-(m.policy.effective_from or since).toordinal(), *self._rank(m))

        return (
            sorted((m for m in results if m.outcome == "eligible"), key=newest),
            sorted((m for m in results if m.outcome == "near_miss"), key=newest),
        )

    # ---- search by name, 文号 or topic words

    def search(self, text: str, today: date, limit: int = 10) -> PolicySearch:
        query = _phrase(text)[:200]
        query_core = core(query)
        tokens = {t for t in _SEGMENTER.cut(query_core) if _is_token(t)}
        doc_query = _doc_key(query)
        is_document = len(doc_query) >= 4 and any(ch.isdigit() for ch in doc_query)
        remainder = query_core
        for word in sorted(_STOPWORDS, key=len, reverse=True):
            remainder = remainder.replace(word, "")
        if len(remainder) < 2 and remainder not in ("税", "贷") and not is_document:
            return PolicySearch("empty", [], [], "")
        by_name: list[tuple[float, bool, int, str, _Compiled]] = []
        by_topic: list[tuple[float, _Compiled, str]] = []
        for compiled in self._compiled.values():
            score, exact, matched = self._name_score(compiled, query, query_core)
            for key, written in compiled.doc_keys if is_document else ():
                if key in doc_query or (len(doc_query) >= 6 and doc_query in key):
                    score, exact, matched = 100.0, True, written
                    break
            if score >= FUZZY_FLOOR:
                by_name.append((score, exact, len(matched), matched, compiled))
                continue
            overlap = sorted(tokens & compiled.tokens, key=len, reverse=True)
            if overlap:
                score = min(FUZZY_FLOOR - 1, 60.0 + 5 * len(overlap) + max(len(w) for w in overlap))
                by_topic.append((score, compiled, "、".join(overlap[:3])))
        by_name.sort(key=lambda h: (-h[0], not h[1], -h[2], h[4].policy.id))
        by_topic.sort(key=lambda h: (-h[0], LEVEL_ORDER[h[1].policy.level], h[1].policy.id))

        def hit(compiled: _Compiled, score: float, matched: str) -> SearchHit:
            p = compiled.policy
            return SearchHit(p, round(score, 1), matched, validity(p, today), deadline(p, today))

        named = [hit(c, s, m) for s, _, _, m, c in by_name]
        current = [h for h in named if h.validity != "已失效"]
        expired = [h for h in named if h.validity == "已失效"]
        related = [hit(c, s, m) for s, c, m in by_topic if validity(c.policy, today) != "已失效"]
        topic = _DOC_KEY.sub("", query)[:30]
        if current:
            top = current[0]
            rivals = [h for h in current[1:] if h.score >= top.score - AMBIGUOUS_GAP]
            by_document = any(top.matched == written for _, written in self._compiled[top.policy.id].doc_keys)
            found = by_document or (top.score >= LIKELY and not rivals)
            return PolicySearch(
                "matched" if found else "ambiguous", (current + related)[:limit], expired[:limit], topic
            )
        if expired:
            return PolicySearch("expired", related[:limit], expired[:limit], topic)
        if related:
            return PolicySearch("related", related[:limit], [], topic)
        return PolicySearch("unknown", [], [], topic)

    @staticmethod
    def _name_score(compiled: _Compiled, query: str, query_core: str) -> tuple[float, bool, str]:
        best: tuple[float, bool, str] = (0.0, False, "")
        query_plain = _plain(query)
        for phrase, phrase_core, phrase_plain in compiled.phrases:
            if not phrase_core:
                continue
            exact = False
            if phrase_core == query_core:
                score, exact = 100.0, True
            elif phrase in query or (len(phrase_core) >= 2 and phrase_core in query_core):
                score = 100.0
            elif len(query_core) >= 2 and query_core in phrase_core:
                score = 85.0 + 15.0 * len(query_core) / len(phrase_core)
            else:
                score = max(_fuzzy(phrase_core, query_core), _fuzzy(phrase_plain, query_plain))
            if (score, exact) > best[:2]:
                best = (score, exact, phrase)
        return best
