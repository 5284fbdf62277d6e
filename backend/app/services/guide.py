"""The question tree of a bundle: understand answers, pick the next question.

Answers come from anywhere in a message ("我们是个体户开的小饭馆" answers the
登记形式 question before it is asked; "不对，是有售酒的" corrects an earlier
answer). Bare replies ("有", "2", "120") answer only the question pending.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from app.knowledge.conditions import evaluate
from app.knowledge.schema import Bundle, Option, Question
from app.services.text import normalize, numbers_in

YES_WORDS = (
    "是的",
    "是",
    "对的",
    "对",
    "有的",
    "有",
    "要的",
    "要",
    "需要",
    "嗯",
    "好的",
    "好",
    "会",
    "可以",
    "yes",
    "y",
    "ok",
)
NO_WORDS = ("不是", "不要", "不需要", "没有", "没", "不会", "不用", "无", "否", "不", "no", "n")
CORRECTION_WORDS = ("不对", "错了", "说错", "改一下", "更正")
NEGATIONS = ("不", "没", "无", "未", "别", "非")
ORDINALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
MAX_NUMBER = 10_000_000


@dataclass
class Change:
    question: Question
    value: Any
    previous: Any


@dataclass
class Step:
    answers: dict[str, Any]
    changes: list[Change] = field(default_factory=list)
    next_question: Question | None = None
    understood: bool = True
    """False when the message answered nothing, the pending question included."""


def applicable(bundle: Bundle, answers: dict[str, Any]) -> list[Question]:
    """Questions whose ``ask_if`` holds for these answers, in tree order."""
    return [q for q in bundle.questions if evaluate(q.ask_if, answers)]


def next_question(bundle: Bundle, answers: dict[str, Any]) -> Question | None:
    return next((q for q in applicable(bundle, answers) if q.id not in answers), None)


def prune(bundle: Bundle, answers: dict[str, Any]) -> dict[str, Any]:
    """Drop answers to questions that no longer apply (e.g. after a correction)."""
    kept = dict(answers)
    while True:
        live = {q.id for q in applicable(bundle, kept)}
        dropped = {k for k in kept if k not in live}
        if not dropped:
            return kept
        kept = {k: v for k, v in kept.items() if k not in dropped}


def option_label(question: Question, value: Any) -> str:
    if question.type == "number":
        number = int(value) if float(value).is_integer() else value
        return f"{number}{question.unit or ''}"
    for option in question.options:
        if option.value == value:
            return option.label
    return str(value)


def _keyword_hits(question: Question, text: str) -> list[tuple[int, Option]]:
    hits = []
    for option in question.options:
        for keyword in option.keywords:
            word = normalize(keyword)
            start = text.find(word)
            while start != -1:
                negated = (
                    question.type == "boolean"
                    and option.value is True
                    and text[max(0, start - 2) : start].endswith(NEGATIONS)
                )
                # "没有招牌" must not count as a yes for "有招牌": the negation flips a boolean yes.
                hits.append((len(word), _opposite(question, option) if negated else option))
                start = text.find(word, start + 1)
    return hits


def _opposite(question: Question, option: Option) -> Option:
    return next(o for o in question.options if o.value != option.value)


def _from_keywords(question: Question, text: str) -> Any:
    hits = _keyword_hits(question, text)
    if not hits:
        return None
    longest = max(length for length, _ in hits)
    values = {option.value for length, option in hits if length == longest}
    return values.pop() if len(values) == 1 else None


def _number_with_unit(question: Question, text: str) -> float | None:
    words = sorted((normalize(w) for w in question.unit_words), key=len, reverse=True)
    for value, _start, end in numbers_in(text):
        rest = text[end:].lstrip()
        if any(rest.startswith(w) for w in words) and 0 <= value <= MAX_NUMBER:
            return value
    return None


def _chosen_option(question: Question, text: str) -> Option | None:
    """The option whose label (as its button sends it) or number ("1", "第2个") is the whole reply."""
    if question.type == "number":
        return None
    stripped = re.sub(r"[\s,，。.!！?？~～、]+", "", text)
    for option in question.options:
        if re.sub(r"[\s,，。.!！?？~～、]+", "", normalize(option.label)) == stripped:
            return option
    match = re.fullmatch(r"(?:第|选)?([0-9]+|[一二两三四五六七八九])(?:个|项|种|号)?", stripped)
    if match:
        raw = match.group(1)
        index = int(raw) if raw.isdigit() else ORDINALS[raw]
        if 1 <= index <= len(question.options):
            return question.options[index - 1]
    return None


def _bare_reply(question: Question, text: str) -> Any:
    """Answer the pending question from a reply that names no keyword."""
    stripped = re.sub(r"[\s,，。.!！?？~～、]+", "", text)
    if question.type == "number":
        found = [v for v, _s, _e in numbers_in(text) if 0 <= v <= MAX_NUMBER]
        return found[0] if found else None
    if question.type == "boolean":
        if stripped.startswith(CORRECTION_WORDS):
            return None
        for words, value in ((NO_WORDS, False), (YES_WORDS, True)):
            if any(stripped == w or (stripped.startswith(w) and len(stripped) <= len(w) + 3) for w in words):
                return value
        return None
    # choice: by number ("2", "第二个") or by a label close enough
    match = re.fullmatch(r"(?:第|选)?([0-9]+|[一二两三四五六七八九])(?:个|项|种|号)?", stripped)
    if match:
        raw = match.group(1)
        index = int(raw) if raw.isdigit() else ORDINALS[raw]
        if 1 <= index <= len(question.options):
            return question.options[index - 1].value
        return None
    scored = [(fuzz.partial_ratio(normalize(o.label), stripped), o.value) for o in question.options]
    scored.sort(key=lambda item: -item[0])
    if scored and scored[0][0] >= 80 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][1]
    return None


def understand(bundle: Bundle, answers: dict[str, Any], text: str, pending: str | None) -> Step:
    """Apply what ``text`` says to ``answers`` and pick the next question."""
    normalized = normalize(text)[:2000]
    current = prune(bundle, answers)
    changes: list[Change] = []

    def record(question: Question, value: Any) -> None:
        if current.get(question.id) != value:
            changes.append(Change(question, value, current.get(question.id)))
            current[question.id] = value

    pending_question = next((q for q in bundle.questions if q.id == pending), None)
    chosen = _chosen_option(pending_question, normalized) if pending_question is not None else None
    if pending_question is not None and chosen is not None:
        # A button's label or its number comes back: it answers the pending question, nothing else.
        record(pending_question, chosen.value)
        current = prune(bundle, current)
        return Step(answers=current, changes=changes, next_question=next_question(bundle, current), understood=True)
    for question in bundle.questions:
        value = (
            _number_with_unit(question, normalized)
            if question.type == "number"
            else _from_keywords(question, normalized)
        )
        if value is not None:
            record(question, value)
    answered_pending = pending_question is not None and any(c.question.id == pending for c in changes)
    if pending_question is not None and not answered_pending and not changes:
        value = _bare_reply(pending_question, normalized)
        if value is not None:
            record(pending_question, value)
            answered_pending = True
    current = prune(bundle, current)
    understood = bool(changes) or pending is None
    return Step(answers=current, changes=changes, next_question=next_question(bundle, current), understood=understood)


def coerce_answers(bundle: Bundle, raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Typed answers from untrusted input (query strings, slots); problems in Chinese."""
    questions = {q.id: q for q in bundle.questions}
    answers: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in raw.items():
        question = questions.get(key)
        if question is None:
            problems.append(f"套餐“{bundle.short_name}”没有问题 {key}")
            continue
        if question.type == "number":
            try:
                number = float(value)
            except (TypeError, ValueError):
                problems.append(f"{question.text} 须为数字")
                continue
            if not 0 <= number <= MAX_NUMBER:
                problems.append(f"{question.text} 超出合理范围")
                continue
            answers[key] = number
            continue
        if question.type == "boolean" and isinstance(value, str):
            value = {"true": True, "1": True, "是": True, "false": False, "0": False, "否": False}.get(
                value.lower(), value
            )
        allowed = {str(o.value): o.value for o in question.options}
        if str(value) in allowed and (question.type != "boolean" or isinstance(value, bool)):
            answers[key] = allowed[str(value)]
        else:
            problems.append(
                f"{question.text} 的取值“{value}”无效，可选：{'、'.join(o.label for o in question.options)}"
            )
    return answers, problems
