"""索引式导办: one matter's 办事指南 (API and printable page), and routing a question to what answers it."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.api import convert
from app.api.deps import CatalogDep, SettingsDep
from app.core.clock import china_today
from app.knowledge.schema import Matter
from app.schemas import knowledge as kout
from app.schemas import matters as out
from app.services.catalog import Catalog
from app.services.matters import bundles_with, guide_materials, matter_path
from app.services.routing import POLICY_SURE, route

router = APIRouter(tags=["matters"])
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "templates")


def _matter_or_404(catalog: Catalog, matter_id: str) -> Matter:
    matter = catalog.matters.get(matter_id)
    if matter is None:
        raise HTTPException(status_code=404, detail=f"没有编号为“{matter_id[:64]}”的事项")
    return matter


def matter_guide(catalog: Catalog, matter: Matter, base_url: str) -> out.MatterGuideOut:
    sample = catalog.kb.sample_departments
    return out.MatterGuideOut(
        id=matter.id,
        name=matter.name,
        stage=catalog.stages[matter.stage].name,
        department=convert.department(catalog.departments[matter.department], sample),
        legal_time_limit=matter.legal_time_limit,
        promised_time_limit=matter.promised_time_limit,
        fee=matter.fee,
        online_url=matter.online_url,
        basis=matter.basis,
        notes=matter.notes,
        materials=[out.GuideMaterialOut(**vars(m)) for m in guide_materials(catalog.materials, matter)],
        bundles=[
            out.BundleRefOut(id=b.id, name=b.name, short_name=b.short_name, matter_count=len(b.matters))
            for b in bundles_with(catalog.kb, matter.id)
        ],
        url=base_url + matter_path(matter.id),
        sample_departments=sample,
        provenance=convert.provenance(matter),
    )


@router.get("/api/matters/search", response_model=list[out.MatterHitOut])
def search_matters(catalog: CatalogDep, q: str = Query(max_length=10_000)) -> list[out.MatterHitOut]:
    """Matters named in ``q`` (name, shortened name or the word people use), best first."""
    return [
        out.MatterHitOut(id=h.matter_id, name=catalog.matters[h.matter_id].name, score=h.score, matched=h.phrase)
        for h in catalog.matter_matcher.search(q)
    ]


@router.get("/api/matters/{matter_id}", response_model=out.MatterGuideOut)
def matter(matter_id: str, catalog: CatalogDep, settings: SettingsDep) -> out.MatterGuideOut:
    """The full 办事指南: materials (形式、份数、来源), 时限, 收费, 窗口, 网办, 设定依据, 办理须知."""
    return matter_guide(catalog, _matter_or_404(catalog, matter_id), settings.base_url)


@router.post("/api/guide/route", response_model=out.RouteOut)
def route_question(body: out.RouteIn, catalog: CatalogDep, settings: SettingsDep) -> out.RouteOut:
    """What answers this question: one matter, a bundle (matched or to choose), or a policy named outright."""
    found = route(catalog, body.text, china_today())
    bundles = kout.BundleSearchOut(
        status=found.bundles.status,
        topic=found.bundles.topic,
        candidates=[
            kout.CandidateOut(
                bundle=convert.bundle_summary(catalog.bundles[c.bundle_id]), score=round(c.score, 1), matched=c.phrase
            )
            for c in found.bundles.candidates
        ],
    )
    policy_hits = [*found.policy.results, *found.policy.expired]
    return out.RouteOut(
        kind=found.kind,
        attribute=found.attribute,
        matter=matter_guide(catalog, catalog.matters[found.matter.matter_id], settings.base_url)
        if found.kind == "matter" and found.matter
        else None,
        bundles=bundles,
        policy_ids=[h.policy.id for h in policy_hits if h.score >= POLICY_SURE][:3] if found.kind == "policy" else [],
    )


@router.get("/guide/matter/{matter_id}", response_class=HTMLResponse)
def matter_page(matter_id: str, request: Request, catalog: CatalogDep, settings: SettingsDep) -> HTMLResponse:
    guide = matter_guide(catalog, _matter_or_404(catalog, matter_id), settings.base_url)
    return templates.TemplateResponse(
        request,
        "matter_guide.html",
        {"guide": guide, "service_center": catalog.service_center, "today": china_today().isoformat()},
    )
