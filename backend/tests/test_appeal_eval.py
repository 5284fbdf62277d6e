"""The appeal classifier on the hotline evaluation set (eval/appeals.yml): top-1 ≥ 90 %."""

from __future__ import annotations

from collections import Counter

import pytest

from app.evaluation.appeals import EVAL_FILE, evaluate, load_cases
from app.knowledge.appeals import AppealKnowledge, get_appeal_knowledge
from app.knowledge.loader import default_knowledge_dir
from app.services.classifier import classify


@pytest.fixture(scope="module")
def appeals() -> AppealKnowledge:
    return get_appeal_knowledge(default_knowledge_dir())


def test_the_set_covers_every_category_with_enough_complaints(appeals: AppealKnowledge) -> None:
    cases = load_cases(EVAL_FILE)
    assert len(cases) >= 100
    per_category = Counter(expected for _, expected in cases)
    assert set(per_category) == {c.id for c in appeals.categories}
    assert min(per_category.values()) >= 10
    assert len({text for text, _ in cases}) == len(cases), "duplicate sentences"


def test_top1_accuracy_is_at_least_90_percent(appeals: AppealKnowledge) -> None:
    report = evaluate(appeals)
    misses = [(c.text, c.expected, c.ranking[:3]) for c in report.cases if not c.top1]
    assert report.top1 >= 0.90, misses
    assert report.top3 >= report.top1


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("环评批复等了三个月还没下来", "approval_service"),
        ("网上申请一直是待受理状态", "approval_service"),
        ("这个窗口让我去那个窗口，那边又让我回来，跑了好几趟", "approval_service"),
        ("员工的社保转移接续一直办不下来", "employment"),
    ],
)
def test_the_complaints_the_issue_names(appeals: AppealKnowledge, text: str, category: str) -> None:
    result = classify(appeals, text)
    assert result.category.id == category, result.candidates


def test_a_one_character_keyword_matches_only_a_whole_word(appeals: AppealKnowledge) -> None:
    assert classify(appeals, "厂里停了三次电").category.id == "factor_guarantee"
    assert classify(appeals, "我们的电话打不通大厅").category.id == "other"  # 电 inside 电话


def test_the_subject_decides_over_generic_phrasing(appeals: AppealKnowledge) -> None:
    """办不下来 is a signal (half weight): 用电报装 makes it 要素保障, not 审批服务."""
    result = classify(appeals, "我们厂用电报装两个月了还没办下来")
    assert result.category.id == "factor_guarantee"
    assert [m.category.id for m in result.candidates] == ["factor_guarantee", "approval_service"]
    assert result.status == "matched"
