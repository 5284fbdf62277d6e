"""Find bundles and departments from free text: jieba + rapidfuzz over names and aliases.

A phrase found verbatim scores 100; otherwise rapidfuzz's ``partial_ratio``
tolerates one wrong or missing character in phrases of three or more
characters ("火锅点" still finds 火锅店). Two-character phrases must match
exactly: one wrong character out of two is another word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from app.knowledge.deployment import service_info
from app.knowledge.schema import Department, KnowledgeBase
from app.services.text import normalize

MATCHED, LIKELY, FUZZY_FLOOR, AMBIGUOUS_GAP = 90.0, 85.0, 75.0, 8.0

# Words of the request itself, not of the business. Removing them (longest first)
# from the text leaves its "core": what the user wants to do ("殡葬服务", "网吧").
# Fuzzy matching runs on cores only, so "需要什么证" in a long alias never makes
# two unrelated businesses look alike.
_GENERIC = (
    "我们",
    "我",
    "俺们",
    "俺",
    "咱们",
    "咱",
    "你们",
    "你",
    "您",
    "你好",
    "您好",
    "请问",
    "想要",
    "想",
    "打算",
    "准备",
    "计划",
    "需要",
    "要",
    "需",
    "得",
    "应该",
    "怎么办",
    "怎么",
    "怎样",
    "如何",
    "什么",
    "哪些",
    "哪个",
    "啥",
    "开一家",
    "开一个",
    "开个",
    "新开",
    "开办",
    "开设",
    "开",
    "一家",
    "一个",
    "办理",
    "办个",
    "办",
    "做",
    "搞",
    "经营",
    "弄",
    "申请",
    "申办",
    "成立",
    "手续",
    "证件",
    "证照",
    "证",
    "执照",
    "材料",
    "资料",
    "流程",
    "步骤",
    "程序",
    "条件",
    "时间",
    "多久",
    "时限",
    "要求",
    "审批",
    "许可",
    "相关",
    "哪里",
    "在哪",
    "去哪",
    "有限责任公司",
    "有限公司",
    "的",
    "了",
    "吗",
    "呢",
    "啊",
    "呀",
    "么",
    "嘛",
    "和",
    "与",
    "及",
    "还有",
    "还",
    "也",
    "都",
    "就",
    "在",
    "到",
    "从",
    "给",
    "把",
    "被",
    "是",
    "有没有",
    "没有",
    "这个",
    "那个",
    "这",
    "那",
    "一下",
    "一些",
    "本地",
    "这里",
    "这边",
    "那边",
    "区里",
    "咨询",
    "问问",
    "了解",
    "知道",
    "告诉",
    "帮忙",
    "帮",
    "个人",
    "企业",
    "公司",
    "生意",
    "门店",
    "店铺",
    "铺子",
    "买卖",
    "行业",
    "项目",
    "事情",
    "业务",
    "可以",
    "能",
)


def _region_words() -> list[str]:
    """The service region's names (重庆市黔江区, 重庆市, 重庆, 黔江区, 黔江 …) from knowledge/service.yml."""
    service = service_info()
    parts = re.findall(r".+?(?:自治区|自治州|省|市|州|区|县|旗)", service.region)
    words = [service.region, *service.region_aliases, *parts]
    return [*words, *(re.sub(r"(自治区|自治州|省|市|州|区|县|旗)$", "", w) for w in parts)]


GENERIC_WORDS = tuple(sorted({*_GENERIC, *(w for w in _region_words() if len(w) >= 2)}, key=len, reverse=True))
_PUNCTUATION = re.compile(r"[\s\d,，。.!！?？、:：;；~～\-—()（）\[\]【】\"'“”‘’《》<>/]+")


def _phrase(text: str) -> str:
    return normalize(text).replace("“", "").replace("”", "").replace("一件事", "").strip()


def core(text: str) -> str:
    """The text without request words and punctuation: the business the user names."""
    remainder = _PUNCTUATION.sub("", text)
    for word in GENERIC_WORDS:
        remainder = remainder.replace(word, "")
    return remainder


