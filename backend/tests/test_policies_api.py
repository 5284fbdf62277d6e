"""The policy API and the printable 申报指南, on SQLite and on PostgreSQL (see conftest)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api.routes.policies import templates
from app.core.config import Settings
from app.core.db import session_factory
from app.knowledge.loader import load_knowledge
from app.repositories import knowledge as repo
from app.schemas.knowledge import ProvenanceOut, SourceOut
from app.schemas.policies import DeadlineOut, GuideOut
from tests.conftest import BASE_URL, KNOWLEDGE

TODAY = "2026-11-22"
EXPIRED = {
    "unemployment_insurance_job_retention_refund",
    "one_time_job_expansion_subsidy",
    "qianjiang_growth_distressed_enterprise_support",
    "little_giant_central_fund_2021_2025",
    "yuzhong_procurement_prepayment_2021",
}


def match(client: TestClient, profile: dict[str, Any], **extra: Any) -> Any:
    response = client.post("/api/policies/match", json={"profile": profile, "today": TODAY, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def test_policies_are_published_into_the_database(settings: Settings) -> None:
    session = session_factory(settings.database_url)()
    try:
        assert repo.read(session).policies == load_knowledge(KNOWLEDGE).policies
    finally:
        session.close()


def test_match_a_small_individual_business(client: TestClient) -> None:
    body = match(client, {"entity_type": "个体户", "taxpayer_type": "小规模纳税人", "monthly_sales": "八"})
    assert body["today"] == TODAY
    assert body["profile"] == {"entity_type": "个体工商户", "taxpayer_type": "小规模纳税人", "monthly_sales": 8.0}
    ids = [m["id"] for m in body["matches"]]
    assert {"small_scale_vat_exemption", "six_taxes_two_fees_half", "individual_business_income_tax_half"} <= set(ids)
    exemption = next(m for m in body["matches"] if m["id"] == "small_scale_vat_exemption")
    assert exemption["no_application"] is True and "免申即享" in exemption["badges"]
    assert exemption["deadline"]["status"] == "常年受理"
    assert exemption["guide_url"] == f"{BASE_URL}/policies/small_scale_vat_exemption/guide"
    assert [c["verdict"] for c in exemption["conditions"]] == ["met", "met"]
    assert exemption["conditions"][1]["explanation"] == "符合：月销售额为8万元"
    assert any(a.startswith("小型微利企业：个体工商户") for a in body["assumptions"])
    assert body["questions"] and body["questions"][0]["question"].endswith("？")


def test_near_misses_and_questions(client: TestClient) -> None:
    body = match(client, {"entity_type": "企业", "scale": "小型"})
    near = {m["id"]: m for m in body["near_misses"]}
    assert near["ip_pledge_financing"]["missing"] == ["has_ip"]
    assert [c["verdict"] for c in near["ip_pledge_financing"]["conditions"]] == ["met", "unknown"]
    question = body["questions"][0]
    assert question["splits"] >= 2 and question["policies"]
    assert question["type"] in ("choice", "boolean", "number", "industry")
    if question["type"] in ("choice", "boolean"):
        assert question["options"]


def test_expired_policies_are_never_matched(client: TestClient) -> None:
    body = match(client, {"entity_type": "企业", "industrial": True, "pays_unemployment_insurance": True})
    offered = {m["id"] for key in ("matches", "near_misses", "pending") for m in body[key]}
    assert not offered & EXPIRED
    listed = {p["id"] for p in client.get("/api/policies", params={"today": TODAY}).json()}
    assert not listed & EXPIRED and len(listed) >= 40


def test_an_earlier_date_sees_what_was_in_force_then(client: TestClient) -> None:
    body = client.post(
        "/api/policies/match", json={"profile": {"entity_type": "企业", "industrial": True}, "today": "2020-06-01"}
    ).json()
    assert "qianjiang_growth_distressed_enterprise_support" in {m["id"] for m in body["matches"]}


def test_filters(client: TestClient) -> None:
    body = match(client, {"scale": "小型"}, theme="降低融资成本", level="国家级")
    every = body["matches"] + body["near_misses"] + body["pending"]
    assert every and {(m["theme"], m["level"]) for m in every} == {("降低融资成本", "国家级")}
    employment = client.get("/api/policies", params={"stage": "employment", "today": TODAY}).json()
    assert employment and all(p["validity"] == "有效" for p in employment)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"profile": {"industry": "spaceship"}}, "未知的行业“spaceship”"),
        ({"profile": {"employees": -1}}, "从业人数不能为负数"),
        ({"profile": {"revenue": "很多"}}, "上年营业收入须为数字"),
        ({"profile": {"scale": "巨型"}}, "企业规模“巨型”无法识别"),
        ({"profile": {"favourite_colour": "red"}}, "未知的画像字段"),
        ({"profile": {"certifications": "高新"}}, "certifications 须为"),
        ({"profile": {}, "today": "2026-13-40"}, "日期格式应为 YYYY-MM-DD"),
        ({"profile": {}, "theme": "发钱"}, "政策主题“发钱”无法识别"),
        ({"profile": {}, "level": "省级"}, "发文层级“省级”无法识别"),
        ({"profile": {}, "stage": "retirement"}, "生命周期阶段“retirement”无法识别"),
        ({"profile": {f"f{n}": 1 for n in range(101)}}, "企业画像字段过多"),
    ],
)
def test_bad_requests_get_a_chinese_422(client: TestClient, body: dict[str, Any], message: str) -> None:
    response = client.post("/api/policies/match", json=body)
    assert response.status_code == 422
    assert message in response.json()["detail"]


@pytest.mark.parametrize("payload", ["not json", "[1, 2]", '{"profile": [1, 2]}', '{"profile": "x"}'])
def test_malformed_bodies_are_422_not_500(client: TestClient, payload: str) -> None:
    response = client.post(
        "/api/policies/match", content=payload.encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"]


def test_search(client: TestClient) -> None:
    body = client.get("/api/policies/search", params={"q": "六说两费", "today": TODAY}).json()
    assert body["status"] == "matched"
    assert body["results"][0]["policy"]["id"] == "six_taxes_two_fees_half"
    expired = client.get("/api/policies/search", params={"q": "稳岗返还", "today": TODAY}).json()
    assert expired["status"] == "expired"
    assert [h["policy"]["id"] for h in expired["expired"]] == ["unemployment_insurance_job_retention_refund"]
    assert expired["expired"][0]["policy"]["validity"] == "已失效"
    assert "已失效" in expired["expired"][0]["policy"]["badges"]
    assert all(h["policy"]["validity"] != "已失效" for h in expired["results"])
    by_number = client.get("/api/policies/search", params={"q": "黔江经信发〔2020〕113号", "today": TODAY}).json()
    assert by_number["expired"][0]["policy"]["id"] == "qianjiang_growth_distressed_enterprise_support"
    assert client.get("/api/policies/search", params={"q": ""}).json()["status"] == "empty"
    assert client.get("/api/policies/search", params={"q": "x" * 10_001}).status_code == 422


def test_guide_json(client: TestClient) -> None:
    body = client.get("/api/policies/six_taxes_two_fees_half", params={"today": TODAY}).json()
    assert body["document_number"] == "财政部 税务总局公告2023年第12号"
    assert body["validity"] == "有效" and body["effective_to"] == "2027-12-31"
    assert body["deadline"]["status"] == "常年受理"
    assert body["department"]["id"] == "taxation" and body["department"]["is_sample"] is True
    assert body["conditions"][0].startswith("满足以下情形之一")
    assert body["materials"] and body["procedure"] and body["phone"]
    old = client.get("/api/policies/qianjiang_growth_distressed_enterprise_support", params={"today": TODAY}).json()
    assert old["validity"] == "已失效"
    assert old["deadline"] == {
        "status": "已截止",
        "text": "政策已于2020年9月30日到期失效",
        "opens_on": None,
        "closes_on": "2020-09-30",
        "days_left": None,
    }
    assert old["choose_one"] is True and len(old["support_items"]) == 5


def test_unknown_policy_is_a_chinese_404(client: TestClient) -> None:
    response = client.get("/api/policies/no_such_policy")
    assert response.status_code == 404
    assert response.json()["detail"] == "没有编号为“no_such_policy”的政策"


def test_printable_guide_page(client: TestClient) -> None:
    response = client.get("/policies/six_taxes_two_fees_half/guide", params={"today": TODAY})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "“六税两费”减半征收 · 申报指南" in page
    assert "财政部 税务总局公告2023年第12号" in page
    assert "免申即享" in page and "@media print" in page and "window.print()" in page
    assert f"{BASE_URL}/policies/six_taxes_two_fees_half/guide" in page
    assert "本政策已失效" not in page


def test_printable_guide_of_an_expired_policy_says_so(client: TestClient) -> None:
    page = client.get("/policies/qianjiang_growth_distressed_enterprise_support/guide", params={"today": TODAY}).text
    assert "本政策已失效" in page and "不能再按本政策申报" in page
    assert "以上扶持只能选择其中一项申报" in page


def test_printable_guide_404_is_chinese_and_escaped(client: TestClient) -> None:
    response = client.get("/policies/<img src=x onerror=alert(1)>/guide")
    assert response.status_code == 404
    assert "未找到该政策" in response.text
    assert "<img src=x" not in response.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in response.text


def test_guide_template_escapes_policy_text() -> None:
    deadline = DeadlineOut(status="常年受理", text="常年受理", opens_on=None, closes_on=None, days_left=None)
    evil = "<script>alert('x')</script>"
    guide = GuideOut(
        id="x", name=evil, short_name=None, level="区级", theme="财政支持", region="重庆市黔江区", summary=evil,
        document_number=None, issuer=evil, validity="有效", deadline=deadline, no_application=False, badges=[],
        guide_url="https://example.gov.cn/policies/x/guide", aliases=[], document=evil, eligibility=evil,
        support=evil, support_items=[evil], choose_one=False, materials=[evil], application_period=evil,
        channel=evil, procedure=[evil], authority=evil, department=None, phone=evil, effective_from=None,
        effective_to=None, apply_from=None, apply_to=None, conditions=[evil], manual_checks=[evil], stages=[],
        notes=evil, provenance=ProvenanceOut(
            sources=[SourceOut(title=evil, doc_number=evil, issuer=evil, articles=evil, url="https://example.gov.cn/x",
                               superseded=True, superseded_by=evil, citation=evil)],
            reviewed_on=date(2026, 12, 1), reviewed_on_text="2026年12月1日", reviewed_by=evil,
            verification="unverified", verification_label=evil, caveat=evil, text=evil,
        ),
    )  # fmt: skip
    center = type("Center", (), {"name": "中心", "window": "1号窗口", "address": "地址", "phone": "1", "hours": "全天"})
    html = templates.get_template("policy_guide.html").render(
        guide=guide, service_center=center, today="2026-11-22", sample_departments=True
    )
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_push_policies_to_an_enterprise(client: TestClient) -> None:
    profile = {"entity_type": "个体工商户", "taxpayer_type": "小规模纳税人", "monthly_sales": 5}
    body = client.post("/api/policies/push", json={"profile": profile, "since": "2023-01-01", "today": TODAY}).json()
    assert body["since"] == "2023-01-01" and body["today"] == TODAY
    ids = {m["id"] for m in body["matches"]}
    assert {"small_scale_vat_exemption", "six_taxes_two_fees_half"} <= ids
    assert not ids & EXPIRED
    later = client.post("/api/policies/push", json={"profile": profile, "since": "2024-01-01", "today": TODAY}).json()
    assert "six_taxes_two_fees_half" not in {m["id"] for m in later["matches"]}
    assert "small_scale_vat_exemption" in {m["id"] for m in later["matches"]}  # re-based, in force since 2026-01-01
    wrong = client.post("/api/policies/push", json={"profile": {}, "since": "2027-01-01", "today": TODAY})
    assert wrong.status_code == 422 and "since 不能晚于 today" in wrong.json()["detail"]
    bad = client.post("/api/policies/push", json={"profile": {"employees": -2}, "since": "2023-01-01"})
    assert bad.status_code == 422 and "从业人数不能为负数" in bad.json()["detail"]


def test_profile_fields_for_forms(client: TestClient) -> None:
    fields = {f["id"]: f for f in client.get("/api/policies/fields").json()}
    assert fields["scale"]["options"][0] == {"value": "微型", "label": "微型企业"}
    assert fields["employees"]["unit"] == "人"
    industries = [o["value"] for o in fields["industry"]["options"]]
    assert "catering" in industries and industries[-1] == "other"
    assert fields["certifications.高新技术企业"]["type"] == "boolean"
