"""A search by name, 文号 or topic words: current policies first, expired ones in a list of their own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from app.knowledge.policy_schema import Policy
from app.services.matching import AMBIGUOUS_GAP, FUZZY_FLOOR, LIKELY, core
from app.services.policies.conditions import Condition
from app.services.policies.names import _DOC_KEY, _SEGMENTER, _STOPWORDS, _doc_key, _fuzzy, _is_token, _phrase, _plain
from app.services.policies.results import LEVEL_ORDER, PolicySearch, SearchHit
from app.services.policies.windows import deadline, validity


@dataclass
class _Compiled:
    policy: Policy
    conditions: list[Condition]
    phrases: list[tuple[str, str, str]] = field(default_factory=list)
    """(phrase, its core without request words, its plain form without punctuation)."""
    tokens: frozenset[str] = frozenset()
    doc_keys: tuple[tuple[str, str], ...] = ()
    """(normalised 文号, 文号 as written): its own, its sources' and the documents it replaces, so a question
    about 财政部 税务总局公告2023年第19号 finds the policy now resting on 2026年第10号."""


def _document_keys(policy: Policy) -> tuple[tuple[str, str], ...]:
    numbers = [policy.document_number, *(s.doc_number for s in policy.sources), *policy.replaces]
    written = [n for n in dict.fromkeys(numbers) if n and any(ch.isdigit() for ch in n)]
    return tuple((_doc_key(n), n) for n in written if _doc_key(n))


def find_policies(compiled_policies: Mapping[str, _Compiled], text: str, today: date, limit: int = 10) -> PolicySearch:
    query = _phrase(text)[:200]
    query_core = core(query)
    tokens = {t for t in _SEGMENTER.cut(query_core) if _is_token(t)}
    doc_query = _doc_key(query)
    is_document = len(doc_query) >= 4 and any(ch.isdigit() for ch in doc_query)
    remainder = query_core
    for word in sorted(_STOPWORDS, key=len, reverse=True):
        remainder = remainder.replace(word, "")
    if len(remainder) < 2 and remainder not in ("税", "贷") and not is_document:
        return PolicySearch("empty", [], [], "")
    by_name: list[tuple[float, bool, int, str, _Compiled]] = []
    by_topic: list[tuple[float, _Compiled, str]] = []
    for compiled in compiled_policies.values():
        score, exact, matched = _name_score(compiled, query, query_core)
        for key, written in compiled.doc_keys if is_document else ():
            if key in doc_query or (len(doc_query) >= 6 and doc_query in key):
                score, exact, matched = 100.0, True, written
                break
        if score >= FUZZY_FLOOR:
            by_name.append((score, exact, len(matched), matched, compiled))
            continue
        overlap = sorted(tokens & compiled.tokens, key=len, reverse=True)
        if overlap:
            score = min(FUZZY_FLOOR - 1, 60.0 + 5 * len(overlap) + max(len(w) for w in overlap))
            by_topic.append((score, compiled, "、".join(overlap[:3])))
    by_name.sort(key=lambda h: (-h[0], not h[1], -h[2], h[4].policy.id))
    by_topic.sort(key=lambda h: (-h[0], LEVEL_ORDER[h[1].policy.level], h[1].policy.id))

    def hit(compiled: _Compiled, score: float, matched: str) -> SearchHit:
        p = compiled.policy
        return SearchHit(p, round(score, 1), matched, validity(p, today), deadline(p, today))

    named = [hit(c, s, m) for s, _, _, m, c in by_name]
    current = [h for h in named if h.validity != "已失效"]
    expired = [h for h in named if h.validity == "已失效"]
    related = [hit(c, s, m) for s, c, m in by_topic if validity(c.policy, today) != "已失效"]
    topic = _DOC_KEY.sub("", query)[:30]
    if current:
        top = current[0]
        rivals = [h for h in current[1:] if h.score >= top.score - AMBIGUOUS_GAP]
        by_document = any(top.matched == written for _, written in compiled_policies[top.policy.id].doc_keys)
        found = by_document or (top.score >= LIKELY and not rivals)
        return PolicySearch("matched" if found else "ambiguous", (current + related)[:limit], expired[:limit], topic)
    if expired:
        return PolicySearch("expired", related[:limit], expired[:limit], topic)
    if related:
        return PolicySearch("related", related[:limit], [], topic)
    return PolicySearch("unknown", [], [], topic)


def _name_score(compiled: _Compiled, query: str, query_core: str) -> tuple[float, bool, str]:
    best: tuple[float, bool, str] = (0.0, False, "")
    query_plain = _plain(query)
    for phrase, phrase_core, phrase_plain in compiled.phrases:
        if not phrase_core:
            continue
        exact = False
        if phrase_core == query_core:
            score, exact = 100.0, True
        elif phrase in query or (len(phrase_core) >= 2 and phrase_core in query_core):
            score = 100.0
        elif len(query_core) >= 2 and query_core in phrase_core:
            score = 85.0 + 15.0 * len(query_core) / len(phrase_core)
        else:
            score = max(_fuzzy(phrase_core, query_core), _fuzzy(phrase_plain, query_plain))
        if (score, exact) > best[:2]:
            best = (score, exact, phrase)
    return best
