"""Schema of the reviewed policies in ``knowledge/policies/*.yml`` (see knowledge/README.md).

A policy carries the fields of the 惠企政策申报指南 (黔江行政服务中心发〔2022〕3号 附件2)
for people, and machine-readable ``criteria`` over an enterprise profile for the
policy calculator (政策计算器). The profile vocabulary — every field a criterion may
refer to, with its Chinese label and the question that asks for it — is defined
here once (:data:`PROFILE_FIELDS`), so a criterion on an unknown field fails
validation instead of silently never matching.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from app.knowledge.deployment import ProfileField, profile_questions, service_info, tax_thresholds
from app.knowledge.provenance import Provenance

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
MonthDay = Annotated[str, StringConstraints(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]

SERVICE_REGION = service_info().region
"""The region this deployment serves (knowledge/service.yml): a profile that does not say where the
enterprise is registered is taken to be here."""
NATIONWIDE = "全国"

Level = Literal["国家级", "市级", "区级"]
"""发文层级 (附件1)."""
Theme = Literal["税收优惠", "财政支持", "费金减免", "降低制度性交易成本", "降低人工成本", "降低融资成本"]
"""政策主题 (附件1)."""
LEVELS: tuple[str, ...] = ("国家级", "市级", "区级")
THEMES: tuple[str, ...] = ("税收优惠", "财政支持", "费金减免", "降低制度性交易成本", "降低人工成本", "降低融资成本")

EntityType = Literal["个体工商户", "企业"]
Scale = Literal["微型", "小型", "中型", "大型"]
TaxpayerType = Literal["小规模纳税人", "一般纳税人"]
CreditLevel = Literal["A", "B", "M", "C", "D"]
Certification = Literal["高新技术企业", "科技型中小企业", "创新型中小企业", "专精特新中小企业", "专精特新“小巨人”企业"]
CERTIFICATIONS: tuple[str, ...] = (
    "高新技术企业",
    "科技型中小企业",
    "创新型中小企业",
    "专精特新中小企业",
    "专精特新“小巨人”企业",
)
SCALES: tuple[str, ...] = ("微型", "小型", "中型", "大型")


@dataclass(frozen=True)
class FieldSpec:
    """One field of the enterprise profile: how it is named, asked and shown."""

    id: str
    label: str
    kind: Literal["choice", "boolean", "number", "industry", "region"]
    question: str
    options: tuple[tuple[Any, str], ...] = ()
    unit: str = ""
    statement: str = ""
    """Booleans: the fact in words, used in condition texts ("开展研发活动")."""
    help: str = ""


SMALL_LOW_PROFIT_LIMITS: dict[str, float] = tax_thresholds().small_low_profit.limits()
"""小型微利企业 limits (knowledge/tax_thresholds.yml): 从业人数 (人), 资产总额 and 应纳税所得额 (万元)."""
_LIMIT_TEXT = {k: f"{v:g}" for k, v in SMALL_LOW_PROFIT_LIMITS.items()}
_VOCABULARY: dict[str, tuple[str, ...]] = {
    "entity_type": ("个体工商户", "企业"),
    "scale": SCALES,
    "taxpayer_type": ("小规模纳税人", "一般纳税人"),
    "tax_credit_level": ("A", "B", "M", "C", "D"),
}
"""Choice values the criteria and the engine's rules use: profile_questions.yml words them, it cannot rename them."""


def _spec(field: ProfileField) -> FieldSpec:
    if field.kind == "choice" and field.id in _VOCABULARY:
        values = tuple(str(o.value) for o in field.options)
        if values != _VOCABULARY[field.id]:
            raise ValueError(f"profile_questions.yml {field.id} 的取值须为 {_VOCABULARY[field.id]}，现为 {values}")
    options = tuple((o.value, o.label) for o in field.options)
    if field.kind == "boolean":
        options = ((True, "是"), (False, "否"))
    return FieldSpec(
        field.id,
        field.label,
        field.kind,
        field.question.format(**_LIMIT_TEXT),
        options,
        unit=field.unit or "",
        statement=field.statement or "",
        help=(field.help or "").format(**_LIMIT_TEXT),
    )


def _certification(name: str) -> FieldSpec:
    return FieldSpec(
        f"certifications.{name}",
        name,
        "boolean",
        f"贵企业是否已被认定为{name}？",
        ((True, "是"), (False, "否")),
        statement=f"具有{name}资格",
    )


_QUESTIONS = profile_questions()
_FIELDS: list[FieldSpec] = [_spec(f) for f in _QUESTIONS.fields]
if tuple(_QUESTIONS.certifications) != CERTIFICATIONS:
    raise ValueError(f"profile_questions.yml 的 certifications 须为 {CERTIFICATIONS}")
