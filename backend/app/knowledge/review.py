"""What a reviewer must look at: provenance errors (refused on load) and ``make knowledge-report``.

Errors make ``make knowledge`` refuse the files:
- an item resting on a superseded document with no successor recorded (neither on the source nor on the item);
- an item citing, as a current source, a document another item records it ``replaces``;
- ``replaces`` / ``superseded_by`` naming an item id that does not exist;
- a matter whose ``basis`` text does not name one of its sources (the two would drift apart).

The report lists what needs review without failing: items not reviewed for more than
:data:`STALE_AFTER_DAYS`, items in force resting on superseded documents, policies ending within
:data:`ENDING_WITHIN_DAYS`, unverified items, departments named in texts but missing from
departments.yml, and totals.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.knowledge.policy_schema import applies_in_service_region
from app.knowledge.provenance import Provenance, provenance_problems
from app.knowledge.schema import KnowledgeBase

STALE_AFTER_DAYS = 180
ENDING_WITHIN_DAYS = 60
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_DEPARTMENT_NAME = re.compile(r"(?<![设市])区(?!县)[\u4e00-\u9fff]{1,10}?(?:委员会|局|委|联|中心|部门)")
_NOT_DEPARTMENTS = frozenset({"区政务服务中心"})
"""Names in texts that are not departments of departments.yml (the center itself has its own entry)."""


def _items(kb: KnowledgeBase) -> list[tuple[str, str, str, Provenance]]:
    """(kind, id, name, item) for every policy and matter."""
    items: list[tuple[str, str, str, Provenance]] = [("事项", m.id, m.name, m) for m in kb.matters]
    items += [("政策", p.id, p.name, p) for p in kb.policies]
    return items


def provenance_errors(kb: KnowledgeBase) -> list[str]:
    problems: list[str] = []
    ids = {m.id for m in kb.matters} | {p.id for p in kb.policies}
    replaced: dict[str, str] = {}
    for _kind, item_id, _name, item in _items(kb):
        for ref in item.replaces:
            if not _ID.match(ref):
                replaced.setdefault(ref, item_id)
    for kind, item_id, _name, item in _items(kb):
        where = f"{kind} {item_id}"
        problems += provenance_problems(where, item, in_force=True)
        for ref in [*item.replaces, *item.superseded_by]:
            if _ID.match(ref) and ref not in ids:
                problems.append(f"{where}：replaces/superseded_by 引用的条目 {ref} 不存在")
        for source in item.sources:
            by = replaced.get(source.doc_number or "")
            if by and by != item_id and not source.superseded:
                problems.append(
                    f"{where}：依据 {source.doc_number} 已被 {by} 记为替代（replaces），须标 superseded 或改用新依据"
                )
    for matter in kb.matters:
        for source in matter.sources:
            if source.title not in matter.basis:
                problems.append(f"事项 {matter.id}：sources 中的《{source.title}》未出现在 basis（设定依据）中")
    return problems


@dataclass(frozen=True)
class Entry:
    kind: str
    id: str
    name: str
    detail: str


@dataclass
class Report:
    today: date
    stale: list[Entry] = field(default_factory=list)
    on_superseded: list[Entry] = field(default_factory=list)
    ending_soon: list[Entry] = field(default_factory=list)
    unverified: list[Entry] = field(default_factory=list)
    missing_departments: list[Entry] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    verification: Counter[str] = field(default_factory=Counter)


def _in_force(item: Provenance, today: date) -> bool:
    effective_to = getattr(item, "effective_to", None)
    return effective_to is None or effective_to >= today


def _known_department_names(kb: KnowledgeBase) -> set[str]:
    names: set[str] = set()
    for d in kb.departments:
        names |= {d.name, d.short_name, *d.aliases}
        names |= {f"区{alias}" for alias in d.aliases}
    return names


def _texts(kb: KnowledgeBase) -> list[tuple[str, str, str, str]]:
    texts = []
    for p in kb.policies:
        if not applies_in_service_region(p.region):
            continue  # its 区 is another district's
        body = " ".join([p.channel, p.authority, p.eligibility, p.application_period, *p.procedure, *p.materials])
        texts.append(("政策", p.id, p.name, body))
    for m in kb.matters:
        texts.append(("事项", m.id, m.name, " ".join(filter(None, [m.promised_time_limit, m.notes]))))
    return texts


def build_report(kb: KnowledgeBase, today: date) -> Report:
    report = Report(today=today)
    stale_before = today - timedelta(days=STALE_AFTER_DAYS)
    for kind, item_id, name, item in _items(kb):
        report.verification[item.verification] += 1
        if item.reviewed_on < stale_before:
            days = (today - item.reviewed_on).days
            report.stale.append(Entry(kind, item_id, name, f"上次核对 {item.reviewed_on}（{days} 天前）"))
        old = item.superseded_sources()
        if old and _in_force(item, today):
            cited = "；".join(f"{s.doc_number or s.title} → {s.superseded_by or '见 superseded_by'}" for s in old)
            report.on_superseded.append(Entry(kind, item_id, name, cited))
        if item.verification == "unverified":
            report.unverified.append(Entry(kind, item_id, name, f"核对人：{item.reviewed_by}"))
    for policy in kb.policies:
        end = policy.effective_to
        if end is not None and today <= end <= today + timedelta(days=ENDING_WITHIN_DAYS):
            report.ending_soon.append(
                Entry("政策", policy.id, policy.name, f"{end} 到期（还剩 {(end - today).days} 天）")
            )
    known = _known_department_names(kb)
    seen: set[tuple[str, str]] = set()
    for kind, item_id, name, text in _texts(kb):
        for found in _DEPARTMENT_NAME.findall(text):
            if found in known or found in _NOT_DEPARTMENTS or any(found in k or k in found for k in known):
                continue
            if (item_id, found) not in seen:
                seen.add((item_id, found))
                report.missing_departments.append(Entry(kind, item_id, name, found))
    report.totals = {
        "事项": len(kb.matters),
        "政策": len(kb.policies),
        "部门": len(kb.departments),
        "材料": len(kb.materials),
        "套餐": len(kb.bundles),
    }
    return report
