"""Actions of the policy flow (政策链): profile → at most three questions → matches → 申报指南.

The backend's policy engine decides everything (eligibility, near misses, which
question splits the candidates, deadline status); these actions keep the
profile of the conversation, ask, list, and answer follow-ups.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.backend import BackendError, BackendUnavailable, NotFound, get_client
from actions.common import choices, render, replies
from actions.common.cards import policy_card
from actions.common.forms import BaseFormValidator, latest_text

MAX_QUESTIONS = 3
NAMED_SCORE = 90.0
MAX_LISTED = 5
THEMES = {
    "税收优惠": "税收优惠", "减税降费": "税收优惠", "减税": "税收优惠", "免税": "税收优惠", "退税": "税收优惠",
    "财政支持": "财政支持", "奖补": "财政支持", "奖励": "财政支持",
    "费金减免": "费金减免", "减免": "费金减免",
    "降低人工成本": "降低人工成本", "社保补贴": "降低人工成本", "稳岗": "降低人工成本", "用工": "降低人工成本",
    "降低融资成本": "降低融资成本", "融资": "降低融资成本", "贷款": "降低融资成本", "贴息": "降低融资成本",
    "降低制度性交易成本": "降低制度性交易成本",
}  # fmt: skip
ORDINAL = re.compile(r"第\s*([0-9一二两三四五六七八九十])\s*(个|项|条|种)?")
REFERENCE = re.compile(r"(第\s*[0-9一二两三四五六七八九十]\s*(个|项|条|种)|这个|这项|这条|它|该政策)")
ASPECTS: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ("materials", ("材料", "资料", "准备什么", "带什么", "提交什么")),
    ("deadline", ("截止", "什么时候", "时间", "时限", "期限", "多久")),
    ("contact", ("咨询", "电话", "找谁", "哪个部门", "联系")),
    ("conditions", ("条件", "要求", "符合", "能不能", "可以申请吗")),
    ("how", ("怎么申报", "如何申报", "怎么申请", "如何申请", "怎么办", "在哪", "渠道", "流程", "怎么领", "申报")),
)
LISTING = re.compile(r"(有什么|有哪些|有没有|哪些|能享受|可以享受|适合|算算|计算器)")
ENTITY_TYPES = {"individual": "个体工商户", "company": "企业"}


def _slots(values: Dict[str, Any]) -> List[EventType]:
    return [SlotSet(name, value) for name, value in values.items()]


def reset_policy() -> Dict[str, Any]:
    return {
        "policy_status": "none",
        "policy_profile": None,
        "policy_question": None,
        "policy_reply": None,
        "policy_asked": 0.0,
        "policy_skipped": None,
        "policy_failures": 0.0,
    }


def profile_from_conversation(tracker: Tracker) -> Dict[str, Any]:
    """What the conversation already knows: the guide's answers and bundle, and NLU entities."""
    profile: Dict[str, Any] = dict(tracker.get_slot("policy_profile") or {})
    answers = tracker.get_slot("guide_answers") or {}
    if answers.get("entity_type") in ENTITY_TYPES and "entity_type" not in profile:
        profile["entity_type"] = ENTITY_TYPES[answers["entity_type"]]
    bundle = tracker.get_slot("guide_industry")
    if bundle and "industry" not in profile:
        profile["industry"] = bundle
    scale = tracker.get_slot("company_scale")
    if scale:
        if scale == "个体工商户":
            profile.setdefault("entity_type", "个体工商户")
        else:
            profile.setdefault("scale", {"小微企业": "小微", "中型企业": "中型", "大型企业": "大型"}.get(scale, scale))
    industry = tracker.get_slot("industry")
    if industry and "industry" not in profile:
        profile["industry"] = industry
    return profile


def theme_of(text: str, tracker: Tracker) -> Optional[str]:
    entity = tracker.get_slot("policy_theme")
    for word in ([entity] if entity else []) + list(THEMES):
        if word and word in (text + (entity or "")) and word in THEMES:
            return THEMES[word]
    return None


def _line(n: int, policy: Dict[str, Any], pending: bool = False) -> str:
    name = policy.get("short_name") or policy["name"]
    badges = "，免申即享" if policy.get("no_application") else ""
    line = f"{n}. {name}：{policy['summary']}（{policy['deadline']['status']}{badges}）"
    if pending and policy.get("missing_labels"):
        line += f"\n   还需确认：{'、'.join(policy['missing_labels'][:3])}"
    return line


