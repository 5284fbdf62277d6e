"""Where a knowledge item comes from, and whether that can still be relied on.

Every policy and every matter carries ``sources`` (the documents it rests on),
``reviewed_on`` / ``reviewed_by`` (when and by which role it was last checked
against them) and ``verification`` (how: against the official text, a
secondary source, or not at all). A 政务服务中心 deploys only what it can check:
these fields make each item checkable, and ``make knowledge-report`` lists
what needs review.

A source document that was replaced is marked ``superseded`` (with
``superseded_by``, the successor's 文号 or title). An item still in force that
rests on a superseded document without any successor recorded is an error; one
with a successor is listed by the report until it is re-based.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", strip_whitespace=True)]

Verification = Literal["official_text", "secondary_source", "unverified"]
"""official_text: checked against the issuing body's own text; secondary_source: against a reprint, a
department's summary or another secondary text; unverified: not checked against any text."""
VERIFICATION_LABELS: dict[str, str] = {
    "official_text": "已核对官方原文",
    "secondary_source": "据转载或解读资料核对",
    "unverified": "未核对原文",
}
CAVEAT = "以主管部门最新公布为准"
"""Shown with every answer whose basis was not checked against the official text."""


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Text
    """The document's full title, without book-title marks."""
    doc_number: Text | None = None
    """文号 (财政部 税务总局公告2026年第10号, 国务院令第826号); None for laws and documents without one."""
    issuer: Text
    articles: Text | None = None
    """The article(s) the item rests on (第二条、第三条)."""
    url: Url | None = None
    """The issuing body's own page; only an address actually found, never a guessed one."""
    superseded: bool = False
    """The document was replaced or stopped (停止执行/废止)."""
    superseded_by: Text | None = None
    """Its successor: 文号 or title."""

    @model_validator(mode="after")
    def _successor(self) -> Source:
        if self.superseded_by is not None and not self.superseded:
            raise ValueError(f"《{self.title}》写了 superseded_by，须同时标 superseded: true")
        return self

    @property
    def citation(self) -> str:
        """《标题》（文号）第X条 — the way the basis is printed for users."""
        text = f"《{self.title}》"
        if self.doc_number:
            text += f"（{self.doc_number}）"
        if self.articles:
            text += self.articles
        return text


class Provenance(BaseModel):
    """The provenance fields shared by policies and matters (mixed into both schemas)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: list[Source] = Field(min_length=1)
    reviewed_on: date
    reviewed_by: Text
    """The reviewing role (区市场监管局窗口, 区政务服务中心知识库审核岗), not a person's name."""
    verification: Verification
    replaces: list[Text] = Field(default_factory=list)
    """Ids of items or 文号 of documents this item replaces."""
    superseded_by: list[Text] = Field(default_factory=list)
    """Ids of items or 文号 of documents that replace this item."""

    @property
    def needs_caveat(self) -> bool:
        return self.verification != "official_text"

    def superseded_sources(self) -> list[Source]:
        return [s for s in self.sources if s.superseded]


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def basis_text(item: Provenance) -> str:
    """One line for answers and cards: 依据 …。信息核对日期 …（以主管部门最新公布为准）."""
    citations = "；".join(s.citation for s in item.sources)
    text = f"依据：{citations}。信息核对日期：{_day(item.reviewed_on)}"
    return text + (f"（{CAVEAT}）" if item.needs_caveat else "")


@dataclass(frozen=True)
class Basis:
    """What pages and answers print of an item's provenance (政策/设定依据, 信息核对日期)."""

    sources: list[Source]
    reviewed_on: date
    reviewed_on_text: str
    reviewed_by: str
    verification: Verification
    verification_label: str
    caveat: str | None
    text: str


def basis(item: Provenance) -> Basis:
    return Basis(
        sources=list(item.sources),
        reviewed_on=item.reviewed_on,
        reviewed_on_text=_day(item.reviewed_on),
        reviewed_by=item.reviewed_by,
        verification=item.verification,
        verification_label=VERIFICATION_LABELS[item.verification],
        caveat=CAVEAT if item.needs_caveat else None,
        text=basis_text(item),
    )


def provenance_problems(where: str, item: Provenance, in_force: bool) -> list[str]:
    """Errors: an item in force resting on a superseded document with no successor recorded."""
    problems = []
    for source in item.superseded_sources():
        if in_force and source.superseded_by is None and not item.superseded_by:
            problems.append(f"{where}：依据《{source.title}》已被替代，但未记录替代文件（superseded_by）")
    return problems
