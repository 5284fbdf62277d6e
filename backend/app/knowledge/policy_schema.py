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

from app.knowledge.deployment import service_info, tax_thresholds
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


def _flag(field_id: str, label: str, statement: str, question: str, help: str = "") -> FieldSpec:
    return FieldSpec(
        field_id, label, "boolean", question, ((True, "是"), (False, "否")), statement=statement, help=help
    )


def _number(field_id: str, label: str, unit: str, question: str, help: str = "") -> FieldSpec:
    return FieldSpec(field_id, label, "number", question, unit=unit, help=help)


SMALL_LOW_PROFIT_LIMITS: dict[str, float] = tax_thresholds().small_low_profit.limits()
"""小型微利企业 limits (knowledge/tax_thresholds.yml): 从业人数 (人), 资产总额 and 应纳税所得额 (万元)."""
_LIMIT_TEXT = {k: f"{v:g}" for k, v in SMALL_LOW_PROFIT_LIMITS.items()}

_FIELDS: list[FieldSpec] = [
    FieldSpec(
        "entity_type",
        "市场主体类型",
        "choice",
        "您是个体工商户，还是企业（公司等）？",
        (("个体工商户", "个体工商户"), ("企业", "企业（公司、合伙企业等）")),
    ),
    FieldSpec(
        "scale",
        "企业规模",
        "choice",
        "按中小企业划型标准，贵企业属于哪种规模？",
        (("微型", "微型企业"), ("小型", "小型企业"), ("中型", "中型企业"), ("大型", "大型企业")),
        help="按《中小企业划型标准规定》，以从业人员、营业收入、资产总额等指标划分，各行业标准不同；不清楚可答“小微”。",
    ),
    FieldSpec("industry", "所属行业", "industry", "贵企业属于哪个行业？"),
    FieldSpec(
        "taxpayer_type",
        "增值税纳税人类型",
        "choice",
        "贵企业是增值税小规模纳税人还是一般纳税人？",
        (("小规模纳税人", "小规模纳税人"), ("一般纳税人", "一般纳税人")),
    ),
    _flag(
        "small_low_profit",
        "小型微利企业",
        "属于小型微利企业",
        "贵企业是否属于小型微利企业（从业人数不超过{employees}人、资产总额不超过{total_assets}万元、"
        "年应纳税所得额不超过{taxable_income}万元）？".format(**_LIMIT_TEXT),
        help="小型微利企业是企业所得税概念：从事国家非限制和禁止行业，且同时符合年度应纳税所得额不超过{taxable_income}万元、"
        "从业人数不超过{employees}人、资产总额不超过{total_assets}万元三个条件。".format(**_LIMIT_TEXT),
    ),
    FieldSpec("region", "注册地", "region", "贵企业注册在哪个区县？"),
    _flag("industrial", "工业企业", "属于工业（制造业）企业", "贵企业是否从事工业生产（制造业、加工业）？"),
    _number("employees", "从业人数", "人", "贵企业现有从业人数（含劳务派遣）大约多少人？"),
    _number("years_in_business", "成立年限", "年", "贵企业成立几年了？"),
    _number("revenue", "上年营业收入", "万元", "贵企业上年度营业收入大约多少万元？"),
    _number("total_assets", "资产总额", "万元", "贵企业资产总额大约多少万元？"),
    _number("taxable_income", "年应纳税所得额", "万元", "贵企业上年度应纳税所得额大约多少万元？"),
    _number("monthly_sales", "月销售额", "万元", "贵企业平均每月销售额（不含税）大约多少万元？"),
    _number("rd_ratio", "研发费用占营业收入比例", "%", "贵企业研发费用占营业收入的比例大约是百分之几？"),
    _number("layoff_rate", "上年度裁员率", "%", "贵企业上年度裁员率（净减员占参保职工比例）大约是百分之几？"),
    _number(
        "key_group_hire_ratio",
        "新招用符合条件人员占比",
        "%",
        "今年新招用的创业担保贷款扶持对象（如高校毕业生、登记失业人员、退役军人等）占在职职工的百分之几？",
    ),
    FieldSpec(
        "tax_credit_level",
        "纳税信用等级",
        "choice",
        "贵企业的纳税信用等级是哪一级？",
        (("A", "A级"), ("B", "B级"), ("M", "M级"), ("C", "C级"), ("D", "D级")),
        help="可在电子税务局“纳税信用”中查询；新设立企业一般为M级。",
    ),
    *[
        _flag(f"certifications.{name}", name, f"具有{name}资格", f"贵企业是否已被认定为{name}？")
        for name in CERTIFICATIONS
    ],
    _flag("rd_activity", "开展研发活动", "开展研发活动", "贵企业是否开展研发活动（有研发项目和研发费用支出）？"),
    _flag(
        "pays_unemployment_insurance",
        "足额缴纳失业保险",
        "足额缴纳失业保险费满12个月",
        "贵企业是否已足额缴纳失业保险费满12个月？",
    ),
    _flag(
        "hires_key_groups",
        "招用脱贫人口或登记失业人员",
        "招用脱贫人口或登记失业半年以上人员，签订1年以上劳动合同并缴纳社会保险费",
        "贵企业是否招用了脱贫人口或登记失业半年以上的人员（签订1年以上劳动合同并缴纳社保）？",
    ),
    _flag(
        "hires_veterans",
        "招用自主就业退役士兵",
        "招用自主就业退役士兵，签订1年以上劳动合同并缴纳社会保险费",
        "贵企业是否招用了自主就业退役士兵（签订1年以上劳动合同并缴纳社保）？",
    ),
    _flag(
        "hires_disadvantaged",
        "招用就业困难人员",
        "招用就业困难人员并为其缴纳社会保险费",
        "贵企业是否招用了就业困难人员（经人社部门认定）并为其缴纳社保？",
    ),
    _flag(
        "hires_graduates",
        "招用高校毕业生",
        "招用高校毕业生（毕业年度或离校2年内未就业），签订劳动合同并缴纳社会保险费",
        "贵企业今年是否招用了高校毕业生（毕业年度或离校2年内未就业）？",
    ),
    _flag(
        "founder_key_group",
        "创业者属于扶持对象",
        "创业者属于创业担保贷款扶持对象",
        "创业者本人是否属于以下人员：城镇登记失业人员、就业困难人员、退役军人、高校毕业生、返乡创业农民工、"
        "脱贫人口、农村自主创业农民等？",
    ),
    _flag(
        "trains_employees",
        "组织职工技能培训",
        "组织职工参加职业技能培训",
        "贵企业是否组织职工参加职业技能培训（岗位技能提升、取得职业技能等级证书等）？",
    ),
    _flag(
        "apprenticeship",
        "开展新型学徒制培训",
        "与新招用或转岗的技能岗位职工签订培训合同，开展企业新型学徒制培训",
        "贵企业是否开展（或打算开展）企业新型学徒制培训？",
    ),
    _flag(
        "internship_base",
        "就业见习基地",
        "已被认定为就业见习基地（单位）",
        "贵企业是否已被人社部门认定为就业见习基地（单位）？",
    ),
    _flag("has_ip", "拥有知识产权", "拥有有效的专利权、商标权等知识产权", "贵企业是否拥有有效的专利或注册商标？"),
    _flag(
        "has_tech_contract",
        "有登记的技术合同",
        "有经认定登记的技术合同",
        "贵企业是否有经技术合同登记机构认定登记的技术合同？",
    ),
    _flag(
        "loan_due",
        "贷款即将到期",
        "有即将到期且仍有融资需求的流动资金贷款",
        "贵企业是否有即将到期、仍需续贷的流动资金贷款？",
    ),
    _flag("bids_procurement", "参加政府采购", "参加政府采购活动", "贵企业是否参加（或打算参加）政府采购投标？"),
    _flag(
        "deregistering",
        "计划注销",
        "计划注销企业",
        "贵企业是否打算注销？",
    ),
    _flag(
        "no_debts",
        "无未结清债权债务",
        "未发生债权债务或已将债权债务清偿完结",
        "贵企业是否未发生债权债务，或已将债权债务清偿完结？",
    ),
    _flag(
        "low_voltage_power",
        "低压用电报装",
        "新装或增容用电容量在160千瓦及以下（低压接入）",
        "贵企业是否需要新装或增容用电，且容量在160千瓦及以下？",
    ),
    _flag(
        "newly_established",
        "新开办企业",
        "为新开办企业（正在办理或刚完成设立登记）",
        "贵企业是否正在开办或刚完成设立登记？",
    ),
    _flag(
        "key_investment_project",
        "重点招商项目企业",
        "属于重点招商项目企业",
        "贵企业是否属于当地重点招商项目企业？",
    ),
    _flag(
        "hires_postgraduates",
        "引进硕博人才",
        "引进或招用硕士、博士研究生",
        "贵企业是否引进或招用了硕士、博士研究生？",
    ),
    _flag(
        "high_level_talent",
        "高层次人才",
        "拥有或引进高层次人才（创新创业领军人才、青年拔尖人才等）",
        "贵企业是否拥有或引进了高层次人才（如创新创业领军人才）？",
    ),
]

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
