"""Actions of the guided-service flow (办事链): start, ask, checklist, correct, reset."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.backend import BackendError, BackendUnavailable, NotFound, get_client
from actions.common import choices, render, replies
from actions.common.cards import checklist_card
from actions.common.forms import BaseFormValidator, latest_text, service_center_block
from actions.guide import flow
from actions.guide.start import slots, start


def _unavailable(dispatcher: CollectingDispatcher) -> List[EventType]:
    dispatcher.utter_message(response="utter_service_unavailable")
    return slots(flow.reset())


class ActionGuideStart(Action):
    """ask_guide: (re)start the guide from what the user just said."""

    def name(self) -> str:
        return "action_guide_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        try:
            return await start(dispatcher, tracker, latest_text(tracker))
        except (BackendUnavailable, BackendError):
            return _unavailable(dispatcher)


class ValidateGuideForm(BaseFormValidator):
    """Turns replies into a bundle choice and answers of its question tree (in the backend)."""

    def name(self) -> str:
        return "validate_guide_form"

    async def validate_guide_bundle(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        text = str(slot_value or "")
        candidates = tracker.get_slot("guide_candidates") or []
        options = [(c["short_name"], f"bundle:{c['id']}") for c in candidates]
        try:
            choice = choices.pick(tracker, text, options) or choices.chosen(tracker, text)
            if choice == "bundle:none" or (len(candidates) == 1 and replies.classify(text) == "no"):
                return {"guide_bundle": None, "guide_candidates": None, "guide_failures": 0.0}  # → every bundle
            if len(candidates) == 1 and replies.classify(text) == "yes":
                choice = options[0][1]
            if choice and choice.startswith("bundle:"):
                return await flow.pick_bundle(dispatcher, choice.split(":", 1)[1], "")
            if flow.BUNDLE_ID.fullmatch(text) and text == tracker.get_slot("guide_bundle"):
                try:  # pre-filled by action_guide_start and re-validated when the form activates
                    await get_client().bundle(text)
                    return {"guide_bundle": text}
                except NotFound:
                    pass
            search = await get_client().search_bundles(text)
            if search["status"] == "matched":
                return await flow.pick_bundle(dispatcher, search["candidates"][0]["bundle"]["id"], text)
            if search["status"] == "ambiguous":
                return {"guide_bundle": None, "guide_candidates": flow.candidate_list(search)[:4]}
            if search["status"] == "unknown":
                contact = await service_center_block()
                failed = await self.failed(
                    dispatcher, tracker, "utter_guide_unknown_business", topic=search["topic"], contact=contact
                )
                return {"guide_bundle": None, **failed}
            return {"guide_bundle": None, **await self.failed(dispatcher, tracker, "utter_guide_not_understood")}
        except (BackendUnavailable, BackendError):
            dispatcher.utter_message(response="utter_service_unavailable")
            return {"guide_bundle": None}

    async def validate_guide_reply(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        state = flow.guide_slots(tracker)
        if not state["bundle"]:
            return {"guide_reply": None}
        text = str(slot_value or "")
        choice = choices.chosen(tracker, text)
        picked = choices.parse_value_token(choice, "guide") if choice else None
        try:
            if choice and choice.startswith("bundle:"):
                return await flow.pick_bundle(dispatcher, choice.split(":", 1)[1], "")
            step = await get_client().advance(
                state["bundle"], state["answers"], "" if picked else text, state["pending"], picked
            )
            if not step["understood"]:
                # Not an answer: maybe the user moved on to another business ("那开民宿呢").
                search = await get_client().search_bundles(text)
                other = search["candidates"][0]["bundle"]["id"] if search["status"] == "matched" else None
                if other and other != state["bundle"]:
                    return await flow.pick_bundle(dispatcher, other, text)
                return {"guide_reply": None, **await self.failed(dispatcher, tracker, "utter_guide_not_understood")}
        except (BackendUnavailable, BackendError):
            dispatcher.utter_message(response="utter_service_unavailable")
            return {"guide_reply": None}
        flow.tell_changes(dispatcher, step, state["pending"])
        return flow.step_slots(step)


class ActionAskGuideBundle(Action):
    """Asks which bundle: one candidate is confirmed in a sentence, several (at most 4) offered, else all."""

    def name(self) -> str:
        return "action_ask_guide_bundle"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        candidates = tracker.get_slot("guide_candidates") or []
        if len(candidates) == 1:
            only = candidates[0]
            dispatcher.utter_message(
                response="utter_guide_confirm_bundle",
                bundle_name=only["short_name"],
                buttons=choices.buttons([("是", f"bundle:{only['id']}"), ("不是", "bundle:none")]),
            )
            return []
        if candidates:
            options = [(c["short_name"], f"bundle:{c['id']}") for c in candidates]
            dispatcher.utter_message(
                response="utter_guide_choose_bundle",
                options=render.numbered([t for t, _ in options]),
                buttons=choices.buttons(options),
            )
            return []
        try:
            bundles = await get_client().bundles()
        except (BackendUnavailable, BackendError):
            return _unavailable(dispatcher)
        everything = [{"id": b["id"], "short_name": b["short_name"]} for b in bundles]
        options = [(b["short_name"], f"bundle:{b['id']}") for b in everything]
        dispatcher.utter_message(
            response="utter_guide_which_business",
            options=render.numbered([t for t, _ in options]),
            buttons=choices.buttons(options),
        )
        return [SlotSet("guide_candidates", everything)]


class ActionAskGuideReply(Action):
    """Asks the pending question of the bundle's tree, with its options as buttons."""

    def name(self) -> str:
        return "action_ask_guide_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        question = tracker.get_slot("guide_question")
        if not isinstance(question, dict):
            state = flow.guide_slots(tracker)
            try:
                step = await get_client().advance(state["bundle"], state["answers"], "", None)
            except (BackendUnavailable, BackendError):
                return _unavailable(dispatcher)
            question = step["next_question"]
            if question is None:
                return [SlotSet("guide_reply", flow.COMPLETE)]
        variables, buttons = render.question(question)
        dispatcher.utter_message(response="utter_guide_question", buttons=buttons, **variables)
        return [SlotSet("guide_question", question)]


