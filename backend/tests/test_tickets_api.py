"""Ticket API: filing, deadlines, idempotency, roles, the public lookup (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select

from app.api.auth import NOT_CONFIGURED
from app.core.config import Settings, get_settings
from app.core.db import session_factory
from app.main import create_app
from app.models.tickets import Ticket
from app.services.tickets.errors import NOT_FOUND_MESSAGE
from tests.conftest import TICKET_TOKENS, TicketClock, ticket_body, ticket_headers


def _key() -> str:
    return f"test-{uuid.uuid4()}"


def file(client: TestClient, who: str = "agent", **overrides: object) -> dict[str, object]:
    response = client.post("/api/tickets", json=ticket_body(**overrides), headers=ticket_headers(who, _key()))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def move(client: TestClient, number: object, who: str = "agent", **body: object) -> dict[str, object]:
    response = client.post(f"/api/tickets/{number}/transitions", json=body, headers=ticket_headers(who))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


# ---------------------------------------------------------------- filing


def test_filing_returns_number_routing_and_deadline(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    response = ticket_client.post("/api/tickets", json=ticket_body(), headers=ticket_headers("service", _key()))
    assert response.status_code == 201
    ticket = response.json()
    assert re.fullmatch(r"QY20261123\d{4}", ticket["number"])
    assert ticket["state"] == "received" and ticket["state_label"] == "已受理"
    assert ticket["category"] == {"id": "factor_guarantee", "name": "水电气网等要素保障"}
    assert ticket["department"]["id"] == "economy_information"
    assert ticket["complexity"] == "general"
    assert ticket["time_limit_working_days"] == 10
    # Mon 2026-11-23 + 10 working days: Nov 24-27, Nov 30-Dec 4, Dec 7
    assert ticket["received_on"] == "2026-11-23"
    assert ticket["deadline"] == "2026-12-07"
    assert ticket["calendar_fallback"] is False
    assert ticket["working_days_left"] == 10 and ticket["overdue"] is False
    # The creator gets personal data masked; the agent reading the ticket sees it whole.
    assert ticket["personal_data_masked"] is True
    assert ticket["mobile"] == "138****1234"
    assert ticket["credit_code"] == "9135**********0Y43"
    assert "13912345678" not in ticket["description"] and "139****5678" in ticket["description"]
    full = ticket_client.get(f"/api/tickets/{ticket['number']}", headers=ticket_headers("agent")).json()
    assert full["mobile"] == "13812341234" and full["credit_code"] == "91350100M000100Y43"
    assert "13912345678" in full["description"]
    assert full["allowed_actions"] == ["assign"]


def test_numbers_of_one_day_are_consecutive(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    ticket_clock.set_day(date(2026, 11, 24))
    first, second = file(ticket_client)["number"], file(ticket_client)["number"]
    assert str(first)[:10] == str(second)[:10] == "QY20261124"
    assert int(str(second)[-4:]) == int(str(first)[-4:]) + 1


def test_numbers_follow_the_china_date(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    # 2026-11-24 17:30 UTC is already 2026-11-25 01:30 in China.
    ticket_clock.now = ticket_clock.now.replace(day=24, hour=17, minute=30)
    ticket = file(ticket_client)
    assert str(ticket["number"]).startswith("QY20261125")
    assert ticket["received_on"] == "2026-11-25"


@pytest.mark.parametrize(
    ("day", "overrides", "deadline"),
    [
        # 春节 2026 (Feb 15-23): Fri Feb 13 → the adjusted Saturday Feb 14
        (date(2026, 2, 13), {"complexity": "simple"}, "2026-02-14"),
        # Sat Feb 14 (调休) → Tue Feb 24, after the holiday
        (date(2026, 2, 14), {"complexity": "simple"}, "2026-02-24"),
        # 审批服务: 5 working days from Thu Feb 12: 13, 14, 24, 25, 26
        (date(2026, 2, 12), {"category": "审批服务"}, "2026-02-26"),
        # complex: 30 working days from Mon Feb 2 (see test_workdays)
        (date(2026, 2, 2), {"complexity": "complex"}, "2026-03-20"),
        # 国庆 2026 (Oct 1-7): Wed Sep 30 → Thu Oct 8
        (date(2026, 9, 30), {"complexity": "simple"}, "2026-10-08"),
        # Fri Sep 18 → the adjusted Sunday Sep 20
        (date(2026, 9, 18), {"complexity": "simple"}, "2026-09-20"),
    ],
)
def test_deadlines_on_the_official_calendar(
    ticket_client: TestClient, ticket_clock: TicketClock, day: date, overrides: dict[str, object], deadline: str
) -> None:
    ticket_clock.set_day(day)
    ticket = file(ticket_client, **overrides)
    assert ticket["deadline"] == deadline
    assert ticket["calendar_fallback"] is False


def test_a_year_the_calendar_does_not_cover_is_marked(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    ticket_clock.set_day(date(2040, 1, 6))  # a Friday
    ticket = file(ticket_client, complexity="simple")
    assert ticket["deadline"] == "2040-01-09"  # Monday, counted Monday-Friday
    assert ticket["calendar_fallback"] is True
    assert str(ticket["number"]).startswith("QY20400106")


def test_category_by_name_inferred_and_complexity(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    assert file(ticket_client, category="融资")["category"]["id"] == "financing"  # type: ignore[index]
    inferred = file(ticket_client, category=None, description="招工太难了，社保也不会办")
    assert inferred["category"]["id"] == "employment"  # type: ignore[index]
    assert inferred["department"]["id"] == "human_resources"  # type: ignore[index]
    unknown = file(ticket_client, category=None, description="今天想反映一个情况")
    assert unknown["category"]["id"] == "other"  # type: ignore[index]
    legal = file(ticket_client, category="legal_dispute")
    assert legal["complexity"] == "complex" and legal["time_limit_working_days"] == 30
    simple = file(ticket_client, complexity="simple")
    assert simple["deadline"] == "2026-11-24" and simple["complexity_label"] == "简单诉求（即办）"


def test_without_credit_code_and_with_messy_input(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    ticket = file(
        ticket_client,
        credit_code=None,
        mobile="+86 139-1234-5678",
        description="<script>alert(1)</script>'; DROP TABLE tickets; -- 😀 用電報裝",
    )
    assert ticket["credit_code"] is None
    assert ticket["mobile"] == "139****5678"
    full = ticket_client.get(f"/api/tickets/{ticket['number']}", headers=ticket_headers("agent")).json()
    assert full["mobile"] == "13912345678"
    assert full["description"].startswith("<script>alert(1)</script>'; DROP TABLE tickets;")


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"mobile": "12812341234"}, "手机号码格式不正确"),
        ({"mobile": "1381234123"}, "手机号码格式不正确"),
        ({"credit_code": "91350100M000100Y44"}, "校验位不正确"),
        ({"credit_code": "9135010"}, "应为18位"),
        ({"channel": "email"}, "channel"),
        ({"enterprise_name": "   "}, "enterprise_name"),
        ({"description": "长" * 10_000}, "description"),
        ({"complexity": "urgent"}, "complexity"),
        ({"unexpected": "x"}, "unexpected"),
    ],
)
def test_invalid_requests_are_refused_clearly(
    ticket_client: TestClient, overrides: dict[str, object], fragment: str
) -> None:
    response = ticket_client.post(
        "/api/tickets", json=ticket_body(**overrides), headers=ticket_headers("agent", _key())
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "请求内容不符合要求"
    assert any(fragment in problem for problem in body["problems"]), body


def test_an_unknown_category_is_refused(ticket_client: TestClient) -> None:
    response = ticket_client.post(
        "/api/tickets", json=ticket_body(category="天气"), headers=ticket_headers("agent", _key())
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("没有“天气”这个诉求分类")


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '{"channel": "wechat"'])
def test_malformed_json_is_a_clear_422(ticket_client: TestClient, body: str) -> None:
    headers = {**ticket_headers("agent", _key()), "Content-Type": "application/json"}
    response = ticket_client.post("/api/tickets", content=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"] == "请求内容不符合要求"


def test_filing_logs_no_personal_data(
    ticket_client: TestClient, ticket_clock: TicketClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="backend.tickets")
    ticket = file(ticket_client)
    lines = [r.getMessage() for r in caplog.records if r.name == "backend.tickets"]
    assert any(str(ticket["number"]) in line for line in lines)
    assert "13812341234" not in caplog.text and "91350100M000100Y43" not in caplog.text
    assert "138****1234" in caplog.text


# ---------------------------------------------------------------- idempotency


def _count(settings: Settings, key: str) -> int:
    session = session_factory(settings.database_url)()
    try:
        return int(session.scalar(select(func.count()).where(Ticket.idempotency_key == key)) or 0)
    finally:
        session.close()


def test_the_same_key_twice_files_one_ticket(
    ticket_client: TestClient, ticket_settings: Settings, ticket_clock: TicketClock
) -> None:
    key = _key()
    first = ticket_client.post("/api/tickets", json=ticket_body(), headers=ticket_headers("service", key))
    ticket_clock.now += timedelta(minutes=3)  # the bot retries later, after the backend came back
    again = ticket_client.post("/api/tickets", json=ticket_body(), headers=ticket_headers("service", key))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"]
    assert again.json()["created_at"] == first.json()["created_at"]
    assert _count(ticket_settings, key) == 1


def test_the_same_request_written_differently_is_the_same_request(
    ticket_client: TestClient, ticket_settings: Settings
) -> None:
    key = _key()
    first = ticket_client.post("/api/tickets", json=ticket_body(), headers=ticket_headers("service", key))
    again = ticket_client.post(
        "/api/tickets",
        json=ticket_body(mobile="138 1234 1234", credit_code="91350100m000100y43"),
        headers=ticket_headers("service", key),
    )
    assert again.status_code == 200 and again.json()["number"] == first.json()["number"]
    assert _count(ticket_settings, key) == 1


def test_the_same_key_with_another_body_is_a_conflict(ticket_client: TestClient, ticket_settings: Settings) -> None:
    key = _key()
    first = ticket_client.post("/api/tickets", json=ticket_body(), headers=ticket_headers("service", key))
    other = ticket_client.post(
        "/api/tickets", json=ticket_body(description="另一件事：贷款批不下来"), headers=ticket_headers("service", key)
    )
    assert other.status_code == 409
    assert "Idempotency-Key" in other.json()["detail"] and first.json()["number"] in other.json()["detail"]
    assert _count(ticket_settings, key) == 1


def test_keys_are_scoped_to_the_caller(ticket_client: TestClient, ticket_settings: Settings) -> None:
    key = _key()
    bot = ticket_client.post("/api/tickets", json=ticket_body(), headers=ticket_headers("service", key))
    agent = ticket_client.post("/api/tickets", json=ticket_body(), headers=ticket_headers("agent", key))
    assert (bot.status_code, agent.status_code) == (201, 201)
    assert bot.json()["number"] != agent.json()["number"]
    assert _count(ticket_settings, key) == 2


@pytest.mark.parametrize("key", [None, "", "   ", "key with spaces", "x" * 129])
def test_the_key_is_required_and_checked(ticket_client: TestClient, key: str | None) -> None:
    headers = ticket_headers("service")
    if key is not None:
        headers["Idempotency-Key"] = key
    response = ticket_client.post("/api/tickets", json=ticket_body(), headers=headers)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]


# ---------------------------------------------------------------- roles


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/tickets"),
        ("get", "/api/tickets"),
        ("get", "/api/tickets/QY202611230001"),
        ("get", "/api/tickets/QY202611230001/history"),
        ("post", "/api/tickets/QY202611230001/transitions"),
        ("post", "/api/tickets/classify"),
    ],
)
@pytest.mark.parametrize(
    "authorization", [None, "Bearer ", "Bearer wrong-token-wrong-token", f"Basic {TICKET_TOKENS['agent']}"]
)
def test_every_endpoint_needs_a_valid_token(
    ticket_client: TestClient, method: str, path: str, authorization: str | None
) -> None:
    headers = {"Idempotency-Key": _key()}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = ticket_client.request(method, path, headers=headers, json={"action": "start", "description": "x"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"] in {"需要身份令牌（Authorization: Bearer …）", "身份令牌无效"}


def test_the_service_files_and_reads_by_number_only(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    ticket = file(ticket_client, who="service")
    number = ticket["number"]
    read = ticket_client.get(f"/api/tickets/{number}", headers=ticket_headers("service"))
    assert read.status_code == 200
    assert read.json()["personal_data_masked"] is True and read.json()["mobile"] == "138****1234"
    assert read.json()["allowed_actions"] == []
    forbidden = [
        ticket_client.get("/api/tickets", headers=ticket_headers("service")),
        ticket_client.get(f"/api/tickets/{number}/history", headers=ticket_headers("service")),
        ticket_client.post(
            f"/api/tickets/{number}/transitions", json={"action": "assign"}, headers=ticket_headers("service")
        ),
    ]
    for response in forbidden:
        assert response.status_code == 403
        assert response.json()["detail"] == "对话机器人身份无权使用此接口"


def test_agents_list_everything_masked_and_read_everything(
    ticket_client: TestClient, ticket_clock: TicketClock
) -> None:
    ticket = file(ticket_client, who="service")
    listed = ticket_client.get("/api/tickets", headers=ticket_headers("agent_bob"), params={"limit": 200}).json()
    assert listed["total"] >= 1
    mine = [t for t in listed["items"] if t["number"] == ticket["number"]]
    assert mine and mine[0]["mobile"] == "138****1234" and mine[0]["personal_data_masked"] is True
    assert all("*" in t["mobile"] for t in listed["items"])
    detail = ticket_client.get(f"/api/tickets/{ticket['number']}", headers=ticket_headers("agent_bob")).json()
    assert detail["mobile"] == "13812341234"


def test_a_department_sees_and_moves_only_its_own_tickets(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    ticket = file(ticket_client, category="用工")  # routed to human_resources
    number = ticket["number"]
    own, other = ticket_headers("human_resources"), ticket_headers("economy_information")
    # Not yet transferred (已受理): no department sees it.
    assert ticket_client.get(f"/api/tickets/{number}", headers=own).status_code == 404
    move(ticket_client, number, action="assign")
    detail = ticket_client.get(f"/api/tickets/{number}", headers=own)
    assert detail.status_code == 200
    assert detail.json()["mobile"] == "13812341234" and detail.json()["personal_data_masked"] is False
    assert detail.json()["allowed_actions"] == ["start", "extend"]
    missing = ticket_client.get(f"/api/tickets/{number}", headers=other)
    assert missing.status_code == 404 and number in missing.json()["detail"]
    assert ticket_client.get(f"/api/tickets/{number}/history", headers=other).status_code == 404
    refused = ticket_client.post(f"/api/tickets/{number}/transitions", json={"action": "start"}, headers=other)
    assert refused.status_code == 404
    # Its own list: only its tickets, unmasked; asking for another department is refused.
    listed = ticket_client.get("/api/tickets", headers=own, params={"limit": 200}).json()
    assert number in [t["number"] for t in listed["items"]]
    assert {t["department"]["id"] for t in listed["items"]} == {"human_resources"}
    assert all(t["state"] != "received" for t in listed["items"])
    assert all(t["personal_data_masked"] is False for t in listed["items"])
    assert number not in [
        t["number"] for t in ticket_client.get("/api/tickets", headers=other, params={"limit": 200}).json()["items"]
    ]
    cross = ticket_client.get("/api/tickets", headers=own, params={"department": "economy_information"})
    assert cross.status_code == 403 and cross.json()["detail"] == "承办部门只能查看本部门的工单"
    # Departments do not file tickets.
    assert (
        ticket_client.post(
            "/api/tickets", json=ticket_body(), headers=ticket_headers("human_resources", _key())
        ).status_code
        == 403
    )


def test_without_any_token_configured_the_ticket_api_is_off(client: TestClient) -> None:
    response = client.post("/api/tickets", json=ticket_body(), headers={"Idempotency-Key": _key()})
    assert response.status_code == 503
    assert response.json()["detail"] == NOT_CONFIGURED


def test_one_token_for_two_roles_is_a_configuration_error(ticket_settings: Settings) -> None:
    app = create_app()
    broken = ticket_settings.model_copy(update={"agent_tokens": f"alice:{TICKET_TOKENS['service']}"})
    app.dependency_overrides[get_settings] = lambda: broken
    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.get("/api/tickets", headers=ticket_headers("service"))
    assert response.status_code == 503 and "同一口令" in response.json()["detail"]


@pytest.mark.parametrize(
    "update",
    [
        {"backend_service_token": "short"},
        {"backend_service_token": "__generate__"},
        {"agent_tokens": "alice:short"},
        {"agent_tokens": ":a-token-of-enough-length"},
        {"department_tokens": "service_center:tiny"},
    ],
)
def test_weak_or_malformed_tokens_fail_at_start_up(update: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="工单接口口令至少16个字符"):
        Settings(**update)  # type: ignore[arg-type]


def test_token_settings_accept_pairs_and_a_bare_agent_token() -> None:
    settings = Settings(
        backend_service_token="s" * 16,
        agent_tokens="alice:" + "a" * 16 + ", " + "b" * 20,
        department_tokens="",
    )
    assert settings.agent_tokens and settings.department_tokens is None


# ---------------------------------------------------------------- the public status lookup


def test_the_enterprise_checks_its_ticket_with_the_last_4_digits(
    ticket_client: TestClient, ticket_clock: TicketClock
) -> None:
    ticket = file(ticket_client, who="service")
    response = ticket_client.get(f"/api/tickets/{ticket['number']}/status", params={"phone_last4": "1234"})
    assert response.status_code == 200
    status = response.json()
    assert status["number"] == ticket["number"]
    assert status["state_label"] == "已受理"
    assert status["department"] == "重庆市黔江区经济和信息化委员会"
    assert status["deadline"] == "2026-12-07"
    assert [e["state"] for e in status["timeline"]] == ["received"]
    for private in ("mobile", "credit_code", "contact_name", "enterprise_name", "description", "sender_id"):
        assert private not in status
    lower = ticket_client.get(f"/api/tickets/{str(ticket['number']).lower()}/status", params={"phone_last4": "1234"})
    assert lower.status_code == 200


def test_wrong_digits_and_unknown_numbers_look_the_same(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    ticket = file(ticket_client)
    wrong = ticket_client.get(f"/api/tickets/{ticket['number']}/status", params={"phone_last4": "0000"})
    unknown = ticket_client.get("/api/tickets/QY203001010001/status", params={"phone_last4": "1234"})
    malformed = ticket_client.get("/api/tickets/<script>/status", params={"phone_last4": "1234"})
    for response in (wrong, unknown, malformed):
        assert response.status_code == 404
        assert response.json() == {"detail": NOT_FOUND_MESSAGE}
    bad = ticket_client.get(f"/api/tickets/{ticket['number']}/status", params={"phone_last4": "12a4"})
    assert bad.status_code == 422
    assert ticket_client.get(f"/api/tickets/{ticket['number']}/status").status_code == 422


def _from(client_id: str) -> dict[str, str]:
    """The action server looking up for one chat conversation (trusted only with the service token)."""
    return {**ticket_headers("service"), "X-Client-Id": client_id}


def test_five_failures_lock_the_client_out_of_that_number(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    ticket, neighbour = file(ticket_client), file(ticket_client)
    path = f"/api/tickets/{ticket['number']}/status"
    for digits in ("0000", "1111", "2222", "3333", "4444"):
        assert ticket_client.get(path, params={"phone_last4": digits}).status_code == 404
        ticket_clock.now += timedelta(seconds=30)
    locked = ticket_client.get(path, params={"phone_last4": "1234"})  # even the right pair
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == "600"
    assert "023-79242258" in locked.json()["detail"]
    # Other numbers are not affected.
    other = ticket_client.get(f"/api/tickets/{neighbour['number']}/status", params={"phone_last4": "1234"})
    assert other.status_code == 200
    # Ten minutes after the first failures they age out.
    ticket_clock.now += timedelta(minutes=10)
    assert ticket_client.get(path, params={"phone_last4": "1234"}).status_code == 200


def test_a_guesser_cannot_lock_the_owner_out(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    ticket = file(ticket_client)
    path = f"/api/tickets/{ticket['number']}/status"
    for digits in ("0000", "1111", "2222", "3333", "4444", "5555"):
        ticket_client.get(path, params={"phone_last4": digits}, headers=_from("guesser"))
    assert ticket_client.get(path, params={"phone_last4": "1234"}, headers=_from("guesser")).status_code == 429
    assert ticket_client.get(path, params={"phone_last4": "1234"}, headers=_from("owner")).status_code == 200
    # Without the service token the header is not believed: the caller is its IP address.
    forged = {"X-Client-Id": "owner", "Authorization": "Bearer not-the-service-token"}
    for digits in ("0000", "1111", "2222", "3333", "4444"):
        ticket_client.get(path, params={"phone_last4": digits}, headers=forged)
    assert ticket_client.get(path, params={"phone_last4": "1234"}, headers=_from("owner")).status_code == 200


def test_one_client_guessing_many_numbers_is_stopped(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    ticket = file(ticket_client)
    answers = [
        ticket_client.get(f"/api/tickets/QY20301231{n:04d}/status", params={"phone_last4": "1234"}).status_code
        for n in range(21)
    ]
    assert answers == [404] * 20 + [429]
    right = ticket_client.get(f"/api/tickets/{ticket['number']}/status", params={"phone_last4": "1234"})
    assert right.status_code == 429  # the client is locked, whatever number it tries
    other_client = ticket_client.get(
        f"/api/tickets/{ticket['number']}/status", params={"phone_last4": "1234"}, headers=_from("someone-else")
    )
    assert other_client.status_code == 200


def test_unknown_numbers_are_rate_limited_the_same_way(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    path = "/api/tickets/QY203012310099/status"
    answers = [ticket_client.get(path, params={"phone_last4": "1234"}).status_code for _ in range(6)]
    assert answers == [404] * 5 + [429]


def test_the_reference_given_while_queued_finds_the_ticket(
    ticket_client: TestClient, ticket_clock: TicketClock
) -> None:
    ticket = file(ticket_client, reference="CX7K3M9Q2X")
    found = ticket_client.get("/api/tickets/CX7K3M9Q2X/status", params={"phone_last4": "1234"})
    assert found.status_code == 200 and found.json()["number"] == ticket["number"]
    assert ticket_client.get("/api/tickets/CX7K3M9Q2X/status", params={"phone_last4": "0000"}).status_code == 404
    bad = ticket_client.post(
        "/api/tickets", json=ticket_body(reference="CX0000"), headers=ticket_headers("service", _key())
    )
    assert bad.status_code == 422


# ---------------------------------------------------------------- classification and categories


def test_classify_for_the_bot(ticket_client: TestClient) -> None:
    response = ticket_client.post(
        "/api/tickets/classify", json={"description": "我们厂用电报装拖了两个月"}, headers=ticket_headers("service")
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "matched"
    assert body["category"]["id"] == "factor_guarantee"
    assert body["category"]["department"]["id"] == "economy_information"
    assert body["score"] == 100.0
    assert set(body["candidates"][0]["matched"]) == {"用电", "报装"}
    empty = ticket_client.post("/api/tickets/classify", json={"description": ""}, headers=ticket_headers("agent"))
    assert empty.json()["status"] == "empty" and empty.json()["category"]["id"] == "other"
    huge = ticket_client.post(
        "/api/tickets/classify", json={"description": "贷款" * 5000}, headers=ticket_headers("agent")
    )
    assert huge.status_code == 200 and huge.json()["category"]["id"] == "financing"
    dept = ticket_client.post(
        "/api/tickets/classify", json={"description": "贷款"}, headers=ticket_headers("service_center")
    )
    assert dept.status_code == 403


def test_the_categories_are_public(ticket_client: TestClient) -> None:
    categories = ticket_client.get("/api/appeal-categories").json()
    assert len(categories) == 8
    assert {c["id"]: c["department"]["id"] for c in categories}["employment"] == "human_resources"
