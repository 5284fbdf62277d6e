"""Deployment-wide knowledge read from files: ``knowledge/service.yml`` and ``knowledge/tax_thresholds.yml``.

The service region, the fallback hotlines and the 小型微利企业 thresholds are facts of a deployment,
not of the code: a deployment replaces ``knowledge/`` and nothing else. They are read once per
directory (``KNOWLEDGE_DIR``, default: the repository's ``knowledge/``), validated, and cached;
``load_knowledge`` validates the files of the directory it loads as well, so a broken file is refused
by ``make knowledge`` like any other.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.knowledge.provenance import Provenance

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


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def read_service(root: Path) -> ServiceInfo:
    return ServiceInfo.model_validate(_read(root / "service.yml"))


def read_thresholds(root: Path) -> TaxThresholds:
    return TaxThresholds.model_validate(_read(root / "tax_thresholds.yml"))


@lru_cache
def service_info(root: Path | None = None) -> ServiceInfo:
    return read_service(root or configured_knowledge_dir())


@lru_cache
def tax_thresholds(root: Path | None = None) -> TaxThresholds:
    return read_thresholds(root or configured_knowledge_dir())
