"""Starting the guide from what the user said: one matter, a bundle, a named policy, or honestly nothing.

One backend call (``/api/guide/route``) decides; a clicked bundle button skips it.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.backend import BackendError, BackendUnavailable, get_client
from actions.common import choices, replies
from actions.common.forms import latest_text, service_center_block
from actions.guide import flow, matter
from actions.policy.actions import show_guide

MAX_CANDIDATES = 4


def slots(values: Dict[str, Any]) -> List[EventType]:
    return [SlotSet(name, value) for name, value in values.items()]


def bundle_token(tracker: Tracker, text: str) -> str | None:
    """The bundle id of a clicked bundle button, or of an accepted offer ("要" after "要一起列出来吗？")."""
    choice = choices.chosen(tracker, text)
    if choice and choice.startswith("bundle:") and choice != "bundle:none":
        return choice.split(":", 1)[1]
    offered = tracker.get_slot("guide_candidates") or []
    if tracker.get_slot("guide_status") == "offered" and len(offered) == 1 and replies.classify(text) == "yes":
        return str(offered[0]["id"])
    return None


async def start(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> List[EventType]:
    """Find what the user asks about and answer it, or start its bundle's question tree."""
    values = flow.reset()
    clicked = bundle_token(tracker, text)
    if clicked:
        values.update(await flow.pick_bundle(dispatcher, clicked, ""))
        return slots(values)
    found = await get_client().route(text)
    if found["kind"] == "matter" and found["matter"]:
        offered = matter.answer(dispatcher, found["matter"], found["attribute"])
        if offered:
            values.update(guide_status="offered", guide_candidates=[offered])
        return slots(values)
    if found["kind"] == "policy" and found["policy_ids"]:
        return [*slots(values), *await show_guide(dispatcher, found["policy_ids"][0], text)]
    search = found["bundles"]
    if search["status"] == "matched":
        values.update(await flow.pick_bundle(dispatcher, search["candidates"][0]["bundle"]["id"], text))
        return slots(values)
    if search["status"] in ("ambiguous", "empty"):
        candidates = flow.candidate_list(search)[:MAX_CANDIDATES]
        values.update(guide_status="active", guide_candidates=candidates or None)
        return slots(values)
    contact = await service_center_block()
    dispatcher.utter_message(response="utter_guide_unknown_business", topic=search["topic"], contact=contact)
    # guide_status "none" ends a running form through the rules (action_deactivate_loop).
    return slots(values)


class ActionAnswerFallback(Action):
    """nlu_fallback: a message that names one matter or one policy is still answered from the knowledge base."""

    def name(self) -> str:
        return "action_answer_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = latest_text(tracker)
        try:
            found = await get_client().route(text) if text.strip() else {"kind": "empty"}
        except (BackendUnavailable, BackendError):
            found = {"kind": "empty"}
        if found["kind"] in ("matter", "policy"):
            try:
                return await start(dispatcher, tracker, text)
            except (BackendUnavailable, BackendError):
                pass
        dispatcher.utter_message(response="utter_default")
        return []
