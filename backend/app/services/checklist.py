"""The personalized 一次性告知 checklist of a bundle for a set of answers.

Materials are grouped by matter in the bundle's order; a material needed by
several matters is listed in full under the first and referenced under the
others, because in a "一件事" the applicant hands it in once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from app.knowledge.conditions import evaluate
from app.knowledge.provenance import Basis, basis
from app.knowledge.schema import Bundle, Department, Matter
from app.services.catalog import Catalog
from app.services.guide import applicable, option_label


@dataclass
class ChecklistMaterial:
    id: str
    name: str
    form: str
    copies: int
    source: str
    notes: list[str]
    tolerated_absence: bool
    by_commitment: bool
    exempt_shared: bool
    first_matter: str | None = None
    """Set when the material was already listed under an earlier matter."""


@dataclass
class ChecklistMatter:
    id: str
    name: str
    stage: str
    department: Department
    legal_time_limit: str
    promised_time_limit: str
    fee: str
    online_url: str | None
    basis: str
    notes: str | None
    materials: list[ChecklistMaterial]
    provenance: Basis
    """Sources, review date and verification of the matter (printed as 设定依据 and 信息核对日期)."""


@dataclass
class Checklist:
    bundle: Bundle
    situation: list[tuple[str, str]]
    matters: list[ChecklistMatter]
    missing_questions: list[str]
    notes: list[str]
    url: str
    sample_departments: bool
    material_count: int = field(init=False)

    def __post_init__(self) -> None:
        self.material_count = len({m.id for matter in self.matters for m in matter.materials if m.first_matter is None})

    @property
    def complete(self) -> bool:
        return not self.missing_questions


def checklist_path(bundle_id: str, answers: dict[str, Any]) -> str:
    """The stable URL of the printable page: everything it needs is in the query."""

    def encode(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    query = urlencode(sorted((k, encode(v)) for k, v in answers.items()))
    return f"/guide/checklist/{bundle_id}" + (f"?{query}" if query else "")


def _materials(catalog: Catalog, matter: Matter, answers: dict[str, Any]) -> list[ChecklistMaterial]:
    merged: dict[str, ChecklistMaterial] = {}
    for entry in matter.materials:
        if not evaluate(entry.when, answers):
            continue
        material = catalog.materials[entry.material]
        notes = [n for n in (entry.note,) if n]
        if entry.material in merged:
            merged[entry.material].notes.extend(notes)
            continue
        merged[entry.material] = ChecklistMaterial(
            id=material.id,
            name=material.name,
            form=entry.form,
            copies=entry.copies,
            source=material.source,
            notes=[*([material.notes] if material.notes else []), *notes],
            tolerated_absence=entry.tolerated_absence,
            by_commitment=entry.by_commitment,
            exempt_shared=entry.exempt_shared,
        )
    return list(merged.values())


def build(catalog: Catalog, bundle: Bundle, answers: dict[str, Any], base_url: str) -> Checklist:
    questions = applicable(bundle, answers)
    situation = [(q.text, option_label(q, answers[q.id])) for q in questions if q.id in answers]
    missing = [q.text for q in questions if q.id not in answers]
    matters: list[ChecklistMatter] = []
    first_seen: dict[str, str] = {}
    for item in bundle.matters:
        if not evaluate(item.when, answers):
            continue
        matter = catalog.matters[item.matter]
        materials = _materials(catalog, matter, answers)
        for material in materials:
            if material.id in first_seen:
                material.first_matter = first_seen[material.id]
            else:
                first_seen[material.id] = matter.name
        matters.append(
            ChecklistMatter(
                id=matter.id,
                name=matter.name,
                stage=catalog.stages[matter.stage].name,
                department=catalog.departments[matter.department],
                legal_time_limit=matter.legal_time_limit,
                promised_time_limit=matter.promised_time_limit,
                fee=matter.fee,
                online_url=matter.online_url,
                basis=matter.basis,
                notes=matter.notes,
                materials=materials,
                provenance=basis(matter),
            )
        )
    return Checklist(
        bundle=bundle,
        situation=situation,
        matters=matters,
        missing_questions=missing,
        notes=list(bundle.notes),
        url=base_url + checklist_path(bundle.id, answers),
        sample_departments=catalog.kb.sample_departments,
    )
