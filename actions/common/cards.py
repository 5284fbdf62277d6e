"""Cards: the structured form of a finished answer, for channels that can draw it (the web widget).

Each helper is pure and returns the ``json_message`` of one ``dispatcher.utter_message`` call,
sent right after the text answer (which stays complete on its own for text channels):

    {"data": {"card": {"type": "checklist" | "policy" | "ticket", "version": 1, ...}}}

The ``data`` wrapper keeps Rasa's socket.io channel working (it emits ``json_message`` as
keyword arguments of ``emit``, where ``data`` is the payload); REST returns it as ``custom``.
Cards carry data only, no sentences: each channel words and lays them out itself.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

VERSION = 1


def _wrap(card: Dict[str, Any]) -> Dict[str, Any]:
    return {"data": {"card": {**card, "version": VERSION}}}


def checklist_card(data: Dict[str, Any]) -> Dict[str, Any]:
    """From the backend's checklist body (POST /api/guide/checklist)."""
    bundle = data["bundle"]
    return _wrap(
        {
            "type": "checklist",
            "bundle_id": bundle["id"],
            "bundle_name": bundle["name"],
            "situation": [str(s["answer"]) for s in data.get("situation", [])],
            "matter_count": len(data["matters"]),
            "material_count": int(data["material_count"]),
            "matters": [m["name"] for m in data["matters"]],
            "url": data["url"],
        }
    )


def _date(value: Optional[str]) -> Optional[str]:
    return str(value)[:10] if value else None


def policy_card(guide: Dict[str, Any]) -> Dict[str, Any]:
    """From the backend's 申报指南 (GET /api/policies/{id})."""
    deadline = guide.get("deadline") or {}
    return _wrap(
        {
            "type": "policy",
            "policy_id": guide["id"],
            "name": guide["name"],
            "document_number": guide.get("document_number") or None,
            "issuer": guide.get("issuer") or None,
            "validity": guide["validity"],
            "effective_from": _date(guide.get("effective_from")),
            "effective_to": _date(guide.get("effective_to")),
            "application_status": deadline.get("status"),
            "application_period": deadline.get("text") or guide.get("application_period"),
            "no_application": bool(guide.get("no_application")),
            "url": guide["guide_url"],
        }
    )


def ticket_card(ticket: Dict[str, Any]) -> Dict[str, Any]:
    """From the backend's ticket (POST /api/tickets) or the outbox's summary of it (names already flat)."""

    def name(value: Any) -> str:
        return str(value["name"]) if isinstance(value, dict) else str(value)

    return _wrap(
        {
            "type": "ticket",
            "number": ticket["number"],
            "category": name(ticket["category"]),
            "department": name(ticket["department"]),
            "deadline": _date(str(ticket["deadline"])),
            "working_days": ticket.get("time_limit_working_days") or ticket.get("working_days") or None,
            "state_label": ticket.get("state_label"),
        }
    )
