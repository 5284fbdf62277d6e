"""索引式导办: find one matter (事项) from free text, and its full 办事指南.

People name a licence by its official name, a shortened one ("食品经营许可证") or the word the
street uses ("食经证", "特行证"); the aliases are reviewed data in ``knowledge/matter_aliases.yml``.
A phrase found verbatim scores 100; otherwise rapidfuzz tolerates one wrong character in
phrases of five or more characters ("食品经营许刻证"). Shorter phrases must match exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jieba
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from app.knowledge.schema import Bundle, KnowledgeBase, Material, Matter
from app.services.text import normalize

MATTER_FLOOR = 80.0
TYPO_SCORE = 90.0
_GENERIC_WORDS = {
    "许可",
    "许可证",
    "经营",
    "登记",
    "备案",
    "申请",
    "办理",
    "核发",
    "审批",
    "单位",
    "信息",
    "证书",
    "证件",
}
_PARENTHESES = re.compile(r"[（(][^）)]*[）)]")
_SUFFIXES = ("核发", "核准", "审批", "申请", "办理")
_PUNCTUATION = re.compile(r"[\s,，。.!！?？、:：;；~～\-—()（）\[\]【】\"'“”‘’《》<>/]+")


def names_of(matter: Matter) -> list[str]:
    """Every way to name ``matter``: the official name, it without brackets or a trailing verb, its aliases."""
    plain = _PARENTHESES.sub("", matter.name).strip()
    names = {matter.name, plain, *matter.aliases}
    for suffix in _SUFFIXES:
        if plain.endswith(suffix) and len(plain) - len(suffix) >= 4:
            names.add(plain.removesuffix(suffix))
    return sorted(names, key=len, reverse=True)


@dataclass(frozen=True)
class MatterHit:
    matter_id: str
    score: float
    phrase: str
    context: int = 0
    """Words of the matter's full name (brackets included) also in the question: decides between
    matters named alike ("幼儿园食堂的食品经营许可" is the 学校、幼儿园食堂 one)."""
    position: int = -1
    """Where the phrase stands in the question (-1 when only similar)."""


def _one_typo(phrase: str, query: str) -> bool:
    """``phrase`` is one substitution away from a window of ``query`` ("医保订点"). Three characters are
    enough for a licence ending in 证 when the 证 itself is typed ("赢运证" for 营运证)."""
    short_licence = len(phrase) == 3 and phrase.endswith("证")
    if (len(phrase) < 4 and not short_licence) or len(query) < len(phrase):
        return False
    for i in range(len(query) - len(phrase) + 1):
        window = query[i : i + len(phrase)]
        if Levenshtein.distance(phrase, window) <= 1 and (not short_licence or window.endswith("证")):
            return True
    return False


def _context_words(matter: Matter) -> set[str]:
    words = {w for w in jieba.lcut(normalize(matter.name)) if len(w) >= 2 and w not in _GENERIC_WORDS}
    return {w.removesuffix("阶段") for w in words if len(w.removesuffix("阶段")) >= 2}


class MatterMatcher:
    def __init__(self, kb: KnowledgeBase) -> None:
        self._phrases: list[tuple[str, str]] = []
        self._context = {m.id: _context_words(m) for m in kb.matters}
        self._full = {m.id: _PUNCTUATION.sub("", normalize(m.name)) for m in kb.matters}
        self._plain = {m.id: _PUNCTUATION.sub("", normalize(_PARENTHESES.sub("", m.name))) for m in kb.matters}
        for matter in kb.matters:
            for name in names_of(matter):
                phrase = _PUNCTUATION.sub("", normalize(name))
                if len(phrase) >= 2:
                    self._phrases.append((phrase, matter.id))

    def search(self, text: str, limit: int = 5) -> list[MatterHit]:
        query = _PUNCTUATION.sub("", normalize(text)[:500])
        best: dict[str, MatterHit] = {}
        if not query:
            return []
        for phrase, matter_id in self._phrases:
            if phrase in query:
                score = 100.0
            elif _one_typo(phrase, query):
                score = TYPO_SCORE
            elif len(phrase) >= 6:
                score = float(fuzz.partial_ratio(phrase, query))
                if score < MATTER_FLOOR:
                    continue
            else:
                continue
            current = best.get(matter_id)
            if current is None or (score, len(phrase)) > (current.score, len(current.phrase)):
                context = sum(1 for w in self._context[matter_id] if w in query and w not in phrase)
                best[matter_id] = MatterHit(matter_id, score, phrase, context, query.rfind(phrase))
        # Ties go to the more specific phrase, then to the one named last: "领了执照，发票咋个申领" asks about 发票.
        ranked = sorted(best.values(), key=lambda h: (-h.score, -len(h.phrase), -h.position, -h.context, h.matter_id))
        if ranked:
            # Matters named alike (施工许可 / 施工许可（基坑阶段）): the one whose own words the question also uses.
            top = ranked[0]
            siblings = [
                MatterHit(
                    m, top.score, top.phrase, sum(1 for w in self._context[m] if w in query and w not in top.phrase)
                )
                for m, full in self._full.items()
                if m != top.matter_id and (top.phrase in full or self._plain[m] == self._plain[top.matter_id])
            ]
            better = max(siblings, key=lambda h: h.context, default=None)
            if better is not None and better.context > top.context:
                ranked = [better, *[h for h in ranked if h.matter_id != better.matter_id]]
        return ranked[:limit]


@dataclass(frozen=True)
class GuideMaterial:
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
    """Needed only in some situations (the bundle's questions decide); the checklist personalizes it."""


def guide_materials(materials: dict[str, Material], matter: Matter) -> list[GuideMaterial]:
    out: dict[str, GuideMaterial] = {}
    for entry in matter.materials:
        if entry.material in out:
            continue
        material = materials[entry.material]
        notes = [n for n in (material.notes, entry.note) if n]
        out[entry.material] = GuideMaterial(
            id=entry.material,
            name=material.name,
            form=entry.form,
            copies=entry.copies,
            source=material.source,
            notes=notes,
            tolerated_absence=entry.tolerated_absence,
            by_commitment=entry.by_commitment,
            exempt_shared=entry.exempt_shared,
            conditional=entry.when is not None,
        )
    return list(out.values())


def bundles_with(kb: KnowledgeBase, matter_id: str) -> list[Bundle]:
    """The "一件事" bundles this matter is part of, industry bundles first."""
    found = [b for b in kb.bundles if any(item.matter == matter_id for item in b.matters)]
    return sorted(found, key=lambda b: (b.industry is None, len(b.matters)))


def matter_path(matter_id: str) -> str:
    return f"/guide/matter/{matter_id}"
