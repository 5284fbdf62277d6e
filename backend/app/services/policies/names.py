"""Names and 文号 as search keys: normalising, segmenting (jieba), comparing with one typo allowed."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

import jieba
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from app.knowledge.policy_schema import Criteria
from app.services.text import normalize

TYPO_SCORE = 90.0
"""A name typed with one wrong, missing or extra character (稳岗反还, 六说两费)."""
SHORT_TYPO_SCORE = 78.0
"""A three-character name with one wrong character: listed, but asked back (did you mean…)."""
_PUNCTUATION = re.compile(r"[\s,，。.!！?？、:：;；~～\-—()（）\[\]【】\"'“”‘’《》<>/]+")
_DOC_KEY = re.compile(r"[\s〔〕\[\]【】()（）{}<>《》“”\"'、,，.。:：;；·・\-—_/第号]")
_STOPWORDS = frozenset(
    {
        "政策",
        "优惠",
        "企业",
        "我们",
        "什么",
        "哪些",
        "可以",
        "有没有",
        "申报",
        "申请",
        "享受",
        "怎么",
        "这个",
        "一下",
        "惠企",
        "服务",
        "办理",
        "工作",
        "机制",
        "相关",
        "实施",
        "措施",
        "方案",
        "通知",
        "办法",
        "规定",
        "公告",
    }
)
_THEME_WORDS: dict[str, tuple[str, ...]] = {
    "税收优惠": ("税", "税收", "减税", "免税", "纳税", "所得税", "增值税", "退税"),
    "财政支持": ("补贴", "补助", "奖励", "奖补", "资金", "资助", "扶持"),
    "费金减免": ("减免", "收费", "缴费", "免征", "减缴", "缓缴"),
    "降低制度性交易成本": ("采购", "招标", "投标", "注销", "报装", "审批", "便利"),
    "降低人工成本": ("用工", "社保", "招聘", "招人", "稳岗", "就业", "培训", "人才"),
    "降低融资成本": ("融资", "贷款", "贷", "贴息", "担保", "信用贷", "借款", "资金周转"),
}


def _plain(text: str) -> str:
    return _PUNCTUATION.sub("", text)


def _fuzzy(a: str, b: str) -> float:
    """Similarity of two names, 0–100, tolerant to one wrong character.

    A text of three characters is compared whole, never as a window of a longer one:
    two common characters out of three ("有政策" in "…扶持政策") are not a match.
    """
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < 3 or (len(short) == 3 and len(long) > 3):
        return 0.0
    if len(short) == 3:
        return SHORT_TYPO_SCORE if Levenshtein.distance(short, long) <= 1 else 0.0
    score = float(max(fuzz.partial_ratio(short, long), fuzz.ratio(short, long)))
    if score < TYPO_SCORE and _one_typo(short, long):
        score = TYPO_SCORE
    return score


def _one_typo(a: str, b: str) -> bool:
    """The shorter text (4+ characters) is one edit away from a window of the longer one."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < 4:
        return False
    window = fuzz.partial_ratio_alignment(short, long)
    if window is None:
        return False
    return Levenshtein.distance(short, long[window.dest_start : window.dest_end]) <= 1


def _audience(criteria: Criteria) -> set[str]:
    """Words naming who a policy is for ("小微", "个体户"): a search for them finds it."""
    words: set[str] = set()
    scales = set(criteria.scales)
    if scales & {"微型", "小型"}:
        words |= {"小微", "小微企业", "中小企业"}
    if "中型" in scales:
        words |= {"中小企业", "中型企业"}
    if "个体工商户" in criteria.entity_types:
        words |= {"个体户", "个体工商户"}
    if "小规模纳税人" in criteria.taxpayer_types:
        words |= {"小规模", "小规模纳税人"}
    if criteria.small_low_profit:
        words |= {"小型微利", "小微", "小微企业"}
    for name in criteria.certifications_any:
        words |= {name.replace("“", "").replace("”", ""), "高新" if name == "高新技术企业" else name[:4]}
    for alternative in criteria.any_of:
        words |= _audience(alternative)
    return words


def _is_token(word: str) -> bool:
    return (len(word) >= 2 or word in ("税", "贷")) and word not in _STOPWORDS


def _doc_key(text: str) -> str:
    return _DOC_KEY.sub("", normalize(text))


class _Segmenter:
    """One jieba tokenizer per process (loading its dictionary takes about a second).

    jieba keeps its dictionary in a plain dict, so adding words (a knowledge reload)
    and cutting (a search) are serialised; both take microseconds.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokenizer: jieba.Tokenizer | None = None

    def _get(self) -> jieba.Tokenizer:
        if self._tokenizer is None:
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            self._tokenizer = tokenizer
        return self._tokenizer

    def add(self, words: Iterable[str]) -> None:
        with self._lock:
            tokenizer = self._get()
            for word in words:
                if word:
                    tokenizer.add_word(word, freq=2000)

    def cut(self, text: str) -> list[str]:
        with self._lock:
            return list(self._get().lcut_for_search(text))


_SEGMENTER = _Segmenter()


def _phrase(text: str) -> str:
    return normalize(text).replace("“", "").replace("”", "").replace('"', "")