@dataclass(frozen=True)
class Candidate:
    bundle_id: str
    score: float
    phrase: str
    verbatim: bool = False
    """The phrase itself is in the text (not only its core): the user named this business."""


@dataclass(frozen=True)
class BundleSearch:
    status: Literal["matched", "ambiguous", "unknown", "empty"]
    candidates: list[Candidate]
    topic: str


def _score(phrase: str, phrase_core: str, text: str, text_core: str) -> float:
    if phrase in text or (len(phrase_core) >= 2 and phrase_core in text_core):
        return 100.0
    if len(phrase_core) < 3 or not text_core:
        return 0.0
    return float(max(fuzz.partial_ratio(phrase_core, text_core), fuzz.ratio(phrase_core, text_core)))


class BundleMatcher:
    def __init__(self, kb: KnowledgeBase) -> None:
        industries = {i.id: i for i in kb.industries}
        self._phrases: list[tuple[str, str, str]] = []
        self._industry_bundles = {b.id for b in kb.bundles if b.industry}
        for bundle in kb.bundles:
            names = [bundle.name, bundle.short_name, *bundle.aliases]
            if bundle.industry:
                industry = industries[bundle.industry]
                names += [industry.name, *industry.aliases]
            for name in names:
                phrase = _phrase(name)
                if phrase:
                    self._phrases.append((phrase, core(phrase), bundle.id))

    def search(self, text: str, limit: int = 5) -> BundleSearch:
        query = normalize(text)[:500]
        query_core = core(query)
        best: dict[str, Candidate] = {}
        if query:
            for phrase, phrase_core, bundle_id in self._phrases:
                score = _score(phrase, phrase_core, query, query_core)
                if score < FUZZY_FLOOR:
                    continue
                current = best.get(bundle_id)
                verbatim = phrase in query
                if current is None or (score, verbatim, len(phrase)) > (
                    current.score,
                    current.verbatim,
                    len(current.phrase),
                ):
                    best[bundle_id] = Candidate(bundle_id, score, phrase, verbatim)

        # Ties go to the industry bundle: it already contains the lifecycle matters
        # ("个体户开的小饭馆" is the 餐饮 bundle, whose first matter is 个体户 registration).
        def rank(c: Candidate) -> tuple[float, bool, bool, int, str]:
            return (-c.score, not c.verbatim, c.bundle_id not in self._industry_bundles, -len(c.phrase), c.bundle_id)

        ranked = sorted(best.values(), key=rank)[:limit]
        topic = query_core[:30]
        if not ranked:
            # One character left ("我想办事" → "事") names no business: ask which one, don't say it is not covered.
            return BundleSearch("unknown" if len(topic) >= 2 else "empty", [], topic)
        top = ranked[0]
        rivals = [c for c in ranked[1:] if c.score >= top.score - AMBIGUOUS_GAP]
        # A longer verbatim phrase is the more specific one: 开药店 beats 开店-like overlaps.
        rivals = [c for c in rivals if not (c.score == top.score == 100.0 and rank(c)[1:4] > rank(top)[1:4])]
        if top.score >= LIKELY and not rivals:
            return BundleSearch("matched", ranked, topic)
        return BundleSearch("ambiguous", ranked, topic)


class DepartmentMatcher:
    def __init__(self, kb: KnowledgeBase) -> None:
        self._departments = {d.id: d for d in kb.departments}
        self._phrases = [
            (phrase, core(phrase), d.id)
            for d in kb.departments
            for phrase in (_phrase(name) for name in (d.name, d.short_name, *d.aliases))
        ]

    def find(self, text: str) -> Department | None:
        query = normalize(text)[:500]
        best: tuple[float, int, str] | None = None
        query_core = core(query)
        for phrase, phrase_core, department_id in self._phrases:
            score = _score(phrase, phrase_core, query, query_core)
            if score < MATCHED:
                continue
            key = (score, len(phrase), department_id)
            if best is None or key[:2] > best[:2]:
                best = key
        return None if best is None else self._departments[best[2]]
