"""The ticket state machine: every valid and invalid transition, the audit trail, overdue queues."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app.core.config import Settings
from app.core.db import session_factory
from app.models.tickets import Ticket
from tests.conftest import TicketClock, ticket_body, ticket_headers

STATES = ["received", "assigned", "in_progress", "extended", "answered", "visited", "closed"]
LABELS = {
    "received": "已受理",
    "assigned": "已转办",
    "in_progress": "办理中",
    "extended": "已延期",
    "answered": "已反馈",
    "visited": "已回访",
    "closed": "已销号",
}
ACTION_LABELS = {
    "assign": "转办",
    "start": "开始办理",
    "extend": "延期",
    "answer": "反馈",
    "visit": "回访",
    "close": "销号",
    "reopen": "重新办理",
}
# A valid body for each action (assign moves the ticket to another department, so it is valid twice).
PAYLOADS: dict[str, dict[str, object]] = {
    "assign": {"department_id": "human_resources"},
    "start": {},
    "extend": {"reason": "需供电公司现场勘查，预计一周", "working_days": 5},
    "answer": {"note": "已协调供电公司，本周内完成报装"},
    "visit": {"satisfaction": "满意"},
    "close": {},
    "reopen": {"reason": "企业反映问题仍未解决"},
}
# The specification (DESIGN §3 and the issue), independent of the implementation's table.
VALID = {
    ("received", "assign"): "assigned",
    ("assigned", "assign"): "assigned",
    ("assigned", "start"): "in_progress",
    ("assigned", "extend"): "extended",
    ("in_progress", "extend"): "extended",
    ("extended", "extend"): "extended",
    ("in_progress", "answer"): "answered",
    ("extended", "answer"): "answered",
    ("answered", "visit"): "visited",
    ("visited", "close"): "closed",
    ("answered", "reopen"): "in_progress",
    ("visited", "reopen"): "in_progress",
}
PATH_TO = {
    "received": [],
    "assigned": ["assign"],
    "in_progress": ["assign", "start"],
    "extended": ["assign", "start", "extend"],
    "answered": ["assign", "start", "answer"],
    "visited": ["assign", "start", "answer", "visit"],
    "closed": ["assign", "start", "answer", "visit", "close"],
}


def post(client: TestClient, number: object, action: str, who: str = "agent", **body: object):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/tickets/{number}/transitions", json={"action": action, **body}, headers=ticket_headers(who)
    )


def act(client: TestClient, number: object, action: str, who: str = "agent", **body: object) -> dict[str, object]:
    response = post(client, number, action, who, **body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def ticket_in(client: TestClient, state: str, **overrides: object) -> dict[str, object]:
    response = client.post(
        "/api/tickets", json=ticket_body(**overrides), headers=ticket_headers("service", str(uuid.uuid4()))
    )
    assert response.status_code == 201, response.text
    ticket: dict[str, object] = response.json()
    for action in PATH_TO[state]:
        body = {} if action == "assign" else PAYLOADS[action]  # 转办 to the routed department
        ticket = act(client, ticket["number"], action, **body)
    assert ticket["state"] == state
    return ticket


def history(client: TestClient, number: object, who: str = "agent") -> list[dict[str, object]]:
    response = client.get(f"/api/tickets/{number}/history", headers=ticket_headers(who))
    assert response.status_code == 200
    return response.json()["events"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------- the full matrix


@pytest.mark.parametrize("action", list(ACTION_LABELS))
@pytest.mark.parametrize("state", STATES)
def test_every_transition(ticket_client: TestClient, ticket_clock: TicketClock, state: str, action: str) -> None:
    ticket = ticket_in(ticket_client, state)
    before = history(ticket_client, ticket["number"])
    response = post(ticket_client, ticket["number"], action, **PAYLOADS[action])
    after = history(ticket_client, ticket["number"])
    if (state, action) in VALID:
        assert response.status_code == 200, response.text
        assert response.json()["state"] == VALID[(state, action)]
        event = after[-1]
        assert (event["action"], event["from_state"], event["to_state"]) == (action, state, VALID[(state, action)])
        assert (event["actor"], event["role"]) == ("agent:alice", "agent")
        assert len(after) == len(before) + 1
    else:
        assert response.status_code == 409, response.text
        detail = response.json()["detail"]
        assert f"当前状态为“{LABELS[state]}”，不能{ACTION_LABELS[action]}" in detail
        assert after == before  # nothing recorded, nothing changed
        now = ticket_client.get(f"/api/tickets/{ticket['number']}", headers=ticket_headers("agent")).json()
        assert now["state"] == state


def test_the_closed_loop_is_audited_step_by_step(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    ticket = ticket_in(ticket_client, "received")
    number = ticket["number"]
    steps = [
        ("assign", "agent", {"note": "转区经济信息委"}),
        ("start", "economy_information", {"note": "已联系企业"}),
        ("answer", "economy_information", {"note": "已协调供电公司完成报装"}),
        ("visit", "agent_bob", {"satisfaction": "非常满意", "note": "企业确认已通电"}),
        ("close", "agent_bob", {}),
    ]
    for action, who, body in steps:
        ticket_clock.now += timedelta(hours=1)
        act(ticket_client, number, action, who, **body)
    events = history(ticket_client, number)
    assert [(e["from_state"], e["to_state"]) for e in events] == [
        (None, "received"),
        ("received", "assigned"),
        ("assigned", "in_progress"),
        ("in_progress", "answered"),
        ("answered", "visited"),
        ("visited", "closed"),
    ]
    assert [(e["actor"], e["role"]) for e in events] == [
        ("service", "service"),
        ("agent:alice", "agent"),
        ("department:economy_information", "department"),
        ("department:economy_information", "department"),
        ("agent:bob", "agent"),
        ("agent:bob", "agent"),
    ]
    assert [e["at"][11:16] for e in events] == ["02:00", "03:00", "04:00", "05:00", "06:00", "07:00"]
    assert events[3]["note"] == "已协调供电公司完成报装"
    assert events[4]["satisfaction"] == "非常满意"
    assert [e["action_label"] for e in events] == ["受理", "转办", "开始办理", "反馈", "回访", "销号"]
    final = ticket_client.get(f"/api/tickets/{number}", headers=ticket_headers("agent")).json()
    assert final["state_label"] == "已销号" and final["allowed_actions"] == [] and final["working_days_left"] is None


# ---------------------------------------------------------------- roles per action


@pytest.mark.parametrize(
    ("state", "action", "allowed"),
    [
        ("received", "assign", False),
        ("assigned", "start", True),
        ("in_progress", "extend", True),
        ("in_progress", "answer", True),
        ("answered", "visit", False),
        ("visited", "close", False),
        ("answered", "reopen", False),
    ],
)
def test_what_a_department_may_do(
    ticket_client: TestClient, ticket_clock: TicketClock, state: str, action: str, allowed: bool
) -> None:
    ticket = ticket_in(ticket_client, "assigned" if state == "received" else state)
    response = post(ticket_client, ticket["number"], action, "economy_information", **PAYLOADS[action])
    if allowed:
        assert response.status_code == 200
        assert history(ticket_client, ticket["number"])[-1]["actor"] == "department:economy_information"
    else:
        assert response.status_code == 403
        assert response.json()["detail"].startswith(f"承办部门无权{ACTION_LABELS[action]}")


def test_unknown_ticket_and_bad_bodies(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    missing = post(ticket_client, "QY209901010001", "start")
    assert missing.status_code == 404 and "QY209901010001" in missing.json()["detail"]
    ticket = ticket_in(ticket_client, "answered")
    assert post(ticket_client, ticket["number"], "fly").status_code == 422
    assert post(ticket_client, ticket["number"], "visit", satisfaction="还行").status_code == 422
    no_satisfaction = post(ticket_client, ticket["number"], "visit")
    assert no_satisfaction.status_code == 422 and "满意度" in no_satisfaction.json()["detail"]


# ---------------------------------------------------------------- 转办 and 改派


def test_assign_to_another_department_hands_the_ticket_over(
    ticket_client: TestClient, ticket_clock: TicketClock
) -> None:
    ticket = ticket_in(ticket_client, "assigned")
    number = ticket["number"]
    assert ticket_client.get(f"/api/tickets/{number}", headers=ticket_headers("economy_information")).status_code == 200
    same = post(ticket_client, number, "assign", department_id="economy_information")
    assert same.status_code == 409 and "改派请指定另一个部门" in same.json()["detail"]
    unknown = post(ticket_client, number, "assign", department_id="ministry_of_magic")
    assert unknown.status_code == 422 and "ministry_of_magic" in unknown.json()["detail"]
    moved = act(ticket_client, number, "assign", department_id="service_center", note="属综合协调事项")
    assert moved["department"] == {"id": "service_center", "name": "重庆市黔江区行政服务中心"}
    assert ticket_client.get(f"/api/tickets/{number}", headers=ticket_headers("economy_information")).status_code == 404
    assert ticket_client.get(f"/api/tickets/{number}", headers=ticket_headers("service_center")).status_code == 200
    assert history(ticket_client, number)[-1]["department_id"] == "service_center"


def test_assign_can_reclassify_and_recounts_the_deadline(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    ticket = ticket_in(ticket_client, "received")
    assert ticket["deadline"] == "2026-12-07"
    ticket_clock.now += timedelta(days=1)
    simple = act(ticket_client, ticket["number"], "assign", complexity="simple")
    assert simple["complexity"] == "simple"
    assert simple["deadline"] == "2026-11-24"  # from the day of receipt, not from the day of assignment


# ---------------------------------------------------------------- 延期


def test_extension_needs_a_reason_and_a_later_deadline(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    ticket = ticket_in(ticket_client, "in_progress")
    number = ticket["number"]
    no_reason = post(ticket_client, number, "extend", working_days=5)
    assert no_reason.status_code == 422 and "延期须说明原因" in no_reason.json()["detail"]
    blank = post(ticket_client, number, "extend", reason="   ", working_days=5)
    assert blank.status_code == 422
    no_deadline = post(ticket_client, number, "extend", reason="等待上级批复")
    assert no_deadline.status_code == 422 and "新的办结期限" in no_deadline.json()["detail"]
    earlier = post(ticket_client, number, "extend", reason="等待上级批复", new_deadline="2026-12-01")
    assert earlier.status_code == 422 and "不能早于 2026-12-08" in earlier.json()["detail"]
    both = post(ticket_client, number, "extend", reason="等待上级批复", new_deadline="2026-12-20", working_days=3)
    assert both.status_code == 422
    too_long = post(ticket_client, number, "extend", reason="等待上级批复", working_days=31)
    assert too_long.status_code == 422
    assert history(ticket_client, number)[-1]["action"] == "start"  # nothing recorded


def test_extension_by_working_days_and_by_date(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    ticket = ticket_in(ticket_client, "in_progress")  # deadline 2026-12-07
    number = ticket["number"]
    first = act(ticket_client, number, "extend", "economy_information", reason="需现场勘查", working_days=5)
    assert (first["state"], first["state_label"], first["deadline"]) == ("extended", "已延期", "2026-12-14")
    assert first["extension_count"] == 1 and first["extension_reason"] == "需现场勘查"
    second = act(ticket_client, number, "extend", reason="等待供电公司排期", new_deadline="2026-12-31")
    assert second["deadline"] == "2026-12-31" and second["extension_count"] == 2
    event = history(ticket_client, number)[-1]
    assert (event["from_state"], event["to_state"], event["reason"], event["deadline"]) == (
        "extended",
        "extended",
        "等待供电公司排期",
        "2026-12-31",
    )
    # 延期须告知原因: the enterprise sees it in the public status.
    status = ticket_client.get(f"/api/tickets/{number}/status", params={"phone_last4": "1234"}).json()
    assert status["state_label"] == "已延期" and status["extension_reason"] == "等待供电公司排期"
    answered = act(ticket_client, number, "answer", note="已完成")
    assert answered["state"] == "answered" and answered["working_days_left"] is None


def test_extending_an_overdue_ticket_counts_from_today(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    ticket = ticket_in(ticket_client, "assigned", complexity="simple")  # deadline Tue 2026-11-24
    ticket_clock.set_day(date(2026, 11, 26))
    overdue = ticket_client.get(f"/api/tickets/{ticket['number']}", headers=ticket_headers("agent")).json()
    assert overdue["overdue"] is True
    extended = act(ticket_client, ticket["number"], "extend", reason="企业补充材料", working_days=1)
    assert extended["deadline"] == "2026-11-27" and extended["overdue"] is False


# ---------------------------------------------------------------- 回访, reopening and 销号


@pytest.mark.parametrize("satisfaction", ["不满意", "非常不满意"])
def test_an_unsatisfied_visit_reopens_the_ticket(
    ticket_client: TestClient, ticket_clock: TicketClock, satisfaction: str
) -> None:
    ticket = ticket_in(ticket_client, "answered")
    number = ticket["number"]
    ticket_clock.set_day(date(2026, 12, 1))
    reopened = act(ticket_client, number, "visit", satisfaction=satisfaction, note="企业称仍未通电")
    assert reopened["state"] == "in_progress"
    assert reopened["satisfaction"] == satisfaction and reopened["reopen_count"] == 1
    assert reopened["deadline"] == "2026-12-15"  # a fresh 10 working days from Tue Dec 1
    visit, reopen = history(ticket_client, number)[-2:]
    assert (visit["action"], visit["from_state"], visit["to_state"], visit["satisfaction"]) == (
        "visit",
        "answered",
        "visited",
        satisfaction,
    )
    assert (reopen["action"], reopen["from_state"], reopen["to_state"]) == ("reopen", "visited", "in_progress")
    assert satisfaction in reopen["reason"] and reopen["deadline"] == "2026-12-15"
    refused = post(ticket_client, number, "close")
    assert refused.status_code == 409 and "办理中" in refused.json()["detail"]
    act(ticket_client, number, "answer", note="已再次协调，今日通电")
    act(ticket_client, number, "visit", satisfaction="基本满意")
    closed = act(ticket_client, number, "close")
    assert closed["state"] == "closed" and closed["satisfaction"] == "基本满意"


def test_an_unsatisfied_visit_may_set_the_new_time_limit(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    ticket = ticket_in(ticket_client, "answered")
    reopened = act(ticket_client, ticket["number"], "visit", satisfaction="不满意", working_days=3)
    assert reopened["deadline"] == "2026-11-26"


@pytest.mark.parametrize("satisfaction", ["非常满意", "满意", "基本满意"])
def test_a_satisfied_visit_allows_closing(
    ticket_client: TestClient, ticket_clock: TicketClock, satisfaction: str
) -> None:
    ticket = ticket_in(ticket_client, "answered")
    visited = act(ticket_client, ticket["number"], "visit", satisfaction=satisfaction)
    assert visited["state"] == "visited" and visited["allowed_actions"] == ["close", "reopen"]
    assert act(ticket_client, ticket["number"], "close")["state"] == "closed"


def test_closing_needs_a_satisfied_visit(
    ticket_client: TestClient, ticket_settings: Settings, ticket_clock: TicketClock
) -> None:
    """Even a ticket left in 已回访 with 不满意 (e.g. by an older version) cannot be closed."""
    ticket = ticket_in(ticket_client, "visited")
    session = session_factory(ticket_settings.database_url)()
    try:
        session.execute(update(Ticket).where(Ticket.number == ticket["number"]).values(satisfaction="不满意"))
        session.commit()
    finally:
        session.close()
    refused = post(ticket_client, ticket["number"], "close")
    assert refused.status_code == 409
    assert "须达到“基本满意”及以上才能销号" in refused.json()["detail"]


def test_reopening_needs_a_reason(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    ticket = ticket_in(ticket_client, "answered")
    missing = post(ticket_client, ticket["number"], "reopen")
    assert missing.status_code == 422 and "重新办理须说明原因" in missing.json()["detail"]
    reopened = act(ticket_client, ticket["number"], "reopen", reason="反馈内容未回应企业诉求")
    assert reopened["state"] == "in_progress" and reopened["reopen_count"] == 1
    assert reopened["deadline"] == "2026-12-07"


# ---------------------------------------------------------------- overdue and due-soon queues


def _numbers(client: TestClient, who: str, **params: object) -> list[str]:
    response = client.get("/api/tickets", headers=ticket_headers(who), params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return [t["number"] for t in response.json()["items"]]


def test_overdue_and_due_soon(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    # January 2026 belongs to this test alone: no other test files tickets then.
    ticket_clock.set_day(date(2026, 1, 5))  # Monday
    late = ticket_in(ticket_client, "assigned", complexity="simple")  # deadline Tue Jan 6
    done = ticket_in(ticket_client, "answered", complexity="simple")  # answered in time
    later = ticket_in(ticket_client, "in_progress", category="融资")  # general, 10 days: Jan 19
    other = ticket_in(ticket_client, "in_progress", complexity="simple", category="用工")  # human_resources
    assert (late["deadline"], later["deadline"]) == ("2026-01-06", "2026-01-19")

    ticket_clock.set_day(date(2026, 1, 6))  # the deadline day itself is not overdue
    assert late["number"] not in _numbers(ticket_client, "agent", overdue="true")

    ticket_clock.set_day(date(2026, 1, 8))
    overdue = _numbers(ticket_client, "agent", overdue="true")
    assert late["number"] in overdue and other["number"] in overdue
    assert done["number"] not in overdue and later["number"] not in overdue
    listed = ticket_client.get(
        "/api/tickets", headers=ticket_headers("agent"), params={"overdue": "true", "limit": 200}
    ).json()
    assert all(t["overdue"] for t in listed["items"])

    left = ticket_client.get(f"/api/tickets/{later['number']}", headers=ticket_headers("agent")).json()
    assert left["working_days_left"] == 7  # Jan 9, 12, 13, 14, 15, 16, 19
    assert later["number"] in _numbers(ticket_client, "agent", due_within_days=7)
    assert later["number"] not in _numbers(ticket_client, "agent", due_within_days=6)
    assert late["number"] not in _numbers(ticket_client, "agent", due_within_days=7)  # already overdue

    # A department's queue: its own tickets only.
    mine = _numbers(ticket_client, "economy_information", overdue="true")
    assert late["number"] in mine and other["number"] not in mine
    assert other["number"] in _numbers(ticket_client, "human_resources", overdue="true")
    assert set(_numbers(ticket_client, "economy_information", state="answered")) >= {done["number"]}

    # Combined filters and validation.
    assert _numbers(ticket_client, "agent", overdue="true", category="融资") == []
    assert later["number"] in _numbers(ticket_client, "agent", state="in_progress,extended", category="融资")
    bad_state = ticket_client.get("/api/tickets", headers=ticket_headers("agent"), params={"state": "lost"})
    assert bad_state.status_code == 422 and "没有“lost”这个状态" in bad_state.json()["detail"]
    bad_days = ticket_client.get("/api/tickets", headers=ticket_headers("agent"), params={"due_within_days": 99})
    assert bad_days.status_code == 422
