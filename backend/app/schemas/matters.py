"""Bodies of the 索引式导办 API: one matter's 办事指南, and routing a question to a matter, bundle or policy."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.schemas.knowledge import BundleSearchOut, DepartmentOut, ProvenanceOut

Attribute = Literal["time", "fee", "where", "materials", "conditions", "advance", "basis"]


class GuideMaterialOut(BaseModel):
    id: str
    name: str
    form: str
    copies: int
    source: str
    notes: list[str]
    tolerated_absence: bool
    by_commitment: bool
    exempt_shared: bool
    conditional: bool
    """Needed only in some situations; the bundle's checklist decides for the user's case."""


class BundleRefOut(BaseModel):
    id: str
    name: str
    short_name: str
    matter_count: int


class MatterGuideOut(BaseModel):
    id: str
    name: str
    stage: str
    department: DepartmentOut
    legal_time_limit: str
    promised_time_limit: str
    fee: str
    online_url: str | None
    basis: str
    notes: str | None
    materials: list[GuideMaterialOut]
    bundles: list[BundleRefOut]
    """The "一件事" bundles this matter belongs to, most specific first."""
    url: str
    sample_departments: bool
    provenance: ProvenanceOut
    """设定依据 (文号, links) and 信息核对日期, shown with every answer about the matter."""


class MatterHitOut(BaseModel):
    id: str
    name: str
    score: float
    matched: str


class RouteIn(BaseModel):
    text: str = Field(max_length=10_000)


class RouteOut(BaseModel):
    kind: Literal["matter", "bundle", "policy", "unknown", "empty"]
    """matter: one 事项 asked about; bundle: a business or situation (see ``bundles`` for matched or ambiguous);
    policy: a policy named by name, short name or 文号; unknown: nothing in the knowledge base; empty: nothing named."""
    attribute: Attribute | None
    """What the question asks about the matter (多久 → time, 多少钱 → fee, 在哪 → where …), if anything."""
    matter: MatterGuideOut | None = None
    bundles: BundleSearchOut
    policy_ids: list[str] = Field(default_factory=list)
    """For kind policy: the policies named, best first (several when the name fits more than one)."""