_AFTER_CREDIT = next(n for n, f in enumerate(_FIELDS) if f.id == "tax_credit_level") + 1
_FIELDS[_AFTER_CREDIT:_AFTER_CREDIT] = [_certification(name) for name in _QUESTIONS.certifications]
PROFILE_FIELDS: dict[str, FieldSpec] = {spec.id: spec for spec in _FIELDS}
"""Every profile field, in the order questions are preferred when they split equally."""
NUMBER_FIELDS = frozenset(f.id for f in _FIELDS if f.kind == "number")
FLAG_FIELDS = frozenset(
    f.id
    for f in _FIELDS
    if f.kind == "boolean" and f.id not in ("small_low_profit", "industrial") and not f.id.startswith("certifications.")
)
"""Yes/no facts a criterion lists under ``flags`` (small_low_profit, industrial and
the certifications have conditions of their own)."""


_CJK_FOLD = re.compile(r"(?<=[^\x00-\x7f])[ \n]+(?=[^\x00-\x7f])|(?<=[，。；：、）”])[ \n]+")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(Strict):
    """A numeric condition: ``{lte: 300}``, ``{gte: 3, lt: 6}``."""

    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None

    @model_validator(mode="after")
    def _check(self) -> Range:
        if all(v is None for v in (self.gt, self.gte, self.lt, self.lte)):
            raise ValueError("范围条件至少要有 gt、gte、lt、lte 之一")
        if (self.gt is not None and self.gte is not None) or (self.lt is not None and self.lte is not None):
            raise ValueError("gt 与 gte、lt 与 lte 不能同时使用")
        low = self.gt if self.gt is not None else self.gte
        high = self.lt if self.lt is not None else self.lte
        if low is not None and high is not None and low > high:
            raise ValueError(f"范围条件下限 {low} 大于上限 {high}")
        return self

    def contains(self, value: float) -> bool:
        return (
            (self.gt is None or value > self.gt)
            and (self.gte is None or value >= self.gte)
            and (self.lt is None or value < self.lt)
            and (self.lte is None or value <= self.lte)
        )

    def bounds(self) -> list[float]:
        return [v for v in (self.gt, self.gte, self.lt, self.lte) if v is not None]


class Criteria(Strict):
    """Machine-readable 申报条件. Every listed condition must hold; an empty list means 不限."""

    entity_types: list[EntityType] = Field(default_factory=list)
    scales: list[Scale] = Field(default_factory=list)
    small_low_profit: bool | None = None
    taxpayer_types: list[TaxpayerType] = Field(default_factory=list)
    industries: list[Identifier] = Field(default_factory=list)
    """industries.yml ids; empty = every industry."""
    excluded_industries: list[Identifier] = Field(default_factory=list)
    industrial: bool | None = None
    thresholds: dict[str, Range] = Field(default_factory=dict)
    """Numeric profile fields (employees, revenue, rd_ratio …) → range."""
    certifications_any: list[Certification] = Field(default_factory=list)
    """At least one of these qualifications."""
    tax_credit_levels: list[CreditLevel] = Field(default_factory=list)
    flags: dict[str, bool] = Field(default_factory=dict)
    """Yes/no facts of the profile (rd_activity, has_ip …) → required answer."""
    any_of: list[Criteria] = Field(default_factory=list)
    """Alternatives: at least one must hold as a whole (counts as one condition)."""

    @field_validator("thresholds")
    @classmethod
    def _numbers(cls, value: dict[str, Range]) -> dict[str, Range]:
        unknown = sorted(set(value) - NUMBER_FIELDS)
        if unknown:
            raise ValueError(f"未知的数值字段 {unknown}，可用：{sorted(NUMBER_FIELDS)}")
        return value

    @field_validator("flags")
    @classmethod
    def _flags(cls, value: dict[str, bool]) -> dict[str, bool]:
        unknown = sorted(set(value) - FLAG_FIELDS)
        if unknown:
            raise ValueError(f"未知的是否字段 {unknown}，可用：{sorted(FLAG_FIELDS)}")
        return value

    @model_validator(mode="after")
    def _alternatives(self) -> Criteria:
        if len(self.any_of) == 1:
            raise ValueError("any_of 至少要有两个备选条件")
        if any(alternative.is_empty() for alternative in self.any_of):
            raise ValueError("any_of 的备选条件不能为空")
        return self

    def is_empty(self) -> bool:
        return self == Criteria()

    def industry_ids(self) -> set[str]:
        ids = set(self.industries) | set(self.excluded_industries)
        for alternative in self.any_of:
            ids |= alternative.industry_ids()
        return ids


class AnnualWindow(Strict):
    """A window that opens every year, e.g. 企业所得税汇算清缴 ``{start: "01-01", end: "05-31"}``."""

    start: MonthDay
    end: MonthDay
    label: Text | None = None
    """What is filed in this window (第三季度预缴申报, 年度汇算清缴)."""

    @model_validator(mode="after")
    def _check(self) -> AnnualWindow:
        for value in (self.start, self.end):
            month, day = (int(part) for part in value.split("-"))
            date(2024, month, day)  # a leap year accepts 02-29; raises on 02-30
        if self.end < self.start:
            raise ValueError("年度申报窗口不能跨年（end 须不早于 start）")
        return self


