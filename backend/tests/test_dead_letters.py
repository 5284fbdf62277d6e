"""The dead-letter queue: a delivery the ticket API refuses is kept, explained in Chinese, fixed and filed."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from tests.conftest import TicketClock, ticket_body, ticket_headers


def _refused(client: TestClient, **overrides: object) -> tuple[str, dict[str, object]]:
    """Deliver like the outbox does; the ticket API refuses; hand it to the dead-letter queue."""
    key = f"appeal-{uuid.uuid4().hex}"
    payload = ticket_body(**overrides)
    refused = client.post("/api/tickets", json=payload, headers=ticket_headers("service", key))
    assert refused.status_code == 422
    letter = client.post(
        "/api/dead-letters",
        json={
            "idempotency_key": key,
            "reference": "CXB4N8R2TW",
            "payload": payload,
            "status_code": 422,
            "detail": refused.json(),
        },
        headers=ticket_headers("service"),
    )
    assert letter.status_code == 201, letter.text
    return key, letter.json()


def test_a_refused_appeal_is_kept_with_its_problems_in_chinese(
    ticket_client: TestClient, ticket_clock: TicketClock
) -> None:
    _, letter = _refused(ticket_client, credit_code="91AB0100M000100Y4T", contact_name="")
    assert letter["state"] == "open" and letter["state_label"] == "待处理"
    assert any("统一社会信用代码格式不正确" in p for p in letter["problems"])
    assert "联系人不能为空" in letter["problems"]
    # What the service gets back is masked; so is the agents' list.
    assert letter["payload"]["mobile"] == "138****1234"
    listed = ticket_client.get("/api/dead-letters", params={"state": "open"}, headers=ticket_headers("agent"))
    assert listed.status_code == 200
    item = next(i for i in listed.json()["items"] if i["id"] == letter["id"])
    assert item["payload"]["mobile"] == "138****1234" and "13912345678" not in str(item)
    # One letter, read by an agent, unmasked: they call the enterprise back.
    full = ticket_client.get(f"/api/dead-letters/{letter['id']}", headers=ticket_headers("agent")).json()
    assert full["payload"]["mobile"] == "13812341234"


def test_handing_over_twice_keeps_one_letter(ticket_client: TestClient, ticket_clock: TicketClock) -> None:
    key, letter = _refused(ticket_client, credit_code="91350100M000100Y44")
    again = ticket_client.post(
        "/api/dead-letters",
        json={"idempotency_key": key, "payload": ticket_body(credit_code="91350100M000100Y44"), "status_code": 422},
        headers=ticket_headers("service"),
    )
    assert again.status_code == 200 and again.json()["id"] == letter["id"]
    assert letter["problems"] == ["统一社会信用代码校验位不正确，请核对后重新输入"]


def test_an_agent_corrects_and_resubmits_and_the_user_finds_it(
    ticket_client: TestClient, ticket_clock: TicketClock
) -> None:
    key, letter = _refused(ticket_client, credit_code="91AB0100M000100Y4T")
    path = f"/api/dead-letters/{letter['id']}/resubmit"
    still = ticket_client.post(path, json={"corrections": {"mobile": "123"}}, headers=ticket_headers("agent"))
    assert still.status_code == 422
    problems = still.json()["detail"]["problems"]
    assert any("手机号码格式不正确" in p for p in problems) and any("统一社会信用代码" in p for p in problems)
    filed = ticket_client.post(path, json={"corrections": {"credit_code": None}}, headers=ticket_headers("agent"))
    assert filed.status_code == 200, filed.text
    number = filed.json()["number"]
    status = ticket_client.get("/api/tickets/CXB4N8R2TW/status", params={"phone_last4": "1234"})
    assert status.status_code == 200 and status.json()["number"] == number
    # The same key from the service now finds the filed ticket's key taken: nothing is filed twice.
    listed = ticket_client.get("/api/dead-letters", params={"state": "resubmitted"}, headers=ticket_headers("agent"))
    done = next(i for i in listed.json()["items"] if i["id"] == letter["id"])
    assert done["ticket_number"] == number and done["resubmitted_by"] == "agent:alice"
    twice = ticket_client.post(path, json={}, headers=ticket_headers("agent"))
    assert twice.status_code == 409 and number in twice.json()["detail"]
    assert key


def test_only_the_service_hands_over_and_only_agents_read(ticket_client: TestClient) -> None:
    body = {"idempotency_key": "k", "payload": {}, "status_code": 422}
    assert ticket_client.post("/api/dead-letters", json=body, headers=ticket_headers("agent")).status_code == 403
    assert ticket_client.get("/api/dead-letters", headers=ticket_headers("service")).status_code == 403
    department = ticket_client.get("/api/dead-letters", headers=ticket_headers("human_resources"))
    assert department.status_code == 403
    assert (
        ticket_client.get("/api/dead-letters", params={"state": "x"}, headers=ticket_headers("agent")).status_code
        == 422
    )
