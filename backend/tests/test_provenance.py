"""Provenance of the knowledge (issue 8): schema, superseded documents, the review report, the basis users see."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from app.knowledge.loader import KnowledgeError, default_knowledge_dir, load_knowledge
from app.knowledge.provenance import CAVEAT, basis_text
from app.knowledge.report import format_report, main
from app.knowledge.review import build_report
from app.knowledge.schema import KnowledgeBase
from app.services.policies.engine import PolicyEngine
from app.services.policies.windows import validity

ROOT = default_knowledge_dir()
FIXTURE = Path(__file__).parent / "fixtures" / "review_kb"
REVIEW_DAY = date(2026, 12, 1)
VAT_10 = "财政部 税务总局公告2026年第10号"
VAT_10_URL = "https://www.mof.gov.cn/jrttts/202602/t20260203_3983175.htm"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(ROOT)


def _copy(tmp_path: Path, source: Path = ROOT) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(source, target)
    return target


def _edit(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")


# ------------------------------------------------------------ schema


def test_every_policy_and_matter_has_sources_and_a_review(kb: KnowledgeBase) -> None:
    for item in [*kb.policies, *kb.matters]:
        assert item.sources and all(s.title and s.issuer for s in item.sources), item.id
        assert item.reviewed_on <= REVIEW_DAY and item.reviewed_by, item.id
        assert item.verification in ("official_text", "secondary_source", "unverified"), item.id
        assert all(s.url is None or s.url.startswith(("http://", "https://")) for s in item.sources), item.id


@pytest.mark.parametrize("field", ["sources", "reviewed_on", "reviewed_by", "verification"])
@pytest.mark.parametrize("kind", ["policy", "matter"])
def test_an_item_without_provenance_is_refused(tmp_path: Path, kind: str, field: str) -> None:
    root = _copy(tmp_path)
    path, key = (root / "policies" / "tax.yml", "policies") if kind == "policy" else (
        root / "matters" / "catering.yml",
        "matters",
    )  # fmt: skip
    _edit(path, lambda d: d[key][0].pop(field))
    with pytest.raises(KnowledgeError, match=field):
        load_knowledge(root)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(sources=[]), "sources"),
        (lambda p: p.update(verification="checked"), "verification"),
        (lambda p: p["sources"][0].update(url="www.mof.gov.cn/x"), "url"),
        (lambda p: p["sources"][0].update(superseded_by="财政部公告2099年第1号"), "superseded: true"),
        (lambda p: p.update(superseded_by=["no_such_policy"]), "no_such_policy 不存在"),
    ],
)
def test_bad_provenance_is_refused(tmp_path: Path, change: Any, message: str) -> None:
    root = _copy(tmp_path)
    _edit(root / "policies" / "tax.yml", lambda d: change(d["policies"][0]))
    with pytest.raises(KnowledgeError, match=message):
        load_knowledge(root)


def test_a_superseded_basis_without_successor_is_an_error(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "policies" / "tax.yml", lambda d: d["policies"][0]["sources"][0].update(superseded=True))
    with pytest.raises(KnowledgeError, match="已被替代，但未记录替代文件"):
        load_knowledge(root)
    _edit(root / "policies" / "tax.yml", lambda d: d["policies"][0]["sources"][0].update(superseded_by="新公告"))
    assert load_knowledge(root)  # with a successor it loads, and the report lists it


def test_citing_a_replaced_document_as_current_is_an_error(tmp_path: Path) -> None:
    """small_scale_vat_exemption replaces 2023年第19号: another policy may not rest on it unmarked."""
    root = _copy(tmp_path)
    old = {
        "title": "财政部 税务总局关于增值税小规模纳税人减免增值税政策的公告",
        "doc_number": "财政部 税务总局公告2023年第19号",
    }
    _edit(root / "policies" / "tax.yml", lambda d: d["policies"][0]["sources"].append({**old, "issuer": "财政部"}))
    with pytest.raises(KnowledgeError, match="2023年第19号 已被 small_scale_vat_exemption 记为替代"):
        load_knowledge(root)


def test_no_current_item_rests_on_a_superseded_document(kb: KnowledgeBase) -> None:
    replaced = {ref for item in [*kb.policies, *kb.matters] for ref in item.replaces}
    for policy in kb.policies:
        if validity(policy, REVIEW_DAY) == "已失效":
            continue
        assert not policy.superseded_sources(), policy.id
        assert not {s.doc_number for s in policy.sources} & replaced, policy.id
    for matter in kb.matters:
        assert not matter.superseded_sources(), matter.id
    assert build_report(kb, REVIEW_DAY).on_superseded == []


# ------------------------------------------------------------ corrections of the audit


def test_small_scale_vat_rests_on_the_2026_basis(kb: KnowledgeBase) -> None:
    for policy_id in ("small_scale_vat_exemption", "small_scale_vat_reduced_rate"):
        policy = next(p for p in kb.policies if p.id == policy_id)
        assert policy.document_number == VAT_10
        assert [s.title for s in policy.sources][:2] == ["中华人民共和国增值税法", "中华人民共和国增值税法实施条例"]
        assert any(s.doc_number == VAT_10 and s.url == VAT_10_URL for s in policy.sources)
        assert policy.replaces == ["财政部 税务总局公告2023年第19号"]
        assert policy.effective_to == date(2027, 12, 31)
    reduced = next(p for p in kb.policies if p.id == "small_scale_vat_reduced_rate")
    assert "不动产" in reduced.eligibility


def test_employment_policies_rest_on_the_2023_fund_rules(kb: KnowledgeBase) -> None:
    cited = {s.doc_number for p in kb.policies for s in p.sources}
    assert "财社〔2017〕164号" not in cited
    users = [p for p in kb.policies if "财社〔2023〕181号" in {s.doc_number for s in p.sources}]
    assert len(users) == 4 and all(p.replaces == ["财社〔2017〕164号"] for p in users)


def test_article_numbers_and_departments_of_the_audit(kb: KnowledgeBase) -> None:
    policies = {p.id: p for p in kb.policies}
    assert policies["small_micro_loan_contract_stamp_duty"].sources[0].articles == "第二条"
    assert policies["small_low_profit_income_tax"].sources[0].articles.startswith("第三条")  # type: ignore[union-attr]
    assert policies["government_procurement_sme_reserved_share"].department == "finance"
    assert "120%" in policies["rd_expense_super_deduction"].support
    assert "财政部 税务总局公告2023年第44号" in {s.doc_number for s in policies["rd_expense_super_deduction"].sources}
    names = {d.id: d.short_name for d in kb.departments}
    for dept in ("区财政局", "区科技局", "区金融服务部门", "区残联", "区退役军人事务局"):
        assert dept in names.values()
    for expired in ("unemployment_insurance_job_retention_refund", "one_time_job_expansion_subsidy"):
        assert policies[expired].effective_to == date(2025, 12, 31)
        assert "国办发〔2025〕25号" in (policies[expired].notes or "")


def test_one_health_check_is_one_material(kb: KnowledgeBase) -> None:
    assert "public_place_staff_health_certificates" not in {m.id for m in kb.materials}
    matters = {m.id: m for m in kb.matters}
    for food_licence in ("food_business_license", "school_canteen_food_license"):
        assert "health_certificates" not in {x.material for x in matters[food_licence].materials}
        assert "上岗" in (matters[food_licence].notes or "") and "第78号" in (matters[food_licence].notes or "")


def test_a_hotel_with_a_restaurant_lists_the_health_certificate_once(client: TestClient) -> None:
    answers = {"entity_type": "company", "is_homestay": False, "rooms": 40, "area": 800, "provides_catering": True,
               "sells_alcohol": False, "by_agent": False}  # fmt: skip
    body = client.post("/api/guide/checklist", json={"bundle_id": "accommodation", "answers": answers}).json()
    listed = [m for matter in body["matters"] for m in matter["materials"] if m["id"] == "health_certificates"]
    assert len(listed) == 1 and listed[0]["first_matter"] is None


# ------------------------------------------------------------ make knowledge-report


def test_report_on_a_fixture() -> None:
    report = format_report(build_report(load_knowledge(FIXTURE), REVIEW_DAY))
    assert report == (
        "# 知识库核对报告（2026-12-01）\n"
        "## 超过 180 天未核对（1）\n"
        "  - [事项] old_review 很久没核对的事项：上次核对 2026-01-10（325 天前）\n"
        "## 现行条目的依据已被替代，须改用新依据（1）\n"
        "  - [事项] on_old_rules 依据已被替代的事项：测试令第1号 → 测试令第9号\n"
        "## 60 天内到期的政策（1）\n"
        "  - [政策] ending_soon 快到期的补贴：2027-01-15 到期（还剩 45 天）\n"
        "## 未核对原文（verification: unverified，答复附“以主管部门最新公布为准”）（1）\n"
        "  - [事项] old_review 很久没核对的事项：核对人：区行政服务中心窗口\n"
        "## 文中提到、departments.yml 中没有的部门（1）\n"
        "  - [政策] names_a_missing_department 提到缺失部门的补贴：区财政局\n"
        "## 合计\n"
        "  事项 2，政策 3，部门 2，材料 1，套餐 1\n"
        "  核对方式：已核对官方原文 3，据转载或解读资料核对 1，未核对原文 1\n"
    )


def test_report_exits_zero_on_findings_and_one_on_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(FIXTURE), "--today", "2026-12-01"]) == 0
    assert "old_review" in capsys.readouterr().out
    assert main(["--today", "2026-12-01"]) == 0  # the repository's knowledge/
    assert "## 合计" in capsys.readouterr().out
    broken = _copy(tmp_path, FIXTURE)
    _edit(broken / "matters" / "startup.yml", lambda d: d["matters"][0].pop("sources"))
    assert main([str(broken), "--today", "2026-12-01"]) == 1
    assert "sources" in capsys.readouterr().err


# ------------------------------------------------------------ the basis the user sees


def test_basis_text_names_document_date_and_caveat(kb: KnowledgeBase) -> None:
    vat = next(p for p in kb.policies if p.id == "small_scale_vat_exemption")
    text = basis_text(vat)
    assert text.startswith("依据：《中华人民共和国增值税法》；《中华人民共和国增值税法实施条例》（国务院令第826号）")
    assert f"（{VAT_10}）" in text and "信息核对日期：2026年12月1日" in text and text.endswith(f"（{CAVEAT}）")


def test_small_scale_vat_question_answers_on_the_2026_basis(client: TestClient) -> None:
    """ "小规模纳税人增值税怎么减免" → the 2026 basis with 文号 and link (issue 8, done when)."""
    body = client.get("/api/policies/search", params={"q": "小规模纳税人增值税怎么减免", "today": "2026-12-01"}).json()
    assert body["status"] == "matched"
    top = body["results"][0]["policy"]
    assert top["id"] == "small_scale_vat_exemption" and top["document_number"] == VAT_10
    provenance = top["provenance"]
    assert provenance["reviewed_on"] == "2026-12-01" and provenance["caveat"] == CAVEAT
    assert VAT_10_URL in {s["url"] for s in provenance["sources"]}
    assert VAT_10 in provenance["text"]
    # asked by the old 文号, the re-based policies are found, not a dead end
    old = client.get("/api/policies/search", params={"q": "财政部 税务总局公告2023年第19号", "today": "2026-12-01"})
    assert {h["policy"]["id"] for h in old.json()["results"][:2]} == {
        "small_scale_vat_exemption",
        "small_scale_vat_reduced_rate",
    }


def test_policy_guide_page_prints_basis_and_review_date(client: TestClient) -> None:
    html = client.get("/policies/small_scale_vat_exemption/guide", params={"today": "2026-12-01"}).text
    assert (
        "政策依据" in html and f"《财政部 税务总局关于增值税法施行后增值税优惠政策衔接事项的公告》（{VAT_10}）" in html
    )
    assert f'href="{VAT_10_URL}"' in html
    assert "信息核对日期：2026年12月1日" in html and CAVEAT in html


def test_checklist_page_prints_basis_and_review_date(client: TestClient) -> None:
    answers = "entity_type=individual&on_site_production=true&sells_alcohol=false&area=120&has_signboard=false"
    html = client.get(f"/guide/checklist/catering?{answers}&by_agent=false").text
    assert "设定依据" in html
    assert "《食品经营许可和备案管理办法》（国家市场监督管理总局令第78号）" in html
    assert html.count("信息核对日期：2026年12月1日") >= 3 and CAVEAT in html


def test_the_engine_status_of_rd_on_review_day(kb: KnowledgeBase) -> None:
    rd = PolicyEngine(kb).get("rd_expense_super_deduction")
    assert rd is not None and len(rd.annual_windows) == 3


# ------------------------------------------------------------ deployment knowledge out of code


def test_region_hotlines_and_thresholds_come_from_knowledge() -> None:
    from app.knowledge.deployment import read_service, read_thresholds
    from app.knowledge.policy_schema import PROFILE_FIELDS, SERVICE_REGION, SMALL_LOW_PROFIT_LIMITS

    service = read_service(ROOT)
    assert service.region == SERVICE_REGION
    assert service.hotline_text == "企业诉求专线 023-79242258，政务服务便民热线 12345"
    limits = read_thresholds(ROOT).small_low_profit.limits()
    assert limits == SMALL_LOW_PROFIT_LIMITS
    assert f"不超过{limits['employees']:g}人" in PROFILE_FIELDS["small_low_profit"].question


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        ("service.yml", lambda d: d["hotlines"][1].update(appeal=True), "恰有一条 appeal"),
        ("service.yml", lambda d: d["hotlines"][0].update(number="023-00000000"), "不在 service_center 部门的电话中"),
        ("service.yml", lambda d: d.pop("reviewed_on"), "reviewed_on"),
        ("tax_thresholds.yml", lambda d: d["small_low_profit"].update(employees=0), "employees"),
        ("profile_questions.yml", lambda d: d["fields"].pop(0), "缺少政策计算器依赖的画像字段"),
        ("profile_questions.yml", lambda d: d["fields"][0].update(kind="number"), "只有 choice 字段有 options"),
    ],
)
def test_bad_deployment_files_are_refused(tmp_path: Path, file: str, change: Any, message: str) -> None:
    root = _copy(tmp_path)
    _edit(root / file, change)
    with pytest.raises(KnowledgeError, match=message):
        load_knowledge(root)


def test_a_key_written_twice_is_refused(tmp_path: Path) -> None:
    """PyYAML would keep the second ``notes:`` silently and lose the reviewer's first note."""
    root = _copy(tmp_path)
    path = root / "policies" / "tax.yml"
    text = path.read_text("utf-8")
    path.write_text(
        text.replace(
            "    verification: unverified\n", "    verification: unverified\n    notes: 一\n    notes: 二\n", 1
        ),
        "utf-8",
    )
    with pytest.raises(KnowledgeError, match="键 'notes' 重复"):
        load_knowledge(root)