async def show_matches(
    dispatcher: CollectingDispatcher, profile: Dict[str, Any], theme: Optional[str]
) -> List[EventType]:
    """List the best matches (then the likely ones); nothing found is said honestly with a contact."""
    result = await get_client().match_policies(profile, theme=theme, question_limit=0)
    listed = [(p, False) for p in result["matches"]][:MAX_LISTED]
    if len(listed) < 3:
        listed += [(p, True) for p in result["pending"] + result["near_misses"]][: MAX_LISTED - len(listed)]
    if not listed:
        contact = render.contact_block(await get_client().contact(topic="policy"))
        dispatcher.utter_message(response="utter_policy_none", contact=contact)
        return _slots({"policy_status": "listed", "policy_results": None})
    lines = "\n".join(_line(n, p, pending) for n, (p, pending) in enumerate(listed, start=1))
    assumptions = "；".join(result.get("assumptions", []))
    dispatcher.utter_message(
        response="utter_policy_matches",
        count=len(listed),
        theme=f"「{theme}」" if theme else "",
        policies=lines,
        assumptions=f"\n（依据：{assumptions}）" if assumptions else "",
    )
    results = [{"id": p["id"], "name": p.get("short_name") or p["name"]} for p, _ in listed]
    return _slots({"policy_status": "listed", "policy_results": results, "policy_current": results[0]["id"]})


def _aspect(text: str) -> str:
    for aspect, words in ASPECTS:
        if any(w in text for w in words):
            return aspect
    return "summary"


async def show_guide(dispatcher: CollectingDispatcher, policy_id: str, text: str) -> List[EventType]:
    """One 申报指南, the part the user asked about, with the printable page."""
    guide = await get_client().policy(policy_id)
    name = guide.get("short_name") or guide["name"]
    aspect = _aspect(text)
    status = guide["deadline"]["status"]
    if guide["validity"] == "已失效":
        dispatcher.utter_message(response="utter_policy_expired", name=guide["name"], period=guide["deadline"]["text"])
        return _slots({"policy_current": policy_id, "policy_status": "none"})
    numbered = lambda items: "\n".join(f"{n}. {x}" for n, x in enumerate(items, start=1))  # noqa: E731
    if aspect == "materials":
        body = f"申报材料：\n{numbered(guide['materials'])}"
    elif aspect == "deadline":
        body = f"申报时限：{guide['application_period']}（{status}：{guide['deadline']['text']}）"
    elif aspect == "contact":
        body = f"主管部门：{guide['authority']}\n咨询电话：{guide['phone']}"
    elif aspect == "conditions":
        body = f"申报条件：{guide['eligibility']}"
    elif aspect == "how":
        body = (
            f"申报渠道：{guide['channel']}\n申报流程：\n{numbered(guide['procedure'])}\n"
            f"申报材料：\n{numbered(guide['materials'])}"
        )
    else:
        body = (
            f"支持方式：{guide['support']}\n申报条件：{guide['eligibility']}\n申报渠道：{guide['channel']}\n"
            f"申报时限：{guide['application_period']}（{status}）\n咨询电话：{guide['phone']}"
        )
    if guide.get("no_application"):
        body = "本政策免申即享，符合条件的由部门直接兑现，无需申报。\n" + body
    dispatcher.utter_message(
        response="utter_policy_guide",
        name=name,
        document=guide.get("document") or "",
        body=body,
        url=guide["guide_url"],
        basis=render.basis(guide["provenance"]),
    )
    dispatcher.utter_message(json_message=policy_card(guide))
    return _slots({"policy_current": policy_id, "policy_status": "shown"})


def named_policy(search: Dict[str, Any]) -> Optional[str]:
    """The policy a search names: the match, the best of several that fit the name ("创业担保贷款"), or one that
    expired (its guide then says so) — a typo ("稳刚返还") or 繁體 included, since the backend tolerates both."""
    if search["status"] in ("matched", "ambiguous") and search["results"]:
        top = search["results"][0]
        if search["status"] == "matched" or top["score"] >= NAMED_SCORE:
            return str(top["policy"]["id"])
    if search["status"] == "expired" and search["expired"] and search["expired"][0]["score"] >= NAMED_SCORE:
        return str(search["expired"][0]["policy"]["id"])
    return None


def referenced_policy(text: str, tracker: Tracker) -> Optional[str]:
    """ "第二个" → the second listed policy; "这个"/"它" → the one discussed last."""
    results = tracker.get_slot("policy_results") or []
    match = ORDINAL.search(text)
    if match and results:
        index = choices.ordinal(match.group(0)) or 0
        return results[index - 1]["id"] if 1 <= index <= len(results) else None
    if REFERENCE.search(text):
        return tracker.get_slot("policy_current")
    return None


async def _next_question(profile: Dict[str, Any], theme: Optional[str], skipped: List[str]) -> Optional[Dict[str, Any]]:
    result = await get_client().match_policies(profile, theme=theme, question_limit=8)
    return next((q for q in result["questions"] if q["field"] not in skipped and q["field"] not in profile), None)


class ActionPolicyStart(Action):
    """ask_policy: a policy named outright, a follow-up on the list, or the calculator."""

    def name(self) -> str:
        return "action_policy_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = latest_text(tracker)
        try:
            referenced = referenced_policy(text, tracker)
            if referenced:
                return await show_guide(dispatcher, referenced, text)
            search = await get_client().search_policies(text)
            # "有什么税收优惠" asks for the calculator even when one policy's name matches well.
            named = named_policy(search)
            if named and not LISTING.search(text):
                return await show_guide(dispatcher, named, text)
            values = reset_policy()
            profile = profile_from_conversation(tracker)
            theme = theme_of(text, tracker)
            question = await _next_question(profile, theme, [])
            values.update(policy_profile=profile, policy_theme=theme)
            if question is None:
                return _slots(values) + await show_matches(dispatcher, profile, theme)
            dispatcher.utter_message(response="utter_policy_intro")
            values.update(policy_status="active", policy_question=question)
            return _slots(values)
        except (BackendUnavailable, BackendError):
            dispatcher.utter_message(response="utter_service_unavailable")
            return _slots(reset_policy())


