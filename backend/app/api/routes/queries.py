"""Searches that carry what the user typed in a POST body, never in a query string.

A query string lands in every access log, proxy log and browser history; a user's
sentence can hold a mobile or ID number. The action server uses these; the GET forms
stay for links and the console. Each answers exactly as its GET twin.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, StringConstraints

from app.api.deps import CatalogDep, SettingsDep
from app.api.routes import knowledge, policies
from app.schemas import knowledge as knowledge_out
from app.schemas import policies as policy_out

router = APIRouter(tags=["queries"])
Text = Annotated[str, StringConstraints(max_length=10_000)]


class TextQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: Text = ""


class ContactQuery(TextQuery):
    topic: Literal["policy", "appeal"] | None = None


class PolicyQuery(TextQuery):
    today: Annotated[str, StringConstraints(max_length=10)] | None = None


@router.post("/api/contact", response_model=knowledge_out.DepartmentOut)
def contact(body: ContactQuery, catalog: CatalogDep) -> knowledge_out.DepartmentOut:
    return knowledge.contact(catalog, q=body.q, topic=body.topic)


@router.post("/api/bundles/search", response_model=knowledge_out.BundleSearchOut)
def search_bundles(body: TextQuery, catalog: CatalogDep) -> knowledge_out.BundleSearchOut:
    return knowledge.search_bundles(catalog, q=body.q)


@router.post("/api/policies/search", response_model=policy_out.SearchOut)
def search_policies(body: PolicyQuery, catalog: CatalogDep, settings: SettingsDep) -> policy_out.SearchOut:
    return policies.search_policies(catalog, settings, q=body.q, today=body.today)
