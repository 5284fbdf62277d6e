"""The small condition language of ``when`` / ``ask_if`` (see knowledge/README.md).

Unanswered questions make a condition false, comparisons included, so a matter
is never listed on a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.knowledge.schema import Question

COMPARATORS = ("gt", "gte", "lt", "lte", "ne")
COMBINATORS = ("any", "all", "not")


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if actual is None:
        return False
    if op == "ne":
        return bool(actual != expected)
    try:
        a, e = float(actual), float(expected)
    except (TypeError, ValueError):
        return False
    return {"gt": a > e, "gte": a >= e, "lt": a < e, "lte": a <= e}[op]


def _match(expected: Any, actual: Any) -> bool:
    if isinstance(expected, Mapping):
        return all(_compare(op, actual, value) for op, value in expected.items())
    if isinstance(expected, list):
        return actual is not None and actual in expected
    return actual is not None and bool(actual == expected)


def evaluate(condition: Mapping[str, Any] | None, answers: Mapping[str, Any]) -> bool:
    if not condition:
        return True
    for key, expected in condition.items():
        if key == "any":
            if not any(evaluate(c, answers) for c in expected):
                return False
        elif key == "all":
            if not all(evaluate(c, answers) for c in expected):
                return False
        elif key == "not":
            if evaluate(expected, answers):
                return False
        elif not _match(expected, answers.get(key)):
            return False
    return True


def condition_questions(condition: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    for key, value in condition.items():
        if key in ("any", "all"):
            for sub in value:
                names |= condition_questions(sub)
        elif key == "not":
            names |= condition_questions(value)
        else:
            names.add(key)
    return names


def _allowed(question: Question) -> list[Any]:
    return [option.value for option in question.options]


def validate_condition(condition: Any, questions: Mapping[str, Question]) -> list[str]:
    """Problems of ``condition`` given the questions it may refer to."""
    if not isinstance(condition, Mapping) or not condition:
        return ["条件须为非空映射"]
    problems: list[str] = []
    for key, value in condition.items():
        if key in ("any", "all"):
            if not isinstance(value, list) or not value:
                problems.append(f"{key} 须为非空列表")
                continue
            for sub in value:
                problems += validate_condition(sub, questions)
        elif key == "not":
            problems += validate_condition(value, questions)
        elif key not in questions:
            problems.append(f"引用了不存在（或排在后面）的问题 {key}")
        else:
            problems += _validate_expected(questions[key], value)
    return problems


def _validate_expected(question: Question, expected: Any) -> list[str]:
    if isinstance(expected, Mapping):
        problems = []
        for op, value in expected.items():
            if op not in COMPARATORS:
                problems.append(f"问题 {question.id}：未知比较 {op}")
            elif op != "ne" and question.type != "number":
                problems.append(f"问题 {question.id}：{op} 只能用于数字问题")
            elif question.type == "number" and not isinstance(value, int | float):
                problems.append(f"问题 {question.id}：{op} 须与数字比较")
        return problems
    values = expected if isinstance(expected, list) else [expected]
    if question.type == "number":
        return [] if all(isinstance(v, int | float) for v in values) else [f"问题 {question.id}：须为数字"]
    allowed = _allowed(question)
    # bool is an int in Python: compare by (type, value) so `1` never matches `true`.
    allowed_keys = {(type(a), a) for a in allowed}
    return [f"问题 {question.id}：取值 {v!r} 不在选项 {allowed} 中" for v in values if (type(v), v) not in allowed_keys]
