"""The reviewed policies in knowledge/policies/: coverage, truthfulness markers and schema checks."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.knowledge.loader import KnowledgeError, default_knowledge_dir, fingerprint, knowledge_files, load_knowledge
from app.knowledge.policy_schema import LEVELS, PROFILE_FIELDS, THEMES
from app.knowledge.schema import KnowledgeBase

ROOT = default_knowledge_dir()
TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(ROOT)


def test_at_least_40_policies_across_levels_and_themes(kb: KnowledgeBase) -> None:
    assert len(kb.policies) >= 40
    assert set(Counter(p.level for p in kb.policies)) == set(LEVELS)
    assert set(Counter(p.theme for p in kb.policies)) == set(THEMES)


def test_every_policy_has_the_fields_of_annex_2(kb: KnowledgeBase) -> None:
    departments = {d.id for d in kb.departments}
    for policy in kb.policies:
        for value in (
            policy.name,
            policy.issuer,
            policy.eligibility,
            policy.support,
            policy.application_period,
            policy.channel,
            policy.authority,
            policy.phone,
            policy.reviewed_by,
        ):
            assert value.strip(), policy.id
        assert policy.materials and policy.procedure, policy.id
        assert policy.department is None or policy.department in departments
        # folded YAML lines leave no stray spaces between Chinese characters
        assert "的 " not in policy.eligibility and "， " not in policy.support, policy.id


def test_policies_without_a_document_number_say_why(kb: KnowledgeBase) -> None:
    for policy in kb.policies:
        if policy.document_number is None and not policy.document.startswith("中华人民共和国"):
            assert policy.notes, f"{policy.id}: 无文号时须在 notes 中说明"


def test_the_seed_example_of_annex_2_is_there_and_expired(kb: KnowledgeBase) -> None:
    qianjiang = next(p for p in kb.policies if p.document_number == "黔江经信发〔2020〕113号")
    assert qianjiang.name == "黔江区成长型困难型企业脱困发展扶持政策"
    assert qianjiang.level == "区级" and qianjiang.region == "重庆市黔江区"
    assert qianjiang.effective_to == date(2020, 9, 30)
    assert qianjiang.choose_one and len(qianjiang.support_items) == 5
    assert qianjiang.support_items[0].startswith("物流补贴")
    assert qianjiang.procedure[-1].startswith("补贴资金拨付")


def test_ended_employment_policies_are_marked(kb: KnowledgeBase) -> None:
    by_id = {p.id: p for p in kb.policies}
    for policy_id in ("unemployment_insurance_job_retention_refund", "one_time_job_expansion_subsidy"):
        policy = by_id[policy_id]
        assert policy.effective_to is not None and policy.effective_to < TODAY
        assert policy.notes and "未" in policy.notes  # the reviewer says what could not be verified


def test_profile_fields_have_questions() -> None:
    for spec in PROFILE_FIELDS.values():
        assert spec.question.endswith("？"), spec.id
        if spec.kind == "boolean":
            assert spec.statement, spec.id
        if spec.kind == "number":
            assert spec.unit, spec.id


def test_policy_files_are_part_of_the_knowledge_fingerprint(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    assert any(p.parent.name == "policies" for p in knowledge_files(root))
    before = fingerprint(root)
    _edit(root / "policies" / "tax.yml", lambda d: d["policies"][0].update(summary="改过的摘要"))
    assert fingerprint(root) != before


# ------------------------------------------------------------ schema failures on bad YAML


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT, target)
    return target


def _edit(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")


def _first(change: Any) -> Any:
    return lambda d: change(d["policies"][0])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_first(lambda p: p.update(colour="red")), "colour"),
        (_first(lambda p: p.update(level="省级")), "level"),
        (_first(lambda p: p.update(theme="其他")), "theme"),
        (_first(lambda p: p.update(department="finance_bureau")), "主管部门 finance_bureau 不存在"),
        (_first(lambda p: p.update(department=None)), "须填写 department"),
        (_first(lambda p: p.update(region="重庆市")), "国家级政策的 region"),
        (_first(lambda p: p.update(effective_from="2028-01-01")), "effective_from 晚于 effective_to"),
        (_first(lambda p: p.update(materials=[])), "materials"),
        (_first(lambda p: p.update(stages=["retirement"])), "阶段 retirement 不存在"),
        (_first(lambda p: p.update(criteria={"thresholds": {"height": {"lte": 3}}})), "未知的数值字段"),
        (_first(lambda p: p.update(criteria={"flags": {"is_happy": True}})), "未知的是否字段"),
        (_first(lambda p: p.update(criteria={"industries": ["spaceships"]})), "行业 spaceships 不存在"),
        (_first(lambda p: p.update(criteria={"thresholds": {"employees": {}}})), "至少要有"),
        (_first(lambda p: p.update(criteria={"thresholds": {"employees": {"gte": 10, "lte": 5}}})), "下限"),
        (_first(lambda p: p.update(criteria={"scales": ["巨型"]})), "scales"),
        (_first(lambda p: p.update(criteria={"any_of": [{"scales": ["小型"]}]})), "至少要有两个"),
        (_first(lambda p: p.update(year_round=True, apply_from="2026-01-01")), "year_round"),
        (_first(lambda p: p.update(year_round=False, annual_windows=[{"start": "02-30", "end": "03-01"}])), "day"),
        (_first(lambda p: p.update(choose_one=True)), "choose_one"),
        (lambda d: d["policies"].append(dict(d["policies"][0])), "政策 id 重复"),
        (lambda d: d.update(policies={"id": "x"}), "顶层须为 `policies:` 列表"),
    ],
)
def test_bad_policy_yaml_is_rejected(tmp_path: Path, change: Any, message: str) -> None:
    root = _copy(tmp_path)
    _edit(root / "policies" / "tax.yml", change)
    with pytest.raises(KnowledgeError, match=message):
        load_knowledge(root)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    root = _copy(tmp_path)

    def change(d: dict[str, Any]) -> None:
        d["policies"][0]["department"] = "nope_one"
        d["policies"][1]["criteria"] = {"industries": ["nope_two"]}

    _edit(root / "policies" / "tax.yml", change)
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(root)
    assert any("nope_one" in p for p in error.value.problems)
    assert any("nope_two" in p for p in error.value.problems)
