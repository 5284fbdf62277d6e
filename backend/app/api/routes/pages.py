"""Printable pages: the 一次性告知单 at a stable URL the bot sends to users."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.api.deps import CatalogDep, SettingsDep, bundle_or_404
from app.core.clock import china_today
from app.services import checklist as checklist_service
from app.services.guide import coerce_answers

router = APIRouter(tags=["pages"])
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "templates")


@router.get("/guide/checklist/{bundle_id}", response_class=HTMLResponse)
def checklist_page(bundle_id: str, request: Request, catalog: CatalogDep, settings: SettingsDep) -> HTMLResponse:
    bundle = bundle_or_404(catalog, bundle_id)
    raw = {k: v for k, v in request.query_params.items()}
    answers, problems = coerce_answers(bundle, raw)
    checklist = checklist_service.build(catalog, bundle, answers, settings.base_url)
    return templates.TemplateResponse(
        request,
        "checklist.html",
        {
            "checklist": checklist,
            "problems": problems,
            "service_center": catalog.service_center,
            "today": china_today().isoformat(),
        },
        status_code=200 if not problems else 422,
    )
