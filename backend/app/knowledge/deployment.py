"""Deployment-wide knowledge read from files: knowledge/service.yml, tax_thresholds.yml, profile_questions.yml.

The service region, the fallback hotlines, the 小型微利企业 thresholds and the questions of the policy
calculator are facts of a deployment,
not of the code: a deployment replaces ``knowledge/`` and nothing else. They are read once per
directory (``KNOWLEDGE_DIR``, default: the repository's ``knowledge/``), validated, and cached;
``load_knowledge`` validates the files of the directory it loads as well, so a broken file is refused
by ``make knowledge`` like any other.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.knowledge.provenance import Provenance
from app.knowledge.yamlfile import read_yaml

Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


def default_knowledge_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "knowledge"


def configured_knowledge_dir() -> Path:
    """``KNOWLEDGE_DIR`` as the backend settings read it, without importing the settings here."""
    return Path(os.environ.get("KNOWLEDGE_DIR") or default_knowledge_dir())


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hotline(Strict):
    name: Text
    number: Text
    appeal: bool = False
    """The 企业诉求 line (exactly one)."""


class ServiceInfo(Provenance):
    sample: bool = True
    region: Text
    """The region this deployment serves; a profile that does not say otherwise is registered here."""
    region_aliases: list[Text] = Field(default_factory=list)
    center: Text
    hotlines: list[Hotline] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_appeal_line(self) -> ServiceInfo:
        if sum(h.appeal for h in self.hotlines) != 1:
            raise ValueError("hotlines 中须恰有一条 appeal: true（企业诉求专线）")
        return self

    @property
    def appeal_hotline(self) -> Hotline:
        return next(h for h in self.hotlines if h.appeal)

    @property
    def hotline_text(self) -> str:
        """企业诉求专线 023-79242258，政务服务便民热线 12345."""
        return "，".join(f"{h.name} {h.number}" for h in self.hotlines)


class SmallLowProfit(Provenance):
    employees: float = Field(gt=0)
    total_assets: float = Field(gt=0)
    """万元."""
    taxable_income: float = Field(gt=0)
    """万元."""

    def limits(self) -> dict[str, float]:
        return {"employees": self.employees, "total_assets": self.total_assets, "taxable_income": self.taxable_income}


class TaxThresholds(Strict):
    small_low_profit: SmallLowProfit


class ProfileOption(Strict):
    value: str | int | bool
    label: Text


class ProfileField(Strict):
    """One field of the enterprise profile, as knowledge/profile_questions.yml words it."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
    label: Text
    kind: Literal["choice", "boolean", "number", "industry", "region"]
    question: Text
    options: list[ProfileOption] = Field(default_factory=list)
    unit: Text | None = None
    statement: Text | None = None
    help: Text | None = None

    @model_validator(mode="after")
    def _shape(self) -> ProfileField:
        if (self.kind == "choice") != bool(self.options):
            raise ValueError(f"{self.id}: 只有 choice 字段有 options（且至少一项）")
        if (self.kind == "number") != (self.unit is not None):
            raise ValueError(f"{self.id}: 只有 number 字段有 unit（且必须有）")
        return self


class ProfileQuestions(Strict):
    fields: list[ProfileField] = Field(min_length=1)
    certifications: list[Text] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ProfileQuestions:
        ids = [f.id for f in self.fields]
        if len(ids) != len(set(ids)):
            raise ValueError("画像字段 id 重复")
        missing = sorted(REQUIRED_FIELDS - set(ids))
        if missing:
            raise ValueError(f"缺少政策计算器依赖的画像字段：{missing}")
        return self


REQUIRED_FIELDS = frozenset(
    {"entity_type", "scale", "industry", "taxpayer_type", "small_low_profit", "region", "industrial"}
    | {"employees", "total_assets", "taxable_income", "tax_credit_level"}
)
"""Fields the policy engine's own rules name (derivations, 小型微利 inference, region)."""


def _read(path: Path) -> Any:
    return read_yaml(path)


def read_service(root: Path) -> ServiceInfo:
    return ServiceInfo.model_validate(_read(root / "service.yml"))


def read_thresholds(root: Path) -> TaxThresholds:
    return TaxThresholds.model_validate(_read(root / "tax_thresholds.yml"))


def read_profile_questions(root: Path) -> ProfileQuestions:
    return ProfileQuestions.model_validate(_read(root / "profile_questions.yml"))


@lru_cache
def profile_questions(root: Path | None = None) -> ProfileQuestions:
    return read_profile_questions(root or configured_knowledge_dir())


@lru_cache
def service_info(root: Path | None = None) -> ServiceInfo:
    return read_service(root or configured_knowledge_dir())


@lru_cache
def tax_thresholds(root: Path | None = None) -> TaxThresholds:
    return read_thresholds(root or configured_knowledge_dir())
