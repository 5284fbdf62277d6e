"""Actions of the appeal flow (诉求链): collect a structured appeal, file it, look it up.

The backend owns tickets (numbers, categories, routing, working-day deadlines);
these actions only collect, confirm and deliver, through the durable outbox.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Dict, List, Optional

from rapidfuzz import fuzz
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appeal import delivery
from actions.clients.backend import BackendError, BackendUnavailable, get_client
from actions.common import choices, render, replies, validators
from actions.common.cards import ticket_card
from actions.common.forms import BaseFormValidator, latest_text, service_center_block

APPEAL_SLOTS = (
    "appeal_description",
    "appeal_category",
    "appeal_category_suggestion",
    "appeal_categories",
    "enterprise_name",
    "contact_name",
    "phone_number",
    "credit_code",
    "appeal_confirm",
    "appeal_failures",
)
# What people say to open an appeal without saying what it is about.
OPENERS = re.compile(
    r"(我要|我想|想|要|帮我)?(投诉|举报|反映问题|反映一下|反映|提诉求|提个诉求|提意见|求助|诉求)(一下)?[，,。.!！]?"
)
NO_CREDIT_CODE = "none"
CHANNELS = {"wechat": "wechat", "hotline": "hotline", "agent": "hotline"}


def _slots(values: Dict[str, Any]) -> List[EventType]:
    return [SlotSet(name, value) for name, value in values.items()]


def reset_appeal() -> Dict[str, Any]:
    return {name: None for name in APPEAL_SLOTS} | {"appeal_failures": 0.0}


def _says_yes(text: str) -> bool:
    return replies.classify(text) == "yes"


def _suggestion_options(suggestion: Dict[str, str]) -> List[choices.Option]:
    return [("对", f"category:{suggestion['id']}"), ("不对，选其他类别", "category-list")]


def _category_options(categories: List[Dict[str, str]]) -> List[choices.Option]:
    return [(c["name"], f"category:{c['id']}") for c in categories]


def _category_from_reply(tracker: Tracker, text: str, categories: List[Dict[str, str]]) -> Optional[str]:
    """A category by its button, number or name; close names too ("要素保障" for 水电气网等要素保障)."""
    choice = choices.pick(tracker, text, _category_options(categories))
    if choice:
        return choice.split(":", 1)[1]
    plain = re.sub(r"[\s。.!！]", "", text)
    scored = sorted(((fuzz.partial_ratio(c["name"], plain), c["id"]) for c in categories), reverse=True)
    return scored[0][1] if scored and scored[0][0] >= 80 else None


class ActionAppealStart(Action):
    """file_appeal: start a new appeal; the opening sentence is the description when it says enough."""

    def name(self) -> str:
        return "action_appeal_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        values = reset_appeal()
        values["appeal_key"] = uuid.uuid4().hex
        text = latest_text(tracker)
        remainder = OPENERS.sub("", text)
        if validators.description(remainder):
            values["appeal_description"] = validators.description(text)
        return _slots(values)


class ValidateAppealForm(BaseFormValidator):
    failures_slot = "appeal_failures"

    def name(self) -> str:
        return "validate_appeal_form"

    async def validate_appeal_description(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        description = validators.description(str(slot_value or ""))
        if description is None:
            return {"appeal_description": None, **await self.failed(dispatcher, tracker, "utter_appeal_too_short")}
        values: Dict[str, Any] = {"appeal_description": description, "appeal_failures": 0.0}
        try:
            classified = await get_client().classify_appeal(description)
            values["appeal_category_suggestion"] = {
                "id": classified["category"]["id"],
                "name": classified["category"]["name"],
                "department": classified["category"]["department"]["name"],
            }
            search = await get_client().search_bundles(description)
        except (BackendUnavailable, BackendError):
            return values  # categories are offered as a list when asked; the appeal is not held up
        if search["status"] == "matched" and re.search(r"(怎么|如何|哪些|什么|要不要|吗|？|\?)", description):
            # It may be a question the knowledge base answers: say so; the appeal is filed only on confirmation.
            bundle = search["candidates"][0]["bundle"]
            dispatcher.utter_message(response="utter_appeal_kb_offer", bundle_name=bundle["name"])
        return values

    async def validate_appeal_category(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        text = str(slot_value or "")
        suggestion = tracker.get_slot("appeal_category_suggestion")
        categories = tracker.get_slot("appeal_categories") or []
        offered = _suggestion_options(suggestion) if suggestion else _category_options(categories)
        choice = choices.pick(tracker, text, offered) or choices.chosen(tracker, text)
        if choice == "category-list":
            return {"appeal_category": None, "appeal_category_suggestion": None}  # → the full list
        if choice and choice.startswith("category:"):
            category = choice.split(":", 1)[1]
            known = {c["id"] for c in categories} | ({suggestion["id"]} if suggestion else set())
            if category in known:
                return {"appeal_category": category, "appeal_failures": 0.0}
        if suggestion and _says_yes(text):
            return {"appeal_category": suggestion["id"], "appeal_failures": 0.0}
        picked = _category_from_reply(tracker, text, categories)
        if picked:
            return {"appeal_category": picked, "appeal_failures": 0.0}
        if categories and not suggestion:
            return {"appeal_category": None, **await self.failed(dispatcher, tracker, "utter_appeal_pick_category")}
        # "不对" or anything else: show the full list next time.
        return {"appeal_category": None, "appeal_category_suggestion": None}

    async def validate_enterprise_name(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        name = validators.enterprise_name(str(slot_value or ""))
        if name is None:
            return {
                "enterprise_name": None,
                **await self.failed(dispatcher, tracker, "utter_appeal_invalid_enterprise"),
            }
        return {"enterprise_name": name, "appeal_failures": 0.0}

    async def validate_contact_name(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        name = validators.person_name(str(slot_value or ""))
        if name is None:
            return {"contact_name": None, **await self.failed(dispatcher, tracker, "utter_appeal_invalid_name")}
        return {"contact_name": name, "appeal_failures": 0.0}

    async def validate_phone_number(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        number = validators.mobile(str(slot_value or ""))
        if number is None:
            return {"phone_number": None, **await self.failed(dispatcher, tracker, "utter_appeal_invalid_phone")}
        return {"phone_number": number, "appeal_failures": 0.0}

    async def validate_credit_code(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        text = str(slot_value or "")
        if validators.says_skip(text):
            return {"credit_code": NO_CREDIT_CODE, "appeal_failures": 0.0}
        code = validators.uscc(text)
        if code is None:
            failed = await self.failed(dispatcher, tracker, "utter_appeal_invalid_credit_code")
            return {"credit_code": None, **failed}
        return {"credit_code": code, "appeal_failures": 0.0}

    async def validate_appeal_confirm(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        text = str(slot_value or "")
        # Corrections on the summary: "电话改为139…", "企业名称改为…", "联系人是…".
        changes: Dict[str, Any] = {}
        number = validators.mobile(text)
        if number and number != tracker.get_slot("phone_number"):
            changes["phone_number"] = number
        for pattern, slot, check in (
            (r"(企业|公司|单位)(名称|名字)?(改为|改成|是|应该是)(.+)", "enterprise_name", validators.enterprise_name),
            (r"联系人(姓名)?(改为|改成|是|应该是)(.+)", "contact_name", validators.person_name),
            (r"(信用代码|统一社会信用代码)(改为|改成|是|应该是)(.+)", "credit_code", validators.uscc),
        ):
            match = re.search(pattern, text)
            if match and check(match.groups()[-1]):
                changes[slot] = check(match.groups()[-1])
        if changes:
            return {**changes, "appeal_confirm": None}
        if choices.chosen(tracker, text) == "confirm:submit" or _says_yes(text) or choices.ordinal(text) == 1:
            return {"appeal_confirm": "yes"}
        dispatcher.utter_message(response="utter_appeal_how_to_edit")
        return {"appeal_confirm": None}


class ActionAskAppealCategory(Action):
    """Proposes the category inferred from the description, or lists them all."""

    def name(self) -> str:
        return "action_ask_appeal_category"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        suggestion = tracker.get_slot("appeal_category_suggestion")
        events: List[EventType] = []
        categories = tracker.get_slot("appeal_categories")
        if not categories:
            try:
                categories = [{"id": c["id"], "name": c["name"]} for c in await get_client().appeal_categories()]
            except (BackendUnavailable, BackendError):
                categories = []
            events.append(SlotSet("appeal_categories", categories or None))
        if suggestion:
            dispatcher.utter_message(
                response="utter_appeal_confirm_category",
                category=suggestion["name"],
                department=suggestion["department"],
                buttons=choices.buttons(_suggestion_options(suggestion)),
            )
        elif categories:
            options = _category_options(categories)
            dispatcher.utter_message(
                response="utter_appeal_choose_category",
                options=render.numbered([title for title, _ in options]),
                buttons=choices.buttons(options),
            )
        else:
            dispatcher.utter_message(response="utter_service_unavailable")
        return events


def _summary(tracker: Tracker) -> Dict[str, str]:
    suggestion = tracker.get_slot("appeal_category_suggestion") or {}
    categories = {c["id"]: c["name"] for c in tracker.get_slot("appeal_categories") or []}
    category_id = tracker.get_slot("appeal_category")
    code = tracker.get_slot("credit_code")
    return {
        "description": (tracker.get_slot("appeal_description") or "")[:300],
        "category": categories.get(category_id) or suggestion.get("name") or str(category_id),
        "enterprise": tracker.get_slot("enterprise_name") or "",
        "contact": tracker.get_slot("contact_name") or "",
        "phone": validators.mask_mobile(tracker.get_slot("phone_number") or ""),
        "credit_code": "未提供" if code in (None, NO_CREDIT_CODE) else code,
    }


class ActionAskAppealConfirm(Action):
    """Shows the whole appeal before anything is filed."""

    def name(self) -> str:
        return "action_ask_appeal_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(
            response="utter_appeal_summary",
            buttons=[choices.button("确认提交", "confirm:submit"), choices.stop_button()],
            **_summary(tracker),
        )
        return []


def _payload(tracker: Tracker) -> Dict[str, Any]:
    channel = (tracker.get_latest_input_channel() or "web").lower()
    code = tracker.get_slot("credit_code")
    return {
        "channel": CHANNELS.get(channel, "web"),
        "sender_id": tracker.sender_id,
        "enterprise_name": tracker.get_slot("enterprise_name"),
        "credit_code": None if code in (None, NO_CREDIT_CODE) else code,
        "contact_name": tracker.get_slot("contact_name"),
        "mobile": tracker.get_slot("phone_number"),
        "category": tracker.get_slot("appeal_category"),
        "description": tracker.get_slot("appeal_description"),
    }


class ActionSubmitAppeal(Action):
    """Files the confirmed appeal through the outbox (``actions.appeal.delivery``); says only what happened."""

    def name(self) -> str:
        return "action_submit_appeal"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        key = tracker.get_slot("appeal_key") or uuid.uuid4().hex
        result = await delivery.submit(get_client(), key, tracker.sender_id, _payload(tracker))
        events = [*_slots(reset_appeal()), SlotSet("appeal_key", None)]
        if result.outcome is delivery.Outcome.filed and result.ticket:
            dispatcher.utter_message(response="utter_appeal_filed", **result.ticket)
            dispatcher.utter_message(json_message=ticket_card(result.ticket))
            return [*events, SlotSet("ticket_id", result.ticket["number"])]
        if result.outcome is delivery.Outcome.dead_letter:
            dispatcher.utter_message(
                response="utter_appeal_rejected",
                problems="；".join(result.problems) or "内容需人工核对",
                reference=result.reference,
                contact=await service_center_block("appeal"),
            )
            return [*events, SlotSet("ticket_id", result.reference)]
        dispatcher.utter_message(response="utter_appeal_queued", reference=result.reference)
        return [*events, SlotSet("ticket_id", result.reference)]


class ActionAppealReset(Action):
    """stop during the appeal or the lookup: nothing is filed, the answers are forgotten."""

    def name(self) -> str:
        return "action_appeal_reset"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_appeal_cancelled")
        return [*_slots(reset_appeal()), SlotSet("appeal_key", None), SlotSet("phone_last4", None)]
