"""knowledge/appeal_categories.yml: schema, routing to real departments, and classification."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from app.knowledge.appeals import AppealKnowledge, get_appeal_knowledge, load_appeal_knowledge
from app.knowledge.loader import KnowledgeError, default_knowledge_dir, load_knowledge
from app.services.classifier import classify

ROOT = default_knowledge_dir()


@pytest.fixture(scope="module")
def appeals() -> AppealKnowledge:
    return load_appeal_knowledge(ROOT)


def test_the_8_categories(appeals: AppealKnowledge) -> None:
    assert [c.name for c in appeals.categories] == [
        "审批服务", "政策兑现", "水电气网等要素保障", "融资", "用工", "法律纠纷", "涉企执法与投诉举报", "其他",
    ]  # fmt: skip
    assert appeals.fallback.name == "其他"


def test_every_category_routes_to_a_department_of_the_knowledge_base(appeals: AppealKnowledge) -> None:
    departments = {d.id for d in load_knowledge(ROOT).departments}
    for category in appeals.categories:
        assert category.department in departments, category.id
        assert 5 <= category.general_working_days <= 15
        assert category.keywords


def test_routing_follows_the_responsibilities(appeals: AppealKnowledge) -> None:
    routing = {c.id: c.department for c in appeals.categories}
    assert routing["approval_service"] == "service_center"
    assert routing["employment"] == "human_resources"
    assert routing["financing"] == "economy_information"
    assert routing["factor_guarantee"] in {"service_center", "economy_information"}
    assert routing["other"] == "service_center"


def test_find_by_id_or_name(appeals: AppealKnowledge) -> None:
    found = appeals.find("融资")
    assert found is not None and found.id == "financing"
    assert appeals.find("financing") == found
    assert appeals.find("不存在") is None


def _broken(tmp_path: Path, edit: object) -> Path:
    root = tmp_path / "knowledge"
    root.mkdir()
    shutil.copy(ROOT / "departments.yml", root / "departments.yml")
    data = yaml.safe_load((ROOT / "appeal_categories.yml").read_text(encoding="utf-8"))
    edit(data)  # type: ignore[operator]
    (root / "appeal_categories.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return root


def test_unknown_fields_are_refused(tmp_path: Path) -> None:
    root = _broken(tmp_path, lambda d: d["categories"][0].update(keyword=["typo"]))
    with pytest.raises(KnowledgeError) as error:
        load_appeal_knowledge(root)
    assert any("keyword" in p and "Extra inputs" in p for p in error.value.problems)


def test_a_department_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    root = _broken(tmp_path, lambda d: d["categories"][3].update(department="bank_of_nowhere"))
    with pytest.raises(KnowledgeError) as error:
        load_appeal_knowledge(root)
    assert error.value.problems == [
        "appeal_categories.yml: 分类 financing 的转办部门 bank_of_nowhere 不在 departments.yml 中"
    ]


def test_time_limits_outside_5_to_15_working_days_are_refused(tmp_path: Path) -> None:
    root = _broken(tmp_path, lambda d: d["categories"][0].update(general_working_days=20))
    with pytest.raises(KnowledgeError) as error:
        load_appeal_knowledge(root)
    assert "general_working_days" in error.value.problems[0]


def test_duplicates_and_a_missing_fallback_are_all_reported(tmp_path: Path) -> None:
    def edit(data: dict[str, list[dict[str, object]]]) -> None:
        data["categories"][1]["id"] = "approval_service"
        data["categories"][7]["id"] = "misc"

    with pytest.raises(KnowledgeError) as error:
        load_appeal_knowledge(_broken(tmp_path, edit))
    problems = error.value.problems
    assert any("id 重复：approval_service" in p for p in problems)
    assert any("兜底分类" in p for p in problems)


def test_the_cache_rereads_a_changed_file(tmp_path: Path) -> None:
    root = _broken(tmp_path, lambda d: None)
    assert get_appeal_knowledge(root).by_id["financing"].general_working_days == 10
    data = yaml.safe_load((root / "appeal_categories.yml").read_text(encoding="utf-8"))
    data["categories"][3]["general_working_days"] = 7
    (root / "appeal_categories.yml").write_text(yaml.safe_dump(data, allow_unicode=True) + "\n", encoding="utf-8")
    assert get_appeal_knowledge(root).by_id["financing"].general_working_days == 7


def test_a_missing_file_is_a_knowledge_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError):
        get_appeal_knowledge(tmp_path)


# ---------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("我们厂用电报装拖了两个月", "factor_guarantee"),
        ("厂里停水三天了没人管", "factor_guarantee"),
        ("燃气开户一直没人来", "factor_guarantee"),
        ("宽带装不上", "factor_guarantee"),
        ("施工许可证一直办不下来", "approval_service"),
        ("营业执照办不下来", "approval_service"),
        ("營業執照辦不下來", "approval_service"),  # 繁體
        ("区里承诺的补贴一直不兑现", "policy_fulfilment"),
        ("想贷款但是银行不批", "financing"),
        ("招工难，招不到人", "employment"),
        ("社保断缴了怎么补", "employment"),
        ("劳动合同纠纷怎么办", "employment"),
        ("客户欠款不还，合同纠纷", "legal_dispute"),
        ("有部门乱收费", "enforcement_complaint"),
        ("执法人员三天两头来检查", "enforcement_complaint"),
        ("我要投诉用电报装拖了两个月", "factor_guarantee"),  # the subject, not the word 投诉, decides
    ],
)
def test_classify(appeals: AppealKnowledge, text: str, category: str) -> None:
    result = classify(appeals, text)
    assert result.category.id == category, (text, result.candidates)
    assert result.status in {"matched", "ambiguous"}
    assert result.score > 0


def test_classify_is_confident_when_only_one_category_matches(appeals: AppealKnowledge) -> None:
    result = classify(appeals, "我们厂用电报装拖了两个月")
    assert result.status == "matched"
    assert result.score == 100.0
    assert set(result.candidates[0].matched) == {"用电", "报装"}


def test_classify_without_any_keyword_is_the_fallback(appeals: AppealKnowledge) -> None:
    result = classify(appeals, "今天天气不错")
    assert (result.status, result.category.id, result.score, result.candidates) == ("unknown", "other", 0.0, [])


def test_classify_empty_text(appeals: AppealKnowledge) -> None:
    assert classify(appeals, "   ").status == "empty"
    assert classify(appeals, "").category.id == "other"


def test_classify_tolerates_a_typo_in_a_long_keyword(appeals: AppealKnowledge) -> None:
    result = classify(appeals, "执照办不下去了")  # the keyword is 执照办不下来
    assert result.category.id == "approval_service"
    assert 80 <= result.score < 100
