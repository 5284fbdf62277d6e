"""The HTTP API, on SQLite and on PostgreSQL (see conftest)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import BASE_URL


def test_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_search_finds_the_catering_bundle_from_a_sentence(client: TestClient) -> None:
    body = client.get("/api/bundles/search", params={"q": "我想在黔江开一家火锅店，需要办哪些手续"}).json()
    assert body["status"] == "matched"
    assert body["candidates"][0]["bundle"]["id"] == "catering"


def test_search_tolerates_traditional_characters_and_typos(client: TestClient) -> None:
    assert (
        client.get("/api/bundles/search", params={"q": "開個火鍋店"}).json()["candidates"][0]["bundle"]["id"]
        == "catering"
    )
    typo = client.get("/api/bundles/search", params={"q": "想开个火锅点"}).json()
    assert typo["candidates"][0]["bundle"]["id"] == "catering"


def test_search_reports_uncovered_business_with_its_topic(client: TestClient) -> None:
    body = client.get("/api/bundles/search", params={"q": "我想开个殡葬服务公司要办什么手续"}).json()
    assert body["status"] == "unknown"
    assert "殡葬" in body["topic"]


def test_search_without_any_business(client: TestClient) -> None:
    assert client.get("/api/bundles/search", params={"q": "我想办个手续"}).json()["status"] == "empty"


def test_search_other_industries(client: TestClient) -> None:
    for text, bundle in [
        ("开民宿要办什么", "accommodation"),
        ("开药店要什么证", "pharmaceutical"),
        ("买了货车跑运输", "road_freight"),
        ("公司要注销", "deregistration"),
    ]:
        body = client.get("/api/bundles/search", params={"q": text}).json()
        assert body["candidates"][0]["bundle"]["id"] == bundle, text


def test_advance_walks_the_tree_to_the_checklist_link(client: TestClient) -> None:
    step = client.post("/api/guide/advance", json={"bundle_id": "catering", "text": "我们是个体户开的小饭馆"}).json()
    assert step["answers"] == {"entity_type": "individual", "on_site_production": True}
    assert step["next_question"]["id"] == "sells_alcohol"
    assert [o["label"] for o in step["next_question"]["options"]] == ["是，售酒", "否，不售酒"]
    answers = step["answers"]
    for reply in ["有", "120平", "要挂招牌", "本人办"]:
        step = client.post(
            "/api/guide/advance",
            json={
                "bundle_id": "catering",
                "answers": answers,
                "text": reply,
                "pending_question": step["next_question"]["id"],
            },
        ).json()
        answers = step["answers"]
    assert step["complete"] is True
    assert step["checklist_url"].startswith(f"{BASE_URL}/guide/checklist/catering?")
    assert "sells_alcohol=true" in step["checklist_url"]


def test_checklist_names_license_materials_and_deduplicates(client: TestClient) -> None:
    answers = {
        "entity_type": "individual",
        "on_site_production": True,
        "sells_alcohol": True,
        "area": 120,
        "has_signboard": True,
        "by_agent": False,
    }
    body = client.post("/api/guide/checklist", json={"bundle_id": "catering", "answers": answers}).json()
    names = [m["name"] for m in body["matters"]]
    assert names[0] == "个体工商户设立登记"
    assert "食品经营许可（新办）" in names
    assert "户外招牌设置审批" in names
    assert "特殊建设工程消防验收（装修工程）" not in names  # 120㎡ is far below the 10 000㎡ threshold for 饭店
    food = next(m for m in body["matters"] if m["name"] == "食品经营许可（新办）")
    application = next(x for x in food["materials"] if x["id"] == "food_license_application")
    assert any("散装酒" in note for note in application["notes"])  # the alcohol situation changes the form
    license_ = next(x for x in food["materials"] if x["id"] == "business_license")
    assert license_["exempt_shared"] is True
    # business_license is needed by several matters: listed in full once, referenced after
    firsts = [
        x
        for m in body["matters"]
        for x in m["materials"]
        if x["id"] == "business_license" and x["first_matter"] is None
    ]
    assert len(firsts) == 1
    assert body["complete"] is True and body["material_count"] >= 8


def test_checklist_large_restaurant_needs_fire_acceptance(client: TestClient) -> None:
    answers = {
        "entity_type": "company",
        "on_site_production": True,
        "sells_alcohol": False,
        "area": 12000,
        "has_signboard": False,
        "by_agent": True,
    }
    names = [
        m["name"]
        for m in client.post("/api/guide/checklist", json={"bundle_id": "catering", "answers": answers}).json()[
            "matters"
        ]
    ]
    assert "特殊建设工程消防验收（装修工程）" in names
    assert "公司设立登记（企业开办“一网通”）" in names


def test_incomplete_checklist_says_what_is_missing(client: TestClient) -> None:
    body = client.post(
        "/api/guide/checklist", json={"bundle_id": "catering", "answers": {"entity_type": "company"}}
    ).json()
    assert body["complete"] is False
    assert "店里是否售卖酒类？" not in body["missing_questions"]  # not applicable until on-site production is known
    assert body["missing_questions"][0].startswith("是否在店里现场加工")


def test_checklist_page_is_printable_html(client: TestClient) -> None:
    response = client.get(
        "/guide/checklist/catering?entity_type=individual&on_site_production=true&sells_alcohol=true&area=120&has_signboard=false&by_agent=false"
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "开办餐饮店“一件事” · 一次性告知单" in html
    assert "食品经营许可（新办）" in html and "个体工商户设立登记" in html
    assert "@media print" in html and "window.print()" in html
    assert "样板区县示例数据" in html


def test_checklist_page_escapes_and_reports_bad_query(client: TestClient) -> None:
    response = client.get("/guide/checklist/catering", params={"entity_type": "<script>alert(1)</script>"})
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_unknown_bundle_is_a_clear_404(client: TestClient) -> None:
    response = client.post("/api/guide/advance", json={"bundle_id": "nope"})
    assert response.status_code == 404
    assert response.json()["detail"] == "没有编号为“nope”的套餐"


def test_bad_input_gets_clear_errors_not_500(client: TestClient) -> None:
    assert (
        client.post(
            "/api/guide/advance", content=b"{not json", headers={"content-type": "application/json"}
        ).status_code
        == 422
    )
    too_long = client.post("/api/guide/advance", json={"bundle_id": "catering", "text": "火" * 10_001})
    assert too_long.status_code == 422 and too_long.json()["detail"] == "请求内容不符合要求"
    injection = client.get("/api/bundles/search", params={"q": "'; DROP TABLE bundles; --"})
    assert injection.status_code == 200
    assert client.get("/api/bundles/catering").status_code == 200
    for text in ["", "😀", "hello world", "<b>x</b>"]:
        assert client.post("/api/guide/advance", json={"bundle_id": "catering", "text": text}).status_code == 200


def test_contact_by_name_topic_and_fallback(client: TestClient) -> None:
    assert client.get("/api/contact", params={"q": "市场监管局电话多少"}).json()["id"] == "market_regulation"
    assert client.get("/api/contact", params={"topic": "policy"}).json()["id"] == "economy_information"
    fallback = client.get("/api/contact", params={"q": "在哪里办"}).json()
    assert fallback["id"] == "service_center" and fallback["is_sample"] is True


def test_reload_requires_the_admin_token(client: TestClient) -> None:
    assert client.post("/api/admin/knowledge/reload").status_code == 401
    assert client.post("/api/admin/knowledge/reload", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.post("/api/admin/knowledge/reload", headers={"Authorization": "Bearer test-admin-token"})
    assert ok.status_code == 200 and ok.json()["changed"] is False
