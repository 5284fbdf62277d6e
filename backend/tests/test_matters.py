"""索引式导办: one licence asked directly gets that licence's 办事指南; questions route to matter, bundle or policy."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from app.evaluation import guide as guide_eval
from app.services.replies import classify
from tests.conftest import BASE_URL

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("text", "kind", "target", "attribute"),
    [
        ("食品经营许可证怎么办", "matter", "food_business_license", None),
        ("办食品经营许可证要多久", "matter", "food_business_license", "time"),
        ("营业执照办理要带什么", "matter", "company_registration", "materials"),
        ("特种行业许可证去哪里办", "matter", "hotel_special_trade_license", "where"),
        ("公众聚集场所消防检查收费吗", "matter", "fire_safety_inspection", "fee"),
        ("我想把公司法人换一下需要什么材料", "matter", "change_company_registration", "materials"),
        ("店面还在装修，食品经营许可证能不能先办", "matter", "food_business_license", "advance"),
        ("我们要新建厂房，施工许可怎么办", "matter", "cpermit_construction_permit", None),
        ("食經證要多久", "matter", "food_business_license", "time"),
        ("食品经营许刻证要带什么材料", "matter", "food_business_license", "materials"),
        ("我想在黔江开一家火锅店，需要办哪些手续", "bundle", "catering", None),
        ("注册公司的流程有哪些，营业执照、刻章、发票能一起办不", "bundle", "startup", None),
        ("稳刚返还需要什么条件", "policy", "unemployment_insurance_job_retention_refund", "conditions"),
        ("創業擔保貸款有貼息嗎", "policy", "startup_guarantee_loan_individual", None),
    ],
)
def test_a_question_routes_to_what_answers_it(
    client: TestClient, text: str, kind: str, target: str, attribute: str | None
) -> None:
    body = client.post("/api/guide/route", json={"text": text}).json()
    assert body["kind"] == kind
    assert body["attribute"] == attribute
    if kind == "matter":
        assert body["matter"]["id"] == target
    elif kind == "bundle":
        assert body["bundles"]["candidates"][0]["bundle"]["id"] == target
    else:
        assert body["policy_ids"][0] == target


def test_unknown_business_and_empty_questions_are_said_so(client: TestClient) -> None:
    assert client.post("/api/guide/route", json={"text": "我想开个殡葬服务公司"}).json()["kind"] == "unknown"
    assert client.post("/api/guide/route", json={"text": "你好"}).json()["kind"] == "empty"
    long = client.post("/api/guide/route", json={"text": "食" * 10_001})
    assert long.status_code == 422


def test_the_matter_guide_has_everything_a_window_tells(client: TestClient) -> None:
    guide = client.get("/api/matters/food_business_license").json()
    assert guide["name"].startswith("食品经营许可")
    assert guide["department"]["phone"] and guide["department"]["address"]
    assert guide["legal_time_limit"] and guide["promised_time_limit"] and guide["fee"] and guide["basis"]
    assert all(m["form"] and m["copies"] >= 1 and m["source"] for m in guide["materials"])
    assert guide["url"] == f"{BASE_URL}/guide/matter/food_business_license"
    assert "catering" in [b["id"] for b in guide["bundles"]]
    missing = client.get("/api/matters/no_such_matter")
    assert missing.status_code == 404 and "没有编号" in missing.json()["detail"]


def test_the_printable_matter_page_shows_the_guide(client: TestClient) -> None:
    page = client.get("/guide/matter/hotel_special_trade_license")
    assert page.status_code == 200
    html = page.text
    for text in ("办事指南", "办理部门", "法定时限", "承诺时限", "收费", "设定依据", "申请材料", "份数"):
        assert text in html


def test_matter_search_finds_the_words_people_use(client: TestClient) -> None:
    hits = client.get("/api/matters/search", params={"q": "特行证在哪办"}).json()
    assert hits[0]["id"] == "hotel_special_trade_license"


REPLY_CASES = yaml.safe_load((ROOT.parent / "tests" / "shared" / "replies.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", REPLY_CASES, ids=[c["text"] or "empty" for c in REPLY_CASES])
def test_yes_no_skip_words_as_the_bot_reads_them(case: dict[str, str | None]) -> None:
    assert classify(str(case["text"])) == case["expect"]


def test_routing_accuracy_on_the_evaluation_set_is_at_least_95_percent() -> None:
    outcomes = guide_eval.run()
    assert len(outcomes) >= 150
    accuracy = sum(o.hit for o in outcomes) / len(outcomes)
    assert accuracy >= 0.95, guide_eval.report(outcomes)
