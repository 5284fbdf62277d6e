"""The console over HTTP: sign-in and sessions, CSRF on every state change, roles, audit, 建单 and 关联."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest
from conftest import TICKET_TOKENS, TicketClock, ticket_body, ticket_headers
from fastapi.testclient import TestClient

from app.console.assist import rasa_client
from app.console.rasa import RasaClient

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def sign_in(client: TestClient, who: str, **headers: str) -> str:
    """Sign in as one of TICKET_TOKENS; returns the session's CSRF token."""
    client.cookies.clear()
    page = client.get("/console")
    match = CSRF.search(page.text)
    assert match, page.text
    response = client.post(
        "/console/login",
        data={"token": TICKET_TOKENS[who], "csrf": match.group(1)},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    landing = client.get(response.headers["location"])
    token = CSRF.search(landing.text)
    assert token, landing.text
    return token.group(1)


@pytest.fixture
def client(ticket_client: TestClient, ticket_clock: TicketClock) -> Iterator[TestClient]:
    ticket_client.cookies.clear()
    yield ticket_client
    ticket_client.cookies.clear()


def file_ticket(client: TestClient, key: str, **overrides: object) -> str:
    response = client.post("/api/tickets", json=ticket_body(**overrides), headers=ticket_headers("service", key))
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


def assign(client: TestClient, number: str, department: str) -> None:
    body = {"action": "assign", "department_id": department}
    response = client.post(f"/api/tickets/{number}/transitions", json=body, headers=ticket_headers("agent"))
    assert response.status_code == 200, response.text


# ---------------------------------------------------------------- sign-in and sessions


def test_sign_in_page_is_served_with_a_strict_csp(client: TestClient) -> None:
    page = client.get("/console")
    assert page.status_code == 200
    assert "登录工作台" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in page.text


def test_sign_in_sets_a_strict_http_only_session_cookie(client: TestClient) -> None:
    page = client.get("/console")
    csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/console/login", data={"token": TICKET_TOKENS["agent"], "csrf": csrf}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/console/assist"
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "console_session=" in v)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Max-Age=28800" in cookie
    assert "Secure" not in cookie  # plain http in this test


def test_the_cookie_is_secure_behind_tls(client: TestClient) -> None:
    page = client.get("/console")
    csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/console/login",
        data={"token": TICKET_TOKENS["agent"], "csrf": csrf},
        headers={"X-Forwarded-Proto": "https"},
        follow_redirects=False,
    )
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "console_session=" in v)
    assert "Secure" in cookie


@pytest.mark.parametrize(
    ("token", "status", "message"),
    [
        ("wrong-token-0123456789abcdef", 401, "口令无效"),
        (TICKET_TOKENS["service"], 401, "口令无效"),  # the chatbot's token cannot sign in
        ("", 401, "口令无效"),
    ],
)
def test_bad_tokens_are_refused_in_chinese(client: TestClient, token: str, status: int, message: str) -> None:
    csrf = CSRF.search(client.get("/console").text).group(1)  # type: ignore[union-attr]
    response = client.post("/console/login", data={"token": token, "csrf": csrf}, follow_redirects=False)
    assert response.status_code == status and message in response.text
    assert "console_session=" not in response.headers.get("set-cookie", "")


def test_sign_in_without_the_form_token_is_refused(client: TestClient) -> None:
    client.get("/console")
    response = client.post("/console/login", data={"token": TICKET_TOKENS["agent"]}, follow_redirects=False)
    assert response.status_code == 403 and "过期" in response.text


def test_pages_need_a_session_and_sign_out_ends_it(client: TestClient) -> None:
    assert client.get("/console/queue", follow_redirects=False).headers["location"] == "/console"
    csrf = sign_in(client, "agent")
    session_cookie = client.cookies.get("console_session")
    assert client.get("/console/queue").status_code == 200
    assert client.post("/console/logout", data={}, follow_redirects=False).status_code == 403  # no CSRF
    out = client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.set("console_session", session_cookie or "", path="/console")
    assert client.get("/console/queue", follow_redirects=False).status_code == 303  # the old cookie is dead


