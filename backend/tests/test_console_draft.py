"""The 工单草稿 pre-filled from caller lines: each field with the line it came from."""

from __future__ import annotations

import pytest

from app.console.draft import build_draft, credit_code_problem, mobile_problem
from app.knowledge.appeals import AppealKnowledge, get_appeal_knowledge
from app.knowledge.loader import default_knowledge_dir


@pytest.fixture(scope="module")
def appeals() -> AppealKnowledge:
    return get_appeal_knowledge(default_knowledge_dir())


CALL = [
    "你好，我是正阳工业园区重庆山水食品有限公司的，我姓王",
    "我们新车间申请接电快两个月了，供电所一直说没排上",
    "希望你们帮忙催一下，我电话是138 1234 5678，信用代码91350100M000100Y43",
]


def test_every_field_comes_with_its_line(appeals: AppealKnowledge) -> None:
    draft = build_draft(appeals, CALL)
    found = {
        name: (getattr(draft, name).value, getattr(draft, name).line)
        for name in ("enterprise_name", "contact_name", "mobile", "credit_code", "when", "where", "event", "demand")
    }
    assert found == {
        "enterprise_name": ("正阳工业园区重庆山水食品有限公司", 0),
        "contact_name": ("王", 0),
        "mobile": ("13812345678", 2),
        "credit_code": ("91350100M000100Y43", 2),
        "when": ("两个月了", 1),
        "where": ("正阳工业园区", 0),
        "event": (CALL[1], 1),
        "demand": (CALL[2], 2),
    }
    assert (draft.category_id, draft.department_id, draft.category_line) == (
        "factor_guarantee",
        "economy_information",
        1,
    )
    assert "接电" in draft.deciding
    assert draft.summary_lines == [0, 1, 2]
    assert draft.summary.startswith("你好") and draft.summary.endswith("。")


def test_a_wrong_check_digit_is_flagged_not_dropped(appeals: AppealKnowledge) -> None:
    draft = build_draft(appeals, ["我们的信用代码是91350100M000100Y44"])
    assert draft.credit_code.value == "91350100M000100Y44"
    assert draft.credit_code.problem is not None and "校验位" in draft.credit_code.problem


def test_nothing_said_yet_leaves_the_fields_empty(appeals: AppealKnowledge) -> None:
    draft = build_draft(appeals, ["喂你好"])
    assert draft.mobile.value == "" and draft.mobile.line is None
    assert draft.category_id == "other" and draft.category_status == "unknown"
    assert draft.deciding == []


@pytest.mark.parametrize(
    ("value", "ok"), [("13812345678", True), ("138-1234-5678", True), ("1381234567", False), ("23812345678", False)]
)
def test_mobile_check(value: str, ok: bool) -> None:
    assert (mobile_problem(value) is None) is ok


def test_credit_code_check() -> None:
    assert credit_code_problem("") is None
    assert credit_code_problem("91350100M000100Y43") is None
    assert "18位" in (credit_code_problem("9135") or "")
