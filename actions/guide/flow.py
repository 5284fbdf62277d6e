"""Steps of the guided-service flow shared by its actions: pick a bundle, apply a reply.

All knowledge comes from the backend (bundle search, question tree, checklist);
nothing here knows a particular bundle.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clients.backend import get_client
from actions.common import render

COMPLETE = "complete"
BUNDLE_ID = re.compile(r"[a-z][a-z0-9_]*")


def guide_slots(tracker: Tracker) -> Dict[str, Any]:
    question = tracker.get_slot("guide_question") or None
    return {
        "bundle": tracker.get_slot("guide_bundle"),
        "answers": dict(tracker.get_slot("guide_answers") or {}),
        "pending": question.get("id") if isinstance(question, dict) else None,
    }


def reset() -> Dict[str, Any]:
    """Slot values of a conversation with no guide under way."""
    return {
        "guide_status": "none",
        "guide_bundle": None,
        "guide_reply": None,
        "guide_answers": None,
        "guide_question": None,
        "guide_candidates": None,
        "guide_failures": 0.0,
    }


def candidate_list(search: Dict[str, Any]) -> List[Dict[str, str]]:
    return [{"id": c["bundle"]["id"], "short_name": c["bundle"]["short_name"]} for c in search["candidates"]]


def tell_changes(dispatcher: CollectingDispatcher, step: Dict[str, Any], pending: Optional[str]) -> None:
    """Confirm what was understood, unless it was just the answer to the question asked."""
    changes = step["changes"]
    if changes and not (len(changes) == 1 and changes[0]["question_id"] == pending):
        dispatcher.utter_message(response="utter_guide_updated", changes=render.changes(changes))


def step_slots(step: Dict[str, Any]) -> Dict[str, Any]:
    """Slots after a backend step: the answers, and the next question or completion."""
    return {
        "guide_answers": step["answers"],
        "guide_question": step["next_question"],
        "guide_reply": COMPLETE if step["complete"] else None,
        "guide_failures": 0.0,
    }


async def pick_bundle(
    dispatcher: CollectingDispatcher, bundle_id: str, text: str, answers: Optional[Dict[str, Any]] = None
) -> Dict[str, Any]:
    """Start ``bundle_id``: announce it and take every answer the message already gives."""
    step = await get_client().advance(bundle_id, answers or {}, text, None)
    dispatcher.utter_message(response="utter_guide_bundle_picked", bundle_name=step["bundle"]["name"])
    tell_changes(dispatcher, step, None)
    return {
        "guide_status": "active",
        "guide_bundle": bundle_id,
        "guide_industry": step["bundle"].get("industry"),
        "guide_candidates": None,
        **step_slots(step),
    }
