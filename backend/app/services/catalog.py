"""The live knowledge base with its lookup indexes, cached per knowledge version.

Every request asks the database for the live version id (one indexed query);
the indexes are rebuilt only when it changed, so a reload on one replica is
seen by all of them without a restart.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.orm import Session

from app.knowledge import schema
from app.repositories import knowledge as repo
from app.services.matching import BundleMatcher, DepartmentMatcher
from app.services.matters import MatterMatcher
from app.services.policies.engine import PolicyEngine


class KnowledgeNotLoaded(Exception):
    """The database has no knowledge yet: run ``make knowledge``."""


@dataclass
class Catalog:
    version: int
    kb: schema.KnowledgeBase
    stages: dict[str, schema.Stage] = field(init=False)
    departments: dict[str, schema.Department] = field(init=False)
    industries: dict[str, schema.Industry] = field(init=False)
    materials: dict[str, schema.Material] = field(init=False)
    matters: dict[str, schema.Matter] = field(init=False)
    bundles: dict[str, schema.Bundle] = field(init=False)
    policies: dict[str, schema.Policy] = field(init=False)

    def __post_init__(self) -> None:
        self.stages = {s.id: s for s in self.kb.stages}
        self.departments = {d.id: d for d in self.kb.departments}
        self.industries = {i.id: i for i in self.kb.industries}
        self.materials = {m.id: m for m in self.kb.materials}
        self.matters = {m.id: m for m in self.kb.matters}
        self.bundles = {b.id: b for b in self.kb.bundles}
        self.policies = {p.id: p for p in self.kb.policies}

    @property
    def service_center(self) -> schema.Department:
        return next(d for d in self.kb.departments if d.service_center)

    @cached_property
    def bundle_matcher(self) -> BundleMatcher:
        return BundleMatcher(self.kb)

    @cached_property
    def matter_matcher(self) -> MatterMatcher:
        return MatterMatcher(self.kb)

    @cached_property
    def department_matcher(self) -> DepartmentMatcher:
        return DepartmentMatcher(self.kb)

    @cached_property
    def policy_engine(self) -> PolicyEngine:
        return PolicyEngine(self.kb)


_lock = threading.Lock()
_cached: dict[str, Catalog] = {}
"""Per database URL: one process may serve (or test) several databases."""


def get_catalog(session: Session) -> Catalog:
    version = repo.live_version(session)
    if version is None:
        raise KnowledgeNotLoaded
    bind = session.get_bind()
    key = bind.engine.url.render_as_string(hide_password=True)
    cached = _cached.get(key)
    if cached is not None and cached.version == version.id:
        return cached
    with _lock:
        cached = _cached.get(key)
        if cached is None or cached.version != version.id:
            cached = Catalog(version=version.id, kb=repo.read(session))
            cached.bundle_matcher  # build the index once, under the lock  # noqa: B018
            cached.policy_engine  # noqa: B018
            cached.matter_matcher  # noqa: B018
            _cached[key] = cached
        return cached