class Policy(Provenance):
    id: Identifier
    name: Text
    """政策名称."""
    short_name: Text | None = None
    aliases: list[Text] = Field(default_factory=list)
    """How people call it (稳岗返还, 六税两费): found by search, added to the jieba dictionary."""
    keywords: list[Text] = Field(default_factory=list)
    """Topic words (贷款, 社保, 研发) that make it a related result of a search."""
    level: Level
    theme: Theme
    region: Text = NATIONWIDE
    """Where it applies: 全国, 重庆市, 重庆市黔江区 …"""
    document: Text
    """政策文件名称 (the full title)."""
    document_number: Text | None = None
    """文号; None for laws and documents without one."""
    issuer: Text
    """发文部门."""
    summary: Text
    """One sentence: what the enterprise gets."""
    eligibility: Text
    """申报条件, as published."""
    support: Text
    """支持方式."""
    support_items: list[Text] = Field(default_factory=list)
    choose_one: bool = False
    """The support items are alternatives: an enterprise may apply for only one of them."""
    materials: list[Text] = Field(min_length=1)
    """申报材料."""
    application_period: Text
    """申报时限, in words."""
    channel: Text
    """申报渠道."""
    procedure: list[Text] = Field(min_length=1)
    """申报流程."""
    authority: Text
    """主管部门 as the document names it."""
    department: Identifier | None = None
    """区级主管部门 / 首问窗口: a departments.yml id. Required for policies that apply in the service region."""
    phone: Text
    """咨询电话."""
    effective_from: date | None = None
    effective_to: date | None = None
    """Last day in force; None = 长期有效."""
    apply_from: date | None = None
    apply_to: date | None = None
    annual_windows: list[AnnualWindow] = Field(default_factory=list)
    """Windows that open every year; several when a policy is claimed more than once a year
    (研发费用加计扣除: 7月、10月预缴 and 汇算清缴). 申报中 when any of them is open."""
    year_round: bool = False
    """常年受理 (or enjoyed when filing taxes)."""
    no_application: bool = False
    """免申即享: granted without an application."""
    criteria: Criteria = Field(default_factory=Criteria)
    manual_checks: list[Text] = Field(default_factory=list)
    """Conditions only the department can check (shown, not evaluated)."""
    stages: list[Identifier] = Field(default_factory=list)
    """Lifecycle stages (stages.yml) the policy belongs to, e.g. employment for 用工 policies."""
    notes: Text | None = None
    """Reviewer notes: what could not be verified, what changed."""

    @field_validator(
        "summary",
        "eligibility",
        "support",
        "support_items",
        "materials",
        "application_period",
        "channel",
        "procedure",
        "manual_checks",
        "notes",
        mode="before",
    )
    @classmethod
    def _unfold(cls, value: Any) -> Any:
        """YAML ``>-`` folds a long line with a space; between Chinese characters it is not wanted."""
        if isinstance(value, str):
            return _CJK_FOLD.sub("", value)
        if isinstance(value, list):
            return [_CJK_FOLD.sub("", v) if isinstance(v, str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _check(self) -> Policy:
        if self.effective_from and self.effective_to and self.effective_from > self.effective_to:
            raise ValueError(f"{self.id}: effective_from 晚于 effective_to")
        if self.apply_from and self.apply_to and self.apply_from > self.apply_to:
            raise ValueError(f"{self.id}: apply_from 晚于 apply_to")
        fixed = self.apply_from is not None or self.apply_to is not None
        if fixed and self.annual_windows:
            raise ValueError(f"{self.id}: 固定申报期（apply_from/apply_to）与 annual_windows 只能选一种")
        if self.year_round and (fixed or self.annual_windows):
            raise ValueError(f"{self.id}: 常年受理（year_round）的政策不设申报窗口")
        if self.level == "国家级" and self.region != NATIONWIDE:
            raise ValueError(f"{self.id}: 国家级政策的 region 须为“{NATIONWIDE}”")
        if self.choose_one and len(self.support_items) < 2:
            raise ValueError(f"{self.id}: choose_one 需要至少两个 support_items")
        return self


def applies_in_service_region(region: str) -> bool:
    """True when a policy of ``region`` reaches enterprises of the service region."""
    return region == NATIONWIDE or SERVICE_REGION.startswith(region)


def check_policies(policies: list[Policy], departments: set[str], industries: set[str], stages: set[str]) -> list[str]:
    """Reference problems of the policies (called from ``loader.validate``)."""
    problems: list[str] = []
    seen: set[str] = set()
    for policy in policies:
        where = f"政策 {policy.id}"
        if policy.id in seen:
            problems.append(f"政策 id 重复：{policy.id}")
        seen.add(policy.id)
        if policy.department is not None and policy.department not in departments:
            problems.append(f"{where}：主管部门 {policy.department} 不存在")
        if policy.department is None and applies_in_service_region(policy.region):
            problems.append(f"{where}：适用于{SERVICE_REGION}的政策须填写 department（departments.yml 的 id）")
        for industry in sorted(policy.criteria.industry_ids() - industries):
            problems.append(f"{where}：行业 {industry} 不存在")
        for stage in policy.stages:
            if stage not in stages:
                problems.append(f"{where}：阶段 {stage} 不存在")
    return problems