# ---------------------------------------------------------------- CSRF and roles


def test_every_state_change_needs_the_csrf_token(client: TestClient) -> None:
    number = file_ticket(client, "console-csrf-1")
    csrf = sign_in(client, "agent")
    refused = client.post(f"/console/tickets/{number}/actions", data={"action": "assign"})
    assert refused.status_code == 403 and "CSRF" in refused.text
    wrong = client.post(f"/console/tickets/{number}/actions", data={"action": "assign", "csrf": "x" * 43})
    assert wrong.status_code == 403
    api = client.post("/console/api/assist/check", json={"mobile": "13812341234"})
    assert api.status_code == 403 and "CSRF" in api.json()["detail"]
    done = client.post(
        f"/console/tickets/{number}/actions",
        data={"action": "assign", "csrf": csrf, "department_id": "economy_information"},
        follow_redirects=False,
    )
    assert done.status_code == 303


def test_a_department_sees_only_its_own_tickets_and_no_agent_pages(client: TestClient) -> None:
    mine = file_ticket(client, "console-role-1")
    theirs = file_ticket(client, "console-role-2", category="employment", description="员工社保转移接续两个月还没办好")
    assign(client, mine, "economy_information")
    assign(client, theirs, "human_resources")
    sign_in(client, "economy_information")
    queue = client.get("/console/queue").text
    assert mine in queue and theirs not in queue
    assert "承办部门 重庆市黔江区经济和信息化委员会" in queue
    assert "13812341234" in client.get(f"/console/tickets/{mine}").text  # the handling department sees the mobile
    other = client.get(f"/console/tickets/{theirs}")
    assert other.status_code == 404 and "没有找到" in other.text
    assert client.get("/console/assist").status_code == 403
    assert client.get("/console/reports").status_code == 403


def test_the_agent_queue_masks_personal_data_and_puts_overdue_first(
    client: TestClient, ticket_clock: TicketClock
) -> None:
    from datetime import date

    ticket_clock.set_day(date(2026, 9, 1))
    old = file_ticket(client, "console-queue-old")
    assign(client, old, "economy_information")
    ticket_clock.reset()
    fresh = file_ticket(client, "console-queue-new")
    sign_in(client, "agent")
    page = client.get("/console/queue").text
    assert page.index(old) < page.index(fresh)
    assert "已超期" in page
    overdue_only = client.get("/console/queue", params={"overdue": "1"}).text
    assert old in overdue_only and fresh not in overdue_only
    bad = client.get("/console/queue", params={"due_within": "abc"}).text
    assert "0 到 30 的整数" in bad


