"""Guide actions against the real backend: exact events and responses."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.guide.actions import (
    ActionAskGuideBundle,
    ActionAskGuideReply,
    ActionGuideChecklist,
    ActionGuideCorrect,
    ActionGuideReset,
    ActionGuideStart,
    ValidateGuideForm,
)
from tests.conftest import make_tracker


def slots(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(dispatcher: CollectingDispatcher) -> List[str]:
    return [m["response"] for m in dispatcher.messages]


CATERING_DONE = {
    "entity_type": "individual",
    "on_site_production": True,
    "sells_alcohol": False,
    "area": 120.0,
    "has_signboard": True,
    "by_agent": False,
}


async def test_start_from_a_sentence_picks_the_bundle_and_keeps_given_answers(backend: str, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("我们是个体户开的小饭馆，要办什么手续", intent="ask_guide")
    events = await ActionGuideStart().run(dispatcher, tracker, domain)
    values = slots(events)
    assert values["guide_status"] == "active"
    assert values["guide_bundle"] == "catering"
    assert values["guide_answers"] == {"entity_type": "individual", "on_site_production": True}
    assert values["guide_question"]["id"] == "sells_alcohol"
    assert values["guide_reply"] is None
    assert responses(dispatcher) == ["utter_guide_bundle_picked", "utter_guide_updated"]
    assert dispatcher.messages[0]["bundle_name"] == "开办餐饮店“一件事”"
    assert "个体工商户" in dispatcher.messages[1]["changes"]


async def test_start_with_uncovered_business_is_honest_and_gives_contact(backend: str, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionGuideStart().run(dispatcher, make_tracker("我想开个殡葬服务公司", intent="ask_guide"), domain)
    assert slots(events)["guide_status"] == "none"
    assert ActiveLoop(None) not in events
    [message] = dispatcher.messages
    assert message["response"] == "utter_guide_unknown_business"
    assert "殡葬" in message["topic"]
    assert "023-79242258" in message["contact"]


async def test_switching_to_an_uncovered_business_mid_form_resets_the_guide(backend: str, domain: Dict) -> None:
    tracker = make_tracker(
        "那开殡葬公司呢", intent="ask_guide", active_loop="guide_form", slots={"guide_bundle": "catering"}
    )
    values = slots(await ActionGuideStart().run(CollectingDispatcher(), tracker, domain))
    assert values["guide_status"] == "none" and values["guide_bundle"] is None  # the rules then deactivate the form


async def test_start_without_business_asks_which_one(backend: str, domain: Dict) -> None:
    start = CollectingDispatcher()
    events = await ActionGuideStart().run(start, make_tracker("我想办个手续", intent="ask_guide"), domain)
    assert slots(events)["guide_status"] == "active" and slots(events)["guide_bundle"] is None
    ask = CollectingDispatcher()
    asked = await ActionAskGuideBundle().run(ask, make_tracker("我想办个手续", slots=slots(events)), domain)
    [message] = ask.messages
    assert message["response"] == "utter_guide_which_business"
    assert message["options"].startswith("1. 企业开办\n")
    assert "开餐饮店" in message["options"]
    listed = slots(asked)["guide_candidates"]
    assert len(listed) >= 20 and len(message["buttons"]) == len(listed)


async def test_prefilled_bundle_is_kept_when_the_form_activates(backend: str, domain: Dict) -> None:
    state = {
        "guide_bundle": "catering",
        "guide_answers": {"on_site_production": True},
        "guide_question": {"id": "entity_type"},
    }
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "开火锅店", intent="ask_guide", slots=state, active_loop="guide_form", validating={"guide_bundle": "catering"}
    )
    values = slots(await ValidateGuideForm().run(dispatcher, tracker, domain))
    assert values == {"guide_bundle": "catering"}
    assert dispatcher.messages == []


async def test_bundle_chosen_by_number(backend: str, domain: Dict) -> None:
    candidates = [{"id": "accommodation", "short_name": "开住宿店"}, {"id": "catering", "short_name": "开餐饮店"}]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "2", slots={"guide_candidates": candidates}, active_loop="guide_form", validating={"guide_bundle": "2"}
    )
    values = slots(await ValidateGuideForm().run(dispatcher, tracker, domain))
    assert values["guide_bundle"] == "catering"
    assert values["guide_question"]["id"] == "entity_type"


async def test_reply_is_applied_and_next_question_set(backend: str, domain: Dict) -> None:
    state = {
        "guide_bundle": "catering",
        "guide_answers": {"entity_type": "individual", "on_site_production": True},
        "guide_question": {"id": "sells_alcohol"},
    }
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("有", slots=state, active_loop="guide_form", validating={"guide_reply": "有"})
    values = slots(await ValidateGuideForm().run(dispatcher, tracker, domain))
    assert values["guide_answers"]["sells_alcohol"] is True
    assert values["guide_question"]["id"] == "area"
    assert values["guide_reply"] is None
    assert dispatcher.messages == []  # a plain answer is not echoed back


async def test_correction_inside_the_form_is_confirmed(backend: str, domain: Dict) -> None:
    state = {
        "guide_bundle": "catering",
        "guide_answers": {"entity_type": "individual", "on_site_production": True, "sells_alcohol": False},
        "guide_question": {"id": "area"},
    }
    dispatcher = CollectingDispatcher()
    text = "不对，是有售酒的"
    tracker = make_tracker(
        text, intent="correct", slots=state, active_loop="guide_form", validating={"guide_reply": text}
    )
    values = slots(await ValidateGuideForm().run(dispatcher, tracker, domain))
    assert values["guide_answers"]["sells_alcohol"] is True
    assert values["guide_question"]["id"] == "area"
    assert responses(dispatcher) == ["utter_guide_updated"]


async def test_naming_another_business_mid_form_switches_bundle(backend: str, domain: Dict) -> None:
    state = {"guide_bundle": "catering", "guide_answers": {}, "guide_question": {"id": "entity_type"}}
    dispatcher = CollectingDispatcher()
    text = "换一个，我想了解开民宿"
    tracker = make_tracker(
        text, intent="ask_guide", slots=state, active_loop="guide_form", validating={"guide_reply": text}
    )
    values = slots(await ValidateGuideForm().run(dispatcher, tracker, domain))
    assert values["guide_bundle"] == "accommodation"
    assert values["guide_reply"] is None and values["guide_question"] is not None
    assert responses(dispatcher)[0] == "utter_guide_bundle_picked"


async def test_an_answer_is_never_mistaken_for_a_switch(backend: str, domain: Dict) -> None:
    state = {
        "guide_bundle": "catering",
        "guide_answers": {"on_site_production": True},
        "guide_question": {"id": "entity_type"},
    }
    tracker = make_tracker(
        "个体户", intent="ask_guide", slots=state, active_loop="guide_form", validating={"guide_reply": "个体户"}
    )
    values = slots(await ValidateGuideForm().run(CollectingDispatcher(), tracker, domain))
    assert "guide_bundle" not in values
    assert values["guide_answers"]["entity_type"] == "individual"


async def test_not_understood_twice_offers_the_options_again_and_a_way_out(backend: str, domain: Dict) -> None:
    state = {"guide_bundle": "catering", "guide_answers": {}, "guide_question": {"id": "entity_type"}}
    first = CollectingDispatcher()
    tracker = make_tracker("嗯哼？", slots=state, active_loop="guide_form", validating={"guide_reply": "嗯哼？"})
    values = slots(await ValidateGuideForm().run(first, tracker, domain))
    assert values["guide_reply"] is None and values["guide_failures"] == 1.0
    assert responses(first) == ["utter_guide_not_understood"]
    second = CollectingDispatcher()
    tracker = make_tracker(
        "😀", slots={**state, "guide_failures": 1.0}, active_loop="guide_form", validating={"guide_reply": "😀"}
    )
    await ValidateGuideForm().run(second, tracker, domain)
    assert responses(second) == ["utter_too_many_failures"]
    assert "12345" in second.messages[0]["contact"]
    assert second.messages[0]["buttons"] == [{"title": "不办了", "payload": "/stop"}]
    # the form then asks again, with the options as buttons (never the same apology alone)
    ask = CollectingDispatcher()
    question = {"id": "entity_type", "text": "您打算以什么形式登记？", "type": "choice", "options": [
        {"value": "individual", "label": "个体工商户"}, {"value": "company", "label": "公司"}]}  # fmt: skip
    await ActionAskGuideReply().run(ask, make_tracker("", slots={**state, "guide_question": question}), domain)
    assert [b["title"] for b in ask.messages[0]["buttons"]] == ["个体工商户", "公司"]


async def test_last_answer_completes_the_form(backend: str, domain: Dict) -> None:
    answers = {k: v for k, v in CATERING_DONE.items() if k != "by_agent"}
    state = {"guide_bundle": "catering", "guide_answers": answers, "guide_question": {"id": "by_agent"}}
    tracker = make_tracker("本人办", slots=state, active_loop="guide_form", validating={"guide_reply": "本人办"})
    values = slots(await ValidateGuideForm().run(CollectingDispatcher(), tracker, domain))
    assert values["guide_reply"] == "complete"
    assert values["guide_answers"] == CATERING_DONE


async def test_ask_renders_question_with_buttons(backend: str, domain: Dict) -> None:
    question = {
        "id": "sells_alcohol",
        "text": "店里是否售卖酒类？",
        "help": None,
        "type": "boolean",
        "unit": None,
        "options": [{"value": True, "label": "是，售酒"}, {"value": False, "label": "否，不售酒"}],
    }
    dispatcher = CollectingDispatcher()
    await ActionAskGuideReply().run(dispatcher, make_tracker("", slots={"guide_question": question}), domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_guide_question"
    assert message["options"] == "1. 是，售酒\n2. 否，不售酒"
    assert [b["title"] for b in message["buttons"]] == ["是，售酒", "否，不售酒"]
    assert [b["payload"] for b in message["buttons"]] == [
        '/inform{"choice": "guide:sells_alcohol:true"}',
        '/inform{"choice": "guide:sells_alcohol:false"}',
    ]


async def test_checklist_names_license_and_links_the_printable_page(backend: str, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    state = {"guide_bundle": "catering", "guide_answers": CATERING_DONE}
    events = await ActionGuideChecklist().run(dispatcher, make_tracker("本人办", slots=state), domain)
    assert SlotSet("guide_status", "complete") in events
    message, card = dispatcher.messages
    assert message["response"] == "utter_guide_checklist"
    assert card["custom"]["data"]["card"]["type"] == "checklist"  # the web widget's card, after the text
    assert "个体工商户设立登记" in message["matters"]
    assert "食品经营许可（新办）" in message["matters"]
    assert "营业执照" in message["matters"]
    assert message["url"].startswith(backend + "/guide/checklist/catering?")
    assert message["matter_count"] >= 5


async def test_correction_after_the_checklist_renders_a_new_one(backend: str, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    state = {"guide_status": "complete", "guide_bundle": "catering", "guide_answers": CATERING_DONE}
    events = await ActionGuideCorrect().run(
        dispatcher, make_tracker("不对，是有售酒的", intent="correct", slots=state), domain
    )
    values = slots(events)
    assert values["guide_status"] == "complete"
    assert values["guide_answers"]["sells_alcohol"] is True
    assert responses(dispatcher) == ["utter_guide_updated", "utter_guide_checklist", None]
    assert dispatcher.messages[2]["custom"]["data"]["card"]["type"] == "checklist"
    assert "sells_alcohol=true" in dispatcher.messages[1]["url"]


async def test_correction_without_a_guide(backend: str, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionGuideCorrect().run(dispatcher, make_tracker("不对", intent="correct"), domain)
    assert slots(events)["guide_status"] == "none"
    assert responses(dispatcher) == ["utter_guide_nothing_to_correct"]


async def test_stop_resets_every_guide_slot(domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    state = {"guide_status": "active", "guide_bundle": "catering", "guide_answers": {"entity_type": "company"}}
    values = slots(await ActionGuideReset().run(dispatcher, make_tracker("不办了", intent="stop", slots=state), domain))
    assert values["guide_status"] == "none" and values["guide_bundle"] is None and values["guide_answers"] is None
    assert responses(dispatcher) == ["utter_guide_stopped"]


async def test_backend_down_is_said_honestly_and_ends_the_form(backend_down: None, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("开火锅店", intent="ask_guide", active_loop="guide_form")
    events = await ActionGuideStart().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_service_unavailable"]
    assert slots(events)["guide_status"] == "none"
