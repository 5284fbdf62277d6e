"""Which appeal category a complaint belongs to, from the keywords of appeal_categories.yml.

A keyword is one of:

- a word or phrase (``环评``, ``待受理``), found anywhere in the normalised text; a
  one-character keyword (``电``, ``证``, ``罚``) only as a whole jieba word, so 电 does
  not match inside 电话 or 电商;
- a combination ``A+B`` (``窗口+跑``): every part must occur; it weighs the sum of its parts.

``signals`` (generic complaint phrasing: 办不下来, 没到账) match the same way and weigh half.

Longest keywords first: a keyword found only inside a longer matched keyword does not
count (劳动合同 is 用工, its 合同 is not also 法律纠纷). A category's weight is the length of
its matched keywords; the top one is ``matched`` when it leads the runner-up by half
again, ``ambiguous`` otherwise. Nothing found: the fallback category (其他), ``unknown``.
Keywords of four characters or more also match a typo (rapidfuzz partial ratio ≥ 80).
The accuracy on hotline phrasing is measured by ``make eval-appeals`` (eval/appeals.yml).
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import jieba
from rapidfuzz import fuzz

from app.knowledge.appeals import AppealCategory, AppealKnowledge
from app.services.text import normalize

FUZZY_MIN_LENGTH, FUZZY_FLOOR, CLEAR_LEAD = 4, 80.0, 1.5
SIGNAL_FACTOR = 0.5
MAX_TEXT = 2000


@dataclass(frozen=True)
class CategoryMatch:
    category: AppealCategory
    score: float
    """Best keyword match: 100 verbatim, else the rapidfuzz similarity."""
    weight: float
    """Matched characters weighted by score: the ranking key."""
    matched: tuple[str, ...]


@dataclass(frozen=True)
class Classification:
    status: Literal["matched", "ambiguous", "unknown", "empty"]
    category: AppealCategory
    score: float
    candidates: list[CategoryMatch] = field(default_factory=list)


@dataclass(frozen=True)
class _Keyword:
    text: str
    """As written in the file (shown as the deciding word)."""
    parts: tuple[str, ...]
    category: AppealCategory
    factor: float = 1.0
    """1 for a keyword, SIGNAL_FACTOR for a signal."""

    @property
    def length(self) -> int:
        return sum(len(p) for p in self.parts)


_jieba_lock = threading.Lock()


@lru_cache(maxsize=4)
def _tokenizer(words: tuple[str, ...]) -> jieba.Tokenizer:
    """A private jieba tokenizer that knows every keyword as a word (the global one is left alone)."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    with _jieba_lock:
        tokenizer.initialize()
    for word in words:
        if len(word) > 1:
            tokenizer.add_word(word, freq=2000)
    return tokenizer


def _keywords(knowledge: AppealKnowledge) -> tuple[_Keyword, ...]:
    signature = tuple((c.id, tuple(c.keywords)) for c in knowledge.categories)
    cached = _keyword_cache.get(signature)
    if cached is None:
        if len(_keyword_cache) > 8:
            _keyword_cache.clear()
        cached = _keyword_cache[signature] = _parse_keywords(knowledge.categories)
    return cached


_keyword_cache: dict[tuple[tuple[str, tuple[str, ...]], ...], tuple[_Keyword, ...]] = {}


def _parse_keywords(categories: tuple[AppealCategory, ...]) -> tuple[_Keyword, ...]:
    keywords = []
    for category in categories:
        entries = [(raw, 1.0) for raw in category.keywords] + [(raw, SIGNAL_FACTOR) for raw in category.signals]
        for raw, factor in entries:
            parts = tuple(p for p in (normalize(x).replace(" ", "") for x in raw.split("+")) if p)
            if parts:
                keywords.append(_Keyword(raw, parts, category, factor))
    return tuple(sorted(keywords, key=lambda k: -k.length))


def _spans(part: str, query: str, tokens: dict[str, list[int]]) -> list[range]:
    if len(part) == 1:
        return [range(start, start + 1) for start in tokens.get(part, [])]
    spans, start = [], query.find(part)
    while start != -1:
        spans.append(range(start, start + len(part)))
        start = query.find(part, start + 1)
    return spans


def classify(knowledge: AppealKnowledge, text: str) -> Classification:
    """The category of a complaint with the keywords that decided it (see the module docstring)."""
    query = re.sub(r"\s+", "", normalize(text))[:MAX_TEXT]
    if not query:
        return Classification("empty", knowledge.fallback, 0.0)
    keywords = _keywords(knowledge)
    tokenizer = _tokenizer(tuple(sorted({p for k in keywords for p in k.parts})))
    tokens: dict[str, list[int]] = {}
    for word, start, _end in tokenizer.tokenize(query):
        tokens.setdefault(word, []).append(start)
    covered = [0] * len(query)  # length of the longest keyword matched over each character
    found: dict[str, list[tuple[str, float, float]]] = {}
    for keyword in keywords:
        spans = [_spans(part, query, tokens) for part in keyword.parts]
        if not all(spans):
            continue
        chosen = [i for part_spans in spans for r in part_spans for i in r]
        if any(covered[i] <= keyword.length for i in chosen):
            for i in chosen:
                covered[i] = max(covered[i], keyword.length)
            found.setdefault(keyword.category.id, []).append((keyword.text, keyword.length * keyword.factor, 100.0))
    # Typos: a long keyword close to a stretch of text no verbatim keyword explains.
    for keyword in keywords:
        if len(keyword.parts) > 1 or keyword.length < FUZZY_MIN_LENGTH or keyword.parts[0] in query:
            continue
        alignment = fuzz.partial_ratio_alignment(keyword.parts[0], query, score_cutoff=FUZZY_FLOOR)
        if alignment is None:
            continue
        region = range(alignment.dest_start, alignment.dest_end)
        if any(covered[i] == 0 for i in region):
            for i in region:
                covered[i] = max(covered[i], 1)
            hit = (keyword.text, keyword.length * keyword.factor, float(alignment.score))
            found.setdefault(keyword.category.id, []).append(hit)
    by_id = knowledge.by_id
    matches = [
        CategoryMatch(
            category=by_id[category_id],
            score=round(max(score for _, _, score in hits), 1),
            weight=round(sum(length * score / 100 for _, length, score in hits), 2),
            matched=tuple(keyword for keyword, _, _ in hits),
        )
        for category_id, hits in found.items()
    ]
    order = {c.id: n for n, c in enumerate(knowledge.categories)}
    matches.sort(key=lambda m: (-m.weight, -m.score, order[m.category.id]))
    if not matches:
        return Classification("unknown", knowledge.fallback, 0.0)
    top = matches[0]
    clear = len(matches) == 1 or top.weight >= CLEAR_LEAD * matches[1].weight
    return Classification("matched" if clear else "ambiguous", top.category, top.score, matches)
