"""Read-only knowledge API: industries, departments, bundles and bundle search."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query

from app.api import convert
from app.api.deps import CatalogDep, bundle_or_404
from app.schemas import knowledge as out

router = APIRouter(prefix="/api", tags=["knowledge"])


@router.get("/industries", response_model=list[out.IndustryOut])
def industries(catalog: CatalogDep) -> list[out.IndustryOut]:
    return [
        out.IndustryOut(
            id=i.id, name=i.name, description=i.description, lead_department=i.lead_department, bundle_id=i.bundle
        )
        for i in catalog.kb.industries
    ]


@router.get("/departments", response_model=list[out.DepartmentOut])
def departments(catalog: CatalogDep) -> list[out.DepartmentOut]:
    sample = catalog.kb.sample_departments
    return [convert.department(d, sample) for d in catalog.kb.departments]


@router.get("/contact", response_model=out.DepartmentOut)
def contact(
    catalog: CatalogDep,
    q: str = Query(default="", max_length=10_000),
    topic: Literal["policy", "appeal"] | None = None,
) -> out.DepartmentOut:
    """The department named in ``q``, else the first contact for ``topic``, else the 政务服务中心."""
    found = catalog.department_matcher.find(q) if q else None
    if found is None and topic is not None:
        found = next(d for d in catalog.kb.departments if topic in d.handles)
    found = found or catalog.service_center
    return convert.department(found, catalog.kb.sample_departments)


@router.get("/bundles", response_model=list[out.BundleSummary])
def bundles(catalog: CatalogDep) -> list[out.BundleSummary]:
    return [convert.bundle_summary(b) for b in catalog.kb.bundles]


@router.get("/bundles/search", response_model=out.BundleSearchOut)
def search_bundles(catalog: CatalogDep, q: str = Query(max_length=10_000)) -> out.BundleSearchOut:
    result = catalog.bundle_matcher.search(q)
    return out.BundleSearchOut(
        status=result.status,
        topic=result.topic,
        candidates=[
            out.CandidateOut(
                bundle=convert.bundle_summary(catalog.bundles[c.bundle_id]), score=round(c.score, 1), matched=c.phrase
            )
            for c in result.candidates
        ],
    )


@router.get("/bundles/{bundle_id}", response_model=out.BundleOut)
def bundle(bundle_id: str, catalog: CatalogDep) -> out.BundleOut:
    return convert.bundle(bundle_or_404(catalog, bundle_id))