class ValidatePolicyForm(BaseFormValidator):
    failures_slot = "policy_failures"

    def name(self) -> str:
        return "validate_policy_form"

    async def validate_policy_reply(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        question = tracker.get_slot("policy_question") or {}
        profile = dict(tracker.get_slot("policy_profile") or {})
        skipped = list(tracker.get_slot("policy_skipped") or [])
        theme = tracker.get_slot("policy_theme")
        text = str(slot_value or "").strip()
        field = question.get("field")
        if not field:
            return {"policy_reply": "done"}
        choice = choices.chosen(tracker, text)
        picked = choices.parse_value_token(choice, "policy") if choice else None
        if choice == f"policy-skip:{field}" or (choice is None and replies.classify(text) == "skip"):
            skipped.append(field)
        else:
            candidate = picked[1] if picked and picked[0] == field else self._value(question, text)
            try:
                await get_client().match_policies({**profile, field: candidate}, theme=theme, question_limit=0)
            except BackendError as error:
                if error.status != 422:
                    raise
                return {"policy_reply": None, **await self.failed(dispatcher, tracker, "utter_policy_not_understood")}
            except BackendUnavailable:
                dispatcher.utter_message(response="utter_service_unavailable")
                return {"policy_reply": "done"}
            profile[field] = candidate
        asked = int(tracker.get_slot("policy_asked") or 0) + 1
        values: Dict[str, Any] = {"policy_profile": profile, "policy_skipped": skipped, "policy_asked": float(asked)}
        try:
            following = await _next_question(profile, theme, skipped) if asked < MAX_QUESTIONS else None
        except (BackendUnavailable, BackendError):
            following = None
        if following is None:
            return {**values, "policy_reply": "done", "policy_question": None, "policy_failures": 0.0}
        return {**values, "policy_reply": None, "policy_question": following, "policy_failures": 0.0}

    @staticmethod
    def _value(question: Dict[str, Any], text: str) -> Any:
        """An option by its number or label; otherwise the words themselves (the backend parses them)."""
        options = question.get("options") or []
        plain = re.sub(r"[\s。.!！]", "", text)
        index = choices.ordinal(plain) if options and question.get("type") != "number" else None
        if index is not None and 1 <= index <= len(options):
            return options[index - 1]["value"]
        for option in options:
            if plain and plain in (str(option["label"]), str(option["value"])):
                return option["value"]
        if question.get("type") == "number":
            found = re.search(r"\d+(?:\.\d+)?", plain)
            return found.group(0) if found else plain
        return plain


class ActionAskPolicyReply(Action):
    def name(self) -> str:
        return "action_ask_policy_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        question = tracker.get_slot("policy_question") or {}
        if not question:
            return [SlotSet("policy_reply", "done")]
        variables, buttons = render.question(
            {
                "text": question["question"],
                "help": question.get("help"),
                "type": "number" if question["type"] == "number" else "choice",
                "unit": question.get("unit"),
                "options": question.get("options") or [],
            },
            prefix="policy",
            key=question["field"],
        )
        if question["type"] == "region":
            variables["options"] = "请直接回复区县名称，例如“黔江区”"
        skip = choices.button("不清楚", f"policy-skip:{question['field']}")
        dispatcher.utter_message(response="utter_policy_question", buttons=[*buttons, skip], **variables)
        return []


class ActionPolicyList(Action):
    """After the questions: the matches for the profile."""

    def name(self) -> str:
        return "action_policy_list"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        try:
            return await show_matches(
                dispatcher, dict(tracker.get_slot("policy_profile") or {}), tracker.get_slot("policy_theme")
            )
        except (BackendUnavailable, BackendError):
            dispatcher.utter_message(response="utter_service_unavailable")
            return _slots(reset_policy())


class ActionPolicyDetail(Action):
    """Follow-ups: "第二个怎么申报", "这个要准备什么材料", "什么时候截止", "找谁咨询"."""

    def name(self) -> str:
        return "action_policy_detail"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = latest_text(tracker)
        try:
            policy_id = referenced_policy(text, tracker)
            if policy_id is None:
                policy_id = named_policy(await get_client().search_policies(text))
            policy_id = policy_id or tracker.get_slot("policy_current")
            if policy_id is None:
                dispatcher.utter_message(response="utter_policy_which")
                return []
            return await show_guide(dispatcher, policy_id, text)
        except NotFound:
            dispatcher.utter_message(response="utter_policy_which")
            return []
        except (BackendUnavailable, BackendError):
            dispatcher.utter_message(response="utter_service_unavailable")
            return []


class ActionPolicyReset(Action):
    def name(self) -> str:
        return "action_policy_reset"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_policy_stopped")
        return _slots(reset_policy())