def test_state_machine_errors_are_shown_in_chinese_and_actions_are_audited(client: TestClient) -> None:
    number = file_ticket(client, "console-audit-1")
    assign(client, number, "economy_information")
    csrf = sign_in(client, "economy_information")
    early = client.post(f"/console/tickets/{number}/actions", data={"action": "answer", "csrf": csrf, "note": "已通电"})
    assert early.status_code == 409 and "不能反馈" in early.text and "开始办理" in early.text
    for data in ({"action": "start"}, {"action": "answer", "note": "供电所已完成接电"}):
        response = client.post(
            f"/console/tickets/{number}/actions", data={**data, "csrf": csrf}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
    csrf = sign_in(client, "agent")
    page = client.get(f"/console/tickets/{number}").text
    assert "供电所已完成接电" in page and "请问您对办理结果是否满意" in page  # the 回访 script
    missing = client.post(f"/console/tickets/{number}/actions", data={"action": "visit", "csrf": csrf})
    assert missing.status_code == 422 and "满意度" in missing.text
    for data in ({"action": "visit", "satisfaction": "满意"}, {"action": "close"}):
        response = client.post(
            f"/console/tickets/{number}/actions", data={**data, "csrf": csrf}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
    history = client.get(f"/api/tickets/{number}/history", headers=ticket_headers("agent")).json()["events"]
    assert [(e["action"], e["actor"]) for e in history] == [
        ("create", "service"),
        ("assign", "agent:alice"),
        ("start", "department:economy_information"),
        ("answer", "department:economy_information"),
        ("visit", "agent:alice"),
        ("close", "agent:alice"),
    ]


# ---------------------------------------------------------------- assist: 建单, duplicates, 关联


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_line_is_understood_without_rasa_and_says_so(client: TestClient) -> None:
    app = client.app
    app.dependency_overrides[rasa_client] = lambda: RasaClient(f"http://127.0.0.1:{_closed_port()}", None, 2)  # type: ignore[attr-defined]
    try:
        csrf = sign_in(client, "agent")
        lines = ["我是重庆山水食品有限公司的，我姓王", "我们厂申请接电快两个月了供电所一直没排上", "电话13812345678"]
        response = client.post(
            "/console/api/assist/line",
            json={"call_id": "call-no-rasa-01", "lines": lines},
            headers={"X-CSRF-Token": csrf},
        )
    finally:
        app.dependency_overrides.pop(rasa_client)  # type: ignore[attr-defined]
    assert response.status_code == 200, response.text
    data = response.json()
    assert "无法连接" in data["rasa_error"]
    draft = data["draft"]
    assert draft["category_id"] == "factor_guarantee" and draft["department_id"] == "economy_information"
    assert (draft["mobile"]["value"], draft["mobile"]["line"]) == ("13812345678", 2)
    assert (draft["enterprise_name"]["value"], draft["enterprise_name"]["line"]) == ("重庆山水食品有限公司", 0)
    assert draft["event"]["line"] == 1 and "接电" in draft["deciding"]


def test_filing_twice_from_one_call_makes_one_ticket_and_a_repeat_call_offers_linking(client: TestClient) -> None:
    csrf = sign_in(client, "agent")
    body = {
        "call_id": "call-file-0001",
        "enterprise_name": "重庆市黔江区链接测试有限公司",
        "credit_code": "",
        "contact_name": "王女士",
        "mobile": "13911112222",
        "category": "factor_guarantee",
        "description": "厂里申请接电两个月了供电所一直没排上，希望尽快通电。",
    }
    first = client.post("/console/api/assist/file", json=body, headers={"X-CSRF-Token": csrf})
    again = client.post("/console/api/assist/file", json=body, headers={"X-CSRF-Token": csrf})
    assert (first.status_code, again.status_code) == (201, 200)
    number = first.json()["number"]
    assert again.json()["number"] == number
    assert first.json()["department"] == "重庆市黔江区经济和信息化委员会"
    check = client.post(
        "/console/api/assist/check",
        json={"mobile": "139 1111 2222", "description": "接电两个月了还没接上", "category": "factor_guarantee"},
        headers={"X-CSRF-Token": csrf},
    ).json()
    assert [s["number"] for s in check["similar"]] == [number]
    assert "同一手机号" in check["similar"][0]["reasons"]
    linked = client.post(
        "/console/api/assist/link",
        json={"number": number, "contact_name": "王女士", "mobile": "13911112222", "description": "又来电催接电"},
        headers={"X-CSRF-Token": csrf},
    )
    assert linked.status_code == 200, linked.text
    history = client.get(f"/api/tickets/{number}/history", headers=ticket_headers("agent")).json()["events"]
    assert history[-1]["action"] == "link" and history[-1]["actor"] == "agent:alice"
    assert "又来电催接电" in history[-1]["note"] and "13911112222" not in history[-1]["note"]


def test_invalid_fields_are_refused_with_the_reason(client: TestClient) -> None:
    csrf = sign_in(client, "agent")
    check = client.post(
        "/console/api/assist/check",
        json={"mobile": "1381234", "credit_code": "91350100M000100Y44"},
        headers={"X-CSRF-Token": csrf},
    ).json()
    assert "手机号码格式不正确" in check["problems"]["mobile"]
    assert "校验位" in check["problems"]["credit_code"]
    body = {
        "call_id": "call-invalid-01",
        "enterprise_name": "某公司",
        "contact_name": "李",
        "mobile": "1381234",
        "category": "other",
        "description": "测试诉求内容足够长吗",
    }
    refused = client.post("/console/api/assist/file", json=body, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 422 and "手机号码格式不正确" in refused.text


# ---------------------------------------------------------------- reports


def test_reports_show_the_on_time_rate_and_export_csv(client: TestClient) -> None:
    number = file_ticket(client, "console-report-1", enterprise_name="报表测试公司")
    assign(client, number, "economy_information")
    for body in ({"action": "start"}, {"action": "answer", "note": "已处理"}):
        response = client.post(f"/api/tickets/{number}/transitions", json=body, headers=ticket_headers("agent"))
        assert response.status_code == 200
    sign_in(client, "agent")
    page = client.get("/console/reports", params={"start": "2026-11-01", "end": "2026-11-30"})
    assert page.status_code == 200 and "按期办结率" in page.text and "重庆市黔江区经济和信息化委员会" in page.text
    assert re.search(r'data-testid="on-time">\d+%', page.text)
    csv_text = client.get("/console/reports.csv", params={"start": "2026-11-01", "end": "2026-11-30"}).text
    assert csv_text.startswith("\ufeff统计期") and "经济和信息化委员会" in csv_text


def test_report_figures_count_late_answers_reopenings_and_satisfaction(
    client: TestClient, ticket_clock: TicketClock
) -> None:
    from datetime import date

    def move(number: str, **body: object) -> None:
        response = client.post(f"/api/tickets/{number}/transitions", json=body, headers=ticket_headers("agent"))
        assert response.status_code == 200, response.text

    ticket_clock.set_day(date(2026, 10, 12))  # a Monday; 要素保障: 10 working days → due 2026-10-26
    on_time = file_ticket(client, "console-report-oct-1", enterprise_name="十月甲公司")
    late = file_ticket(client, "console-report-oct-2", enterprise_name="十月乙公司")
    for number in (on_time, late):
        move(number, action="assign", department_id="economy_information")
        move(number, action="start")
    ticket_clock.set_day(date(2026, 10, 14))
    move(on_time, action="answer", note="已处理")
    move(on_time, action="visit", satisfaction="不满意")  # reopens
    ticket_clock.set_day(date(2026, 10, 30))
    move(late, action="answer", note="已处理（超期）")
    ticket_clock.reset()
    sign_in(client, "agent")
    rows = client.get("/console/reports.csv", params={"start": "2026-10-01", "end": "2026-10-31"}).text.splitlines()
    economy = next(r for r in rows if r.startswith("重庆市黔江区经济和信息化委员会"))
    # 受理 2, 按期 1/2, 平均反馈 (2 + 14) / 2 = 8.0 个工作日, 重办 1/2, 不满意 1
    assert economy.split(",")[:10] == [
        "重庆市黔江区经济和信息化委员会",
        "2",
        "50%",
        "8.0",
        "50%",
        "0",
        "0",
        "0",
        "1",
        "0",
    ]


def test_caller_text_is_escaped_on_the_ticket_page(client: TestClient) -> None:
    number = file_ticket(client, "console-escape-1", description="用电报装<script>alert(1)</script>拖了两个月")
    sign_in(client, "agent")
    page = client.get(f"/console/tickets/{number}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_widget_ratings_count_in_the_report_of_the_ticket_department(client: TestClient) -> None:
    number = file_ticket(client, "console-report-rating", enterprise_name="评价测试公司", sender_id="web-rating-conv")
    assign(client, number, "human_resources")
    rating = {"conversation_id": "web-rating-conv", "channel": "web", "score": 2, "ticket_number": number,
              "context": "ticket"}  # fmt: skip
    stored = client.post("/api/ratings", json=rating, headers=ticket_headers("service"))
    assert stored.status_code in (200, 201), stored.text
    sign_in(client, "agent")
    today = stored.json()["created_at"][:10]
    rows = client.get("/console/reports.csv", params={"start": today, "end": today}).text.splitlines()
    header = next(r for r in rows if r.startswith("承办部门")).split(",")
    department = next(r for r in rows if r.startswith("重庆市黔江区人力资源和社会保障局")).split(",")
    assert int(department[header.index("不满意")]) >= 1
