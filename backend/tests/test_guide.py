"""The question-tree engine on the real 餐饮 bundle."""

from __future__ import annotations

from typing import Any

import pytest

from app.knowledge.loader import load_knowledge
from app.knowledge.schema import Bundle
from app.services.guide import coerce_answers, next_question, prune, understand


@pytest.fixture(scope="module")
def catering() -> Bundle:
    return next(b for b in load_knowledge().bundles if b.id == "catering")


def test_answers_in_the_first_sentence_are_not_asked_again(catering: Bundle) -> None:
    step = understand(catering, {}, "我们是个体户开的小饭馆", None)
    assert step.answers["entity_type"] == "individual"
    assert step.answers["on_site_production"] is True
    assert step.next_question is not None and step.next_question.id == "sells_alcohol"


@pytest.mark.parametrize(
    ("text", "pending", "expected"),
    [
        ("有", "sells_alcohol", True),
        ("是的", "sells_alcohol", True),
        ("没有", "sells_alcohol", False),
        ("不卖酒", None, False),
        ("卖酒", None, True),
        ("有售酒", None, True),
        ("店里不提供酒", None, False),
    ],
)
def test_boolean_answers(catering: Bundle, text: str, pending: str | None, expected: bool) -> None:
    step = understand(catering, {"entity_type": "individual", "on_site_production": True}, text, pending)
    assert step.answers["sells_alcohol"] is expected


@pytest.mark.parametrize(
    ("text", "pending", "expected"),
    [("120平", None, 120.0), ("大概两百平米", None, 200.0), ("1500", "area", 1500.0), ("三百", "area", 300.0)],
)
def test_number_answers(catering: Bundle, text: str, pending: str | None, expected: float) -> None:
    step = understand(catering, {}, text, pending)
    assert step.answers["area"] == expected


def test_bare_number_is_not_taken_without_its_question(catering: Bundle) -> None:
    step = understand(catering, {}, "3", None)
    assert "area" not in step.answers


@pytest.mark.parametrize(
    ("text", "expected"), [("1", "individual"), ("第二个", "company"), ("个体工商户", "individual")]
)
def test_choice_by_number_or_label(catering: Bundle, text: str, expected: str) -> None:
    assert understand(catering, {}, text, "entity_type").answers["entity_type"] == expected


def test_correction_changes_an_earlier_answer(catering: Bundle) -> None:
    answers: dict[str, Any] = {"entity_type": "individual", "on_site_production": True, "sells_alcohol": False}
    step = understand(catering, answers, "不对，是有售酒的", "area")
    assert step.answers["sells_alcohol"] is True
    assert [c.question.id for c in step.changes] == ["sells_alcohol"]
    assert step.next_question is not None and step.next_question.id == "area"


def test_correction_word_alone_does_not_answer_yes_no(catering: Bundle) -> None:
    step = understand(catering, {"entity_type": "individual", "on_site_production": True}, "不对", "sells_alcohol")
    assert "sells_alcohol" not in step.answers
    assert step.understood is False


def test_gibberish_is_not_understood(catering: Bundle) -> None:
    step = understand(catering, {}, "😀😀😀", "entity_type")
    assert step.understood is False and step.answers == {}


def test_answers_of_questions_that_no_longer_apply_are_dropped(catering: Bundle) -> None:
    answers = {"entity_type": "individual", "on_site_production": True, "sells_alcohol": True}
    assert "sells_alcohol" not in prune(catering, {**answers, "on_site_production": False})


def test_complete_when_all_applicable_questions_answered(catering: Bundle) -> None:
    answers = {
        "entity_type": "company",
        "on_site_production": False,
        "area": 50.0,
        "has_signboard": False,
        "by_agent": False,
    }
    assert next_question(catering, answers) is None


def test_coerce_answers_reports_bad_values(catering: Bundle) -> None:
    answers, problems = coerce_answers(
        catering, {"entity_type": "individual", "sells_alcohol": "true", "area": "abc", "colour": "red"}
    )
    assert answers == {"entity_type": "individual", "sells_alcohol": True}
    assert len(problems) == 2
