"""Appeal actions against the real backend: exact events and responses, outbox delivery."""

from __future__ import annotations

import json
import urllib.request
from typing import Any, Dict, List

from rasa_sdk.executor import CollectingDispatcher

from actions.appeal import delivery
from actions.appeal.actions import (
    ActionAppealStart,
    ActionAskAppealCategory,
    ActionAskAppealConfirm,
    ActionSubmitAppeal,
    ValidateAppealForm,
)
from actions.appeal.lookup import ActionCheckTicket, ValidateTicketForm
from actions.appeal.store import open_store
from actions.clients.backend import BackendClient
from tests.conftest import make_tracker
from tests.stack import AGENT_TOKEN, SERVICE_TOKEN


def slots(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(dispatcher: CollectingDispatcher) -> List[str]:
    return [m["response"] for m in dispatcher.messages]


FILLED = {
    "appeal_key": "k-0001",
    "appeal_description": "我们公司的施工许可申请交了一个月没人理",
    "appeal_category": "approval_service",
    "enterprise_name": "黔江某某建设有限公司",
    "contact_name": "王芳",
    "phone_number": "13800138000",
    "credit_code": "none",
    "appeal_confirm": "yes",
}


def _tickets(backend: str) -> List[Dict[str, Any]]:
    request = urllib.request.Request(f"{backend}/api/tickets", headers={"Authorization": f"Bearer {AGENT_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["items"]


async def test_opening_sentence_with_substance_becomes_the_description(domain: Dict) -> None:
    tracker = make_tracker("我要反映问题：我们厂用电报装两个月了还没办下来", intent="file_appeal")
    values = slots(await ActionAppealStart().run(CollectingDispatcher(), tracker, domain))
    assert values["appeal_description"] == "我要反映问题：我们厂用电报装两个月了还没办下来"
    assert len(values["appeal_key"]) == 32


async def test_bare_opening_asks_for_the_description(domain: Dict) -> None:
    values = slots(
        await ActionAppealStart().run(CollectingDispatcher(), make_tracker("我要投诉", intent="file_appeal"), domain)
    )
    assert values["appeal_description"] is None


async def test_description_gets_a_category_to_confirm(backend: str, domain: Dict) -> None:
    text = "我们厂用电报装两个月了还没办下来"
    tracker = make_tracker(text, active_loop="appeal_form", validating={"appeal_description": text})
    values = slots(await ValidateAppealForm().run(CollectingDispatcher(), tracker, domain))
    assert values["appeal_description"] == text
    suggestion = values["appeal_category_suggestion"]
    assert "要素保障" in suggestion["name"]
    ask = CollectingDispatcher()
    await ActionAskAppealCategory().run(ask, make_tracker(text, slots=values), domain)
    assert responses(ask) == ["utter_appeal_confirm_category"]
    assert ask.messages[0]["category"] == suggestion["name"]


async def test_too_short_description_is_explained(backend: str, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("不行", active_loop="appeal_form", validating={"appeal_description": "不行"})
    values = slots(await ValidateAppealForm().run(dispatcher, tracker, domain))
    assert values["appeal_description"] is None
    assert responses(dispatcher) == ["utter_appeal_too_short"]


async def test_category_confirmed_or_chosen_by_number(backend: str, domain: Dict) -> None:
    suggestion = {"id": "factor_guarantee", "name": "水电气网等要素保障", "department": "区行政服务中心"}
    categories = [
        {"id": "approval_service", "name": "审批服务"},
        {"id": "factor_guarantee", "name": "水电气网等要素保障"},
    ]
    yes = make_tracker(
        "对",
        slots={"appeal_category_suggestion": suggestion},
        active_loop="appeal_form",
        validating={"appeal_category": "对"},
    )
    assert (
        slots(await ValidateAppealForm().run(CollectingDispatcher(), yes, domain))["appeal_category"]
        == "factor_guarantee"
    )
    no = make_tracker(
        "不对",
        slots={"appeal_category_suggestion": suggestion, "appeal_categories": categories},
        active_loop="appeal_form",
        validating={"appeal_category": "不对"},
    )
    values = slots(await ValidateAppealForm().run(CollectingDispatcher(), no, domain))
    assert values["appeal_category"] is None and values["appeal_category_suggestion"] is None
    one = make_tracker(
        "1", slots={"appeal_categories": categories}, active_loop="appeal_form", validating={"appeal_category": "1"}
    )
    assert (
        slots(await ValidateAppealForm().run(CollectingDispatcher(), one, domain))["appeal_category"]
        == "approval_service"
    )


async def test_invalid_phone_is_reasked_with_an_explanation(domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("12345", active_loop="appeal_form", validating={"phone_number": "12345"})
    values = slots(await ValidateAppealForm().run(dispatcher, tracker, domain))
    assert values["phone_number"] is None and values["appeal_failures"] == 1.0
    assert responses(dispatcher) == ["utter_appeal_invalid_phone"]


async def test_credit_code_checked_or_skipped(domain: Dict) -> None:
    bad = make_tracker(
        "91350100M000100Y44", active_loop="appeal_form", validating={"credit_code": "91350100M000100Y44"}
    )
    dispatcher = CollectingDispatcher()
    assert slots(await ValidateAppealForm().run(dispatcher, bad, domain))["credit_code"] is None
    assert responses(dispatcher) == ["utter_appeal_invalid_credit_code"]
    skip = make_tracker("跳过", active_loop="appeal_form", validating={"credit_code": "跳过"})
    assert slots(await ValidateAppealForm().run(CollectingDispatcher(), skip, domain))["credit_code"] == "none"


async def test_summary_masks_the_phone_and_corrections_apply(domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskAppealConfirm().run(dispatcher, make_tracker("", slots=FILLED), domain)
    assert dispatcher.messages[0]["phone"] == "138****8000"
    text = "电话改为13900001111"
    tracker = make_tracker(text, slots=FILLED, active_loop="appeal_form", validating={"appeal_confirm": text})
    values = slots(await ValidateAppealForm().run(CollectingDispatcher(), tracker, domain))
    assert values["phone_number"] == "13900001111" and values["appeal_confirm"] is None


async def test_submit_files_one_ticket_and_tells_number_and_deadline(backend: str, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    state = {**FILLED, "appeal_key": "submit-once-0001"}
    events = await ActionSubmitAppeal().run(dispatcher, make_tracker("确认提交", slots=state), domain)
    message, card = dispatcher.messages
    assert message["response"] == "utter_appeal_filed"
    assert card["custom"]["data"]["card"]["number"] == message["number"]
    assert message["number"].startswith("QY") and message["department"]
    assert slots(events)["ticket_id"] == message["number"]
    assert slots(events)["appeal_description"] is None  # the form is cleared
    # Submitting again with the same key (a retried action) returns the same ticket.
    again = CollectingDispatcher()
    await ActionSubmitAppeal().run(again, make_tracker("确认提交", slots=state), domain)
    assert again.messages[0]["number"] == message["number"]
    assert [t["number"] for t in _tickets(backend)].count(message["number"]) == 1


async def test_backend_down_keeps_the_appeal_and_delivers_it_once_later(
    backend_down: None, backend_url: str, domain: Dict
) -> None:
    dispatcher = CollectingDispatcher()
    state = {**FILLED, "appeal_key": "outbox-later-0001"}
    await ActionSubmitAppeal().run(dispatcher, make_tracker("确认提交", slots=state), domain)
    assert responses(dispatcher) == ["utter_appeal_queued"]
    reference = delivery.reference_for("outbox-later-0001")
    assert dispatcher.messages[0]["reference"] == reference
    # Looked up with its 查询码 while still queued: "still waiting", not "not found".
    waiting = CollectingDispatcher()
    await ActionCheckTicket().run(
        waiting, make_tracker("8000", slots={"ticket_id": reference, "phone_last4": "8000"}), domain
    )
    assert responses(waiting) == ["utter_appeal_still_queued"] and waiting.messages[0]["reference"] == reference
    store = open_store()
    [pending] = store.for_sender("test-user")
    assert pending.idempotency_key == "outbox-later-0001" and pending.pending
    assert pending.payload["mobile"] == "13800138000"
    # Its next try is after a backoff; make it due, as time passing would.
    store.failed("outbox-later-0001", "test", delivery.utcnow())
    client = BackendClient(backend_url, service_token=SERVICE_TOKEN)
    try:
        assert await delivery.flush(client, store) == 1
        assert await delivery.flush(client, store) == 0  # exactly once
    finally:
        await client.close()
    delivered = store.get("outbox-later-0001")
    assert delivered is not None and delivered.payload == {}  # personal data blanked once delivered
    assert delivered is not None and delivered.ticket_number and delivered.ticket_number.startswith("QY")
    assert [t["number"] for t in _tickets(backend_url)].count(delivered.ticket_number) == 1
    # The user asks without a number: the conversation knows it now.
    ask = CollectingDispatcher()
    tracker = make_tracker("我忘了工单号", active_loop="ticket_form", validating={"ticket_id": "我忘了工单号"})
    values = slots(await ValidateTicketForm().run(ask, tracker, domain))
    assert values["ticket_id"] == delivered.ticket_number
    assert responses(ask) == ["utter_ticket_yours"]


async def test_status_lookup_needs_the_right_last4(backend: str, domain: Dict) -> None:
    filed = CollectingDispatcher()
    await ActionSubmitAppeal().run(
        filed, make_tracker("确认提交", slots={**FILLED, "appeal_key": "lookup-0001"}), domain
    )
    number = filed.messages[0]["number"]
    ok = CollectingDispatcher()
    await ActionCheckTicket().run(ok, make_tracker("8000", slots={"ticket_id": number, "phone_last4": "8000"}), domain)
    [message] = ok.messages
    assert message["response"] == "utter_ticket_status"
    assert message["state"] == "已受理" and number == message["number"]
    assert "已受理" in message["history"]
    wrong = CollectingDispatcher()
    await ActionCheckTicket().run(
        wrong, make_tracker("1111", slots={"ticket_id": number, "phone_last4": "1111"}), domain
    )
    assert responses(wrong) == ["utter_ticket_not_found"]


async def test_ticket_form_reads_number_and_last4(domain: Dict) -> None:
    tracker = make_tracker(
        "工单号qy202611220001", active_loop="ticket_form", validating={"ticket_id": "工单号qy202611220001"}
    )
    assert (
        slots(await ValidateTicketForm().run(CollectingDispatcher(), tracker, domain))["ticket_id"] == "QY202611220001"
    )
    tracker = make_tracker("13800138000", active_loop="ticket_form", validating={"phone_last4": "13800138000"})
    assert slots(await ValidateTicketForm().run(CollectingDispatcher(), tracker, domain))["phone_last4"] == "8000"
