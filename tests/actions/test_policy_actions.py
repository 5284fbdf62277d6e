"""Policy actions against the real backend and its reviewed policies."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk.executor import CollectingDispatcher

from actions.policy.actions import (
    ActionAskPolicyReply,
    ActionPolicyDetail,
    ActionPolicyList,
    ActionPolicyStart,
    ValidatePolicyForm,
    profile_from_conversation,
)
from tests.conftest import make_tracker


def slots(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(dispatcher: CollectingDispatcher) -> List[str]:
    return [m["response"] for m in dispatcher.messages]


async def test_calculator_asks_a_question_that_changes_the_result(backend: str, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "我们是小微企业，有什么税收优惠政策", intent="ask_policy", slots={"company_scale": "小微企业"}
    )
    values = slots(await ActionPolicyStart().run(dispatcher, tracker, domain))
    assert values["policy_status"] == "active"
    assert values["policy_profile"] == {"scale": "小微"}
    assert values["policy_theme"] == "税收优惠"
    assert values["policy_question"]["field"] not in values["policy_profile"]
    assert responses(dispatcher) == ["utter_policy_intro"]
    ask = CollectingDispatcher()
    await ActionAskPolicyReply().run(ask, make_tracker("", slots=values), domain)
    assert responses(ask) == ["utter_policy_question"]
    assert ask.messages[0]["buttons"][-1]["title"] == "不清楚"


async def test_at_most_three_questions_then_tax_policies_in_force(backend: str, domain: Dict) -> None:
    state: Dict[str, Any] = {"policy_profile": {"scale": "小微"}, "policy_theme": "税收优惠", "policy_asked": 0.0}
    start = await ActionPolicyStart().run(
        CollectingDispatcher(),
        make_tracker("有什么税收优惠", intent="ask_policy", slots={"company_scale": "小微企业"}),
        domain,
    )
    state.update(slots(start))
    answers = {"entity_type": "企业", "taxpayer_type": "1", "small_low_profit": "是"}
    for _ in range(3):
        question = state["policy_question"]
        reply = answers.get(question["field"], "不清楚")
        tracker = make_tracker(reply, slots=state, active_loop="policy_form", validating={"policy_reply": reply})
        state.update(slots(await ValidatePolicyForm().run(CollectingDispatcher(), tracker, domain)))
        if state["policy_reply"] == "done":
            break
    assert state["policy_reply"] == "done" and state["policy_asked"] <= 3
    dispatcher = CollectingDispatcher()
    listed = slots(await ActionPolicyList().run(dispatcher, make_tracker("", slots=state), domain))
    [message] = dispatcher.messages
    assert message["response"] == "utter_policy_matches"
    assert "已截止" not in message["policies"]
    assert listed["policy_status"] == "listed" and listed["policy_results"]
    assert any(
        "六税两费" in r["name"] or "小型微利" in r["name"] or "增值税" in r["name"] for r in listed["policy_results"]
    )


async def test_unknown_answer_is_re_asked(backend: str, domain: Dict) -> None:
    question = {"field": "employees", "question": "从业人数？", "type": "number", "unit": "人", "options": []}
    state = {"policy_profile": {}, "policy_question": question}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("很多很多", slots=state, active_loop="policy_form", validating={"policy_reply": "很多很多"})
    values = slots(await ValidatePolicyForm().run(dispatcher, tracker, domain))
    assert values["policy_reply"] is None
    assert responses(dispatcher) == ["utter_policy_not_understood"]


async def test_follow_up_by_number_gives_materials_and_channel(backend: str, domain: Dict) -> None:
    results = [
        {"id": "six_taxes_two_fees_half", "name": "六税两费减半"},
        {"id": "small_low_profit_income_tax", "name": "小微"},
    ]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("第一个怎么申报", intent="ask_policy_detail", slots={"policy_results": results})
    values = slots(await ActionPolicyDetail().run(dispatcher, tracker, domain))
    assert values["policy_current"] == "six_taxes_two_fees_half"
    message, card = dispatcher.messages
    assert message["response"] == "utter_policy_guide"
    assert card["custom"]["data"]["card"]["policy_id"] == "six_taxes_two_fees_half"
    assert "申报渠道" in message["body"] and "申报材料" in message["body"]
    assert message["url"].endswith("/policies/six_taxes_two_fees_half/guide")
    contact = CollectingDispatcher()
    await ActionPolicyDetail().run(contact, make_tracker("找谁咨询", intent="ask_policy_detail", slots=values), domain)
    assert "咨询电话" in contact.messages[0]["body"]


async def test_policy_named_outright(backend: str, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    values = slots(
        await ActionPolicyStart().run(dispatcher, make_tracker("六税两费怎么享受", intent="ask_policy"), domain)
    )
    assert values["policy_status"] == "shown"
    assert responses(dispatcher) == ["utter_policy_guide", None]
    assert dispatcher.messages[1]["custom"]["data"]["card"]["type"] == "policy"


async def test_expired_policy_is_never_offered_as_current(backend: str, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    values = slots(
        await ActionPolicyStart().run(dispatcher, make_tracker("稳岗返还怎么申请", intent="ask_policy"), domain)
    )
    assert values["policy_status"] == "none"
    assert responses(dispatcher) == ["utter_policy_expired"]


def test_profile_reuses_the_guided_flow() -> None:
    tracker = make_tracker(
        "有什么补贴",
        intent="ask_policy",
        slots={"guide_answers": {"entity_type": "individual"}, "guide_industry": "catering"},
    )
    assert profile_from_conversation(tracker) == {"entity_type": "个体工商户", "industry": "catering"}


async def test_backend_down(backend_down: None, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    values = slots(await ActionPolicyStart().run(dispatcher, make_tracker("有什么补贴", intent="ask_policy"), domain))
    assert values["policy_status"] == "none"
    assert responses(dispatcher) == ["utter_service_unavailable"]