async def _show_checklist(dispatcher: CollectingDispatcher, bundle_id: str, answers: Dict[str, Any]) -> None:
    data = await get_client().checklist(bundle_id, answers)
    dispatcher.utter_message(response="utter_guide_checklist", **render.checklist(data))
    dispatcher.utter_message(json_message=checklist_card(data))


class ActionGuideChecklist(Action):
    """After the last answer: the personalized materials list and the printable checklist link."""

    def name(self) -> str:
        return "action_guide_checklist"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        state = flow.guide_slots(tracker)
        if not state["bundle"]:
            return slots(flow.reset())
        try:
            await _show_checklist(dispatcher, state["bundle"], state["answers"])
        except (BackendUnavailable, BackendError):
            return _unavailable(dispatcher)
        return [SlotSet("guide_status", "complete"), SlotSet("guide_question", None)]


class ActionGuideCorrect(Action):
    """A correction or extra detail outside the form ("不对，是有售酒的", "开民宿"), or a clicked offer."""

    def name(self) -> str:
        return "action_guide_correct"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = latest_text(tracker)
        state = flow.guide_slots(tracker)
        intent = (tracker.latest_message or {}).get("intent", {}).get("name")
        try:
            if tracker.get_slot("guide_status") == "complete" and state["bundle"] and not choices.chosen(tracker):
                return await self._correct(dispatcher, tracker, state, text)
            if intent == "correct":
                dispatcher.utter_message(response="utter_guide_nothing_to_correct")
                return slots(flow.reset())
            return await start(dispatcher, tracker, text)
        except (BackendUnavailable, BackendError):
            return _unavailable(dispatcher)

    async def _correct(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, state: Dict[str, Any], text: str
    ) -> List[EventType]:
        step = await get_client().advance(state["bundle"], state["answers"], text, None)
        if not step["changes"]:
            search = await get_client().search_bundles(text)
            other = search["candidates"][0]["bundle"]["id"] if search["status"] == "matched" else None
            if other and other != state["bundle"]:
                return await start(dispatcher, tracker, text)
            data = await get_client().checklist(state["bundle"], state["answers"])
            situation = "；".join(s["answer"] for s in data["situation"]) or "通用情形"
            dispatcher.utter_message(
                response="utter_guide_no_change", bundle_name=data["bundle"]["name"], situation=situation
            )
            return [SlotSet("guide_status", "complete")]
        flow.tell_changes(dispatcher, step, None)
        if step["complete"]:
            await _show_checklist(dispatcher, state["bundle"], step["answers"])
            return slots({"guide_status": "complete", **flow.step_slots(step)})
        return slots({"guide_status": "active", **flow.step_slots(step)})


class ActionGuideReset(Action):
    """stop (or "不用了" to an offer): end the guide and forget its answers."""

    def name(self) -> str:
        return "action_guide_reset"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        was_active = tracker.get_slot("guide_status") == "active" or tracker.get_slot("guide_bundle")
        dispatcher.utter_message(response="utter_guide_stopped" if was_active else "utter_anything_else")
        return slots(flow.reset())


__all__ = [
    "ActionAskGuideBundle",
    "ActionAskGuideReply",
    "ActionGuideChecklist",
    "ActionGuideCorrect",
    "ActionGuideReset",
    "ActionGuideStart",
    "ValidateGuideForm",
]
