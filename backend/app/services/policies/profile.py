"""The enterprise profile (企业画像): what a channel sends made canonical, and the facts that follow from it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from app.knowledge.policy_schema import (
    CERTIFICATIONS,
    PROFILE_FIELDS,
    SERVICE_REGION,
    SMALL_LOW_PROFIT_LIMITS,
    FieldSpec,
)
from app.knowledge.schema import KnowledgeBase
from app.services.policies.regions import expand_region
from app.services.text import chinese_to_number, normalize

Profile = dict[str, Any]
"""Canonical profile: field id → value; certifications as ``certifications.<名称>: bool``."""
OTHER_INDUSTRY = "other"
"""Industry answer for a business outside the 15 industries of industries.yml."""
MAX_NUMBER = 1e12
PERCENT_FIELDS = frozenset({"rd_ratio", "layoff_rate", "key_group_hire_ratio"})
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
_TRUE_WORDS = {"是", "是的", "有", "对", "true", "yes", "y", "1", "已认定", "属于"}
_FALSE_WORDS = {"否", "不是", "没有", "无", "不", "false", "no", "n", "0", "未认定", "不属于"}
_UNIT_SUFFIX = re.compile(r"(万元|元|人|个|名|年|%|％|百分之)$")


class ProfileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


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


DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "small_low_profit": ("entity_type", *SMALL_LOW_PROFIT_LIMITS),
    "industrial": ("industry",),
    "certifications.专精特新中小企业": ("certifications.专精特新“小巨人”企业",),
}
"""Fields whose answer can settle a derived field (see :func:`derive`)."""
