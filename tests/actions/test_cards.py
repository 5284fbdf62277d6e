"""Cards built from the real backend's answers: what the web widget draws (actions/common/cards.py)."""

from __future__ import annotations

from typing import Any, Dict

from actions.clients.backend import get_client
from actions.common.cards import checklist_card, policy_card, ticket_card


def card(message: Dict[str, Any]) -> Dict[str, Any]:
    assert set(message) == {"data"}  # socket.io emits json_message as emit(**kwargs): only `data` is safe
    assert message["data"]["card"]["version"] == 1
    return message["data"]["card"]  # type: ignore[no-any-return]


async def test_checklist_card(backend: str) -> None:
    data = await get_client().checklist("catering", {"entity_type": "individual"})
    built = card(checklist_card(data))
    assert built["type"] == "checklist" and built["bundle_id"] == "catering"
    assert built["bundle_name"] == data["bundle"]["name"]
    assert built["matter_count"] == len(data["matters"]) == len(built["matters"]) and built["matter_count"] >= 2
    assert built["material_count"] == data["material_count"] > 0
    assert built["url"].startswith(backend + "/guide/checklist/catering")


async def test_policy_card_marks_no_application_and_dates(backend: str) -> None:
    guide = await get_client().policy("six_taxes_two_fees_half")
    built = card(policy_card(guide))
    assert built["type"] == "policy" and built["name"] == guide["name"]
    assert built["document_number"] == guide["document_number"]
    assert built["validity"] == guide["validity"]
    assert built["application_status"] == guide["deadline"]["status"]
    assert built["no_application"] is guide["no_application"]
    assert built["url"] == guide["guide_url"]
    for key in ("effective_from", "effective_to"):
        assert built[key] == (str(guide[key])[:10] if guide[key] else None)


def test_ticket_card() -> None:
    ticket = {
        "number": "QY202612010001",
        "category": {"id": "factor_guarantee", "name": "水电气网等要素保障"},
        "department": {"id": "economy_information", "name": "区经济信息委"},
        "deadline": "2026-12-15",
        "time_limit_working_days": 10,
        "state_label": "已受理",
    }
    assert card(ticket_card(ticket)) == {
        "type": "ticket",
        "version": 1,
        "number": "QY202612010001",
        "category": "水电气网等要素保障",
        "department": "区经济信息委",
        "deadline": "2026-12-15",
        "working_days": 10,
        "state_label": "已受理",
    }
