"""The reviewed knowledge base: schema, references, and the guarantees the bot relies on."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.knowledge.conditions import evaluate
from app.knowledge.loader import KnowledgeError, default_knowledge_dir, fingerprint, load_knowledge
from app.knowledge.schema import Bundle, KnowledgeBase

ROOT = default_knowledge_dir()


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(ROOT)


def test_the_15_industries_of_annex_4_each_have_a_bundle(kb: KnowledgeBase) -> None:
    names = {i.name for i in kb.industries}
    assert names == {
        "农业", "林业", "餐饮业", "医药及医疗器材", "建筑业", "房地产业", "批发零售", "机械设备经营租赁",
        "住宿业", "人力资源服务", "教育服务", "医疗卫生", "新闻出版", "道路货物运输", "食品制造",
    }  # fmt: skip
    bundles = {b.id: b for b in kb.bundles}
    for industry in kb.industries:
        assert bundles[industry.bundle].industry == industry.id


def test_the_9_lifecycle_stages(kb: KnowledgeBase) -> None:
    assert [s.name for s in sorted(kb.stages, key=lambda s: s.order)] == [
        "企业开办", "企业变更", "项目建设", "资质申请", "准营准办", "用工招聘", "税务财务", "安全生产", "企业注销",
    ]  # fmt: skip


def test_lifecycle_bundles_exist(kb: KnowledgeBase) -> None:
    ids = {b.id for b in kb.bundles}
    assert {"startup", "company_change", "deregistration", "recruitment", "construction_permit"} <= ids


def test_colloquial_words_name_their_industry(kb: KnowledgeBase) -> None:
    by_alias = {alias: i.name for i in kb.industries for alias in i.aliases}
    assert by_alias["火锅店"] == "餐饮业"
    assert by_alias["奶茶店"] == "餐饮业"
    assert by_alias["民宿"] == "住宿业"
    assert by_alias["药店"] == "医药及医疗器材"
    assert by_alias["货车"] == "道路货物运输"


def _answer_space(bundle: Bundle) -> list[dict[str, Any]]:
    """Every combination of option answers (numbers: a small and a large value)."""
    domains = []
    for q in bundle.questions:
        values = [o.value for o in q.options] if q.type != "number" else [1.0, 100_000.0]
        domains.append([(q.id, v) for v in values])
    combos = itertools.islice(itertools.product(*domains), 4096)
    return [dict(c) for c in combos]


def test_every_bundle_yields_matters_for_every_situation(kb: KnowledgeBase) -> None:
    for bundle in kb.bundles:
        for answers in _answer_space(bundle):
            live = {q.id: answers[q.id] for q in bundle.questions if evaluate(q.ask_if, answers)}
            matters = [m for m in bundle.matters if evaluate(m.when, live)]
            assert matters, f"{bundle.id} lists no matter for {live}"


def test_every_question_can_be_asked(kb: KnowledgeBase) -> None:
    for bundle in kb.bundles:
        asked: set[str] = set()
        for answers in _answer_space(bundle):
            asked |= {q.id for q in bundle.questions if evaluate(q.ask_if, answers)}
        assert asked == {q.id for q in bundle.questions}, bundle.id


def test_departments_are_labelled_sample_data(kb: KnowledgeBase) -> None:
    assert kb.sample_departments is True
    center = [d for d in kb.departments if d.service_center]
    assert len(center) == 1 and "023-79242258" in center[0].phone


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT, target)
    return target


def _edit(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")


def test_unknown_field_is_rejected(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "bundles" / "catering.yml", lambda d: d.update(colour="red"))
    with pytest.raises(KnowledgeError, match="colour"):
        load_knowledge(root)


def test_missing_material_reference_is_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "matters" / "catering.yml", lambda d: d["matters"][0]["materials"].append({"material": "nope"}))
    with pytest.raises(KnowledgeError, match="材料 nope 不存在"):
        load_knowledge(root)


def test_condition_on_unknown_option_value_is_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path)

    def change(d: dict[str, Any]) -> None:
        d["matters"][0]["when"] = {"entity_type": "partnership"}

    _edit(root / "bundles" / "catering.yml", change)
    with pytest.raises(KnowledgeError, match="partnership"):
        load_knowledge(root)


def test_condition_on_later_question_is_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path)

    def change(d: dict[str, Any]) -> None:
        d["questions"][0]["ask_if"] = {"area": {"gt": 10}}

    _edit(root / "bundles" / "catering.yml", change)
    with pytest.raises(KnowledgeError, match="area"):
        load_knowledge(root)


def test_bundle_file_name_must_match_id(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "bundles" / "catering.yml").rename(root / "bundles" / "restaurant.yml")
    with pytest.raises(KnowledgeError, match="restaurant"):
        load_knowledge(root)


def test_fingerprint_changes_with_content(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    before = fingerprint(root)
    assert fingerprint(root) == before
    _edit(root / "stages.yml", lambda d: d["stages"][0].update(name="企业开办登记"))
    assert fingerprint(root) != before
