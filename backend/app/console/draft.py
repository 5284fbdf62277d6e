"""The 工单草稿 of the assist view, pre-filled from the transcript, each field with its source line.

Pure functions over the caller's lines (table-tested in tests/test_console_draft.py).
The category comes from the ticket classifier (``app.services.classifier``) over the
whole call; the deciding words and the line that first says them are shown with it.
The 通话小结 is extractive: the caller's own sentences that carry the 五要素, in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.knowledge.appeals import AppealKnowledge
from app.services.classifier import classify
from app.services.identifiers import is_valid_credit_code, normalize_credit_code, normalize_mobile
from app.services.text import normalize

MOBILE = re.compile(r"(?<!\d)(1[3-9]\d[\s-]?\d{4}[\s-]?\d{4})(?!\d)")
CREDIT_CODE = re.compile(r"(?<![0-9A-Z])([0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10})(?![0-9A-Z])")
ENTERPRISE = re.compile(
    r"(?:我们是|我是|这边是|我们|我这边是)?((?:[\u4e00-\u9fa5（）()]{2,30}?)"
    r"(?:有限责任公司|股份有限公司|有限公司|分公司|公司|工厂|厂|合作社|经营部|门市部|商行|酒店|饭店|超市))"
)
CONTACT = re.compile(r"(?:我叫|我是|我姓|联系人是|联系人叫)([\u4e00-\u9fa5]{1,3}?)(?:[，,。\s]|先生|女士|经理|总|$)")
TIME = re.compile(
    r"(\d{1,4}年\d{1,2}月(?:\d{1,2}[日号])?|\d{1,2}月\d{1,2}[日号]|\d{1,2}月份|去年|今年|上个月|这个月|上周|前天|昨天|"
    r"[一二两三四五六七八九十半\d]+个?(?:多)?(?:月|星期|周|天|年)(?:了|多)?)"
)
PLACE = re.compile(r"([\u4e00-\u9fa5]{2,12}?(?:工业园区|工业园|园区|开发区|新区|街道|社区|镇|乡|村|路\d*号?|大道))")
DEMAND = re.compile(r"(希望|要求|请你们|请帮|麻烦|帮忙|帮我们|尽快|能不能|能否|想请|给个说法|解决)")
PLACE_STOP = ("进园区", "那条路", "这条路")


@dataclass
class Field:
    value: str = ""
    line: int | None = None
    """Index of the caller line the value came from (None: not found / typed by the agent)."""
    problem: str | None = None


@dataclass
class Draft:
    enterprise_name: Field = field(default_factory=Field)
    credit_code: Field = field(default_factory=Field)
    contact_name: Field = field(default_factory=Field)
    mobile: Field = field(default_factory=Field)
    when: Field = field(default_factory=Field)
    where: Field = field(default_factory=Field)
    event: Field = field(default_factory=Field)
    demand: Field = field(default_factory=Field)
    category_id: str = ""
    category_name: str = ""
    category_status: str = "empty"
    category_line: int | None = None
    deciding: list[str] = field(default_factory=list)
    department_id: str = ""
    department_name: str = ""
    candidates: list[dict[str, object]] = field(default_factory=list)
    summary: str = ""
    summary_lines: list[int] = field(default_factory=list)


def mobile_problem(value: str) -> str | None:
    try:
        normalize_mobile(value)
    except ValueError as error:
        return str(error)
    return None


def credit_code_problem(value: str) -> str | None:
    if not value.strip():
        return None
    try:
        normalize_credit_code(value)
    except ValueError as error:
        return str(error)
    return None


def _first(lines: list[str], pattern: re.Pattern[str], group: int = 1) -> Field:
    for index, line in enumerate(lines):
        match = pattern.search(normalize(line).upper() if pattern is CREDIT_CODE else line)
        if match:
            return Field(match.group(group).strip(), index)
    return Field()


def build_draft(knowledge: AppealKnowledge, lines: list[str]) -> Draft:
    lines = [line.strip() for line in lines]
    draft = Draft()
    draft.mobile = _first(lines, MOBILE)
    if draft.mobile.value:
        draft.mobile.value = re.sub(r"[\s-]", "", draft.mobile.value)
        draft.mobile.problem = mobile_problem(draft.mobile.value)
    draft.credit_code = _first(lines, CREDIT_CODE)
    if draft.credit_code.value and not is_valid_credit_code(draft.credit_code.value):
        draft.credit_code.problem = credit_code_problem(draft.credit_code.value)
    draft.enterprise_name = _first(lines, ENTERPRISE)
    draft.enterprise_name.value = draft.enterprise_name.value.split("的")[-1]
    draft.contact_name = _first(lines, CONTACT)
    draft.when = _first(lines, TIME)
    for index, line in enumerate(lines):
        for match in PLACE.finditer(line):
            if not any(stop in match.group(1) for stop in PLACE_STOP):
                draft.where = Field(re.sub(r"^(?:我们是|我是|我们在|我在|这边是|在|是)", "", match.group(1)), index)
                break
        if draft.where.value:
            break

    text = "。".join(lines)
    result = classify(knowledge, text)
    draft.category_id, draft.category_name, draft.category_status = (
        result.category.id,
        result.category.name,
        result.status,
    )
    draft.department_id = result.category.department
    draft.department_name = knowledge.department_names.get(result.category.department, result.category.department)
    if result.candidates:
        draft.deciding = list(result.candidates[0].matched)
        draft.candidates = [
            {"id": m.category.id, "name": m.category.name, "matched": list(m.matched)} for m in result.candidates[:3]
        ]
        line_scores = [_line_weight(knowledge, line, result.category.id) for line in lines]
        best = max(range(len(lines)), key=lambda i: (line_scores[i], -i))
        if line_scores[best] > 0:
            draft.event = Field(lines[best], best)
            draft.category_line = best
    demand_lines = [i for i, line in enumerate(lines) if DEMAND.search(line)]
    if demand_lines:
        draft.demand = Field(lines[demand_lines[-1]], demand_lines[-1])

    carrying = sorted(
        {f.line for f in (draft.when, draft.where, draft.event, draft.demand) if f.line is not None}
        | ({draft.category_line} if draft.category_line is not None else set())
    )
    draft.summary_lines = carrying
    draft.summary = "".join(_sentence(lines[i]) for i in carrying)
    return draft


def _line_weight(knowledge: AppealKnowledge, line: str, category_id: str) -> float:
    result = classify(knowledge, line)
    return next((m.weight for m in result.candidates if m.category.id == category_id), 0.0)


def _sentence(line: str) -> str:
    line = line.strip()
    return line if line.endswith(("。", "！", "？", "!", "?", ".")) else line + "。"
