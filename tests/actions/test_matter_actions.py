"""索引式导办 through the actions: one licence asked directly, policies named however typed, honest handoff."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk.executor import CollectingDispatcher

from actions.guide.actions import ActionGuideCorrect, ActionGuideStart
from actions.guide.start import ActionAnswerFallback
from actions.handoff.actions import ActionHandoff
from tests.conftest import click, make_tracker


def slots(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(dispatcher: CollectingDispatcher) -> List[str]:
    return [m["response"] for m in dispatcher.messages]


async def test_a_time_question_about_one_licence_leads_with_the_time(backend: str, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("办食品经营许可证要多久", intent="ask_guide")
    values = slots(await ActionGuideStart().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_matter_time", "utter_matter_more", "utter_matter_offer_bundle"]
    first = dispatcher.messages[0]
    assert first["name"].startswith("食品经营许可") and "10个工作日" in first["legal"]
    assert first["promised"].startswith("5个工作日")
    more = dispatcher.messages[1]
    assert more["url"].endswith("/guide/matter/food_business_license")
    assert "收费" in more["rest"] and "时限" not in more["rest"]  # the time was the first sentence
    assert values["guide_status"] == "offered"
    assert values["guide_candidates"][0]["id"] == "catering"


async def test_each_attribute_is_answered_first(backend: str, domain: Dict) -> None:
    for text, response in (
        ("公众聚集场所消防检查收费吗", "utter_matter_fee"),
        ("特种行业许可证去哪里办", "utter_matter_where"),
        ("营业执照办理要带什么", "utter_matter_materials"),
        ("店面还在装修，食品经营许可证能不能先办", "utter_matter_advance_deferrable"),
        ("食经证怎么办", "utter_matter_overview"),
    ):
        dispatcher = CollectingDispatcher()
        await ActionGuideStart().run(dispatcher, make_tracker(text, intent="ask_guide"), domain)
        assert responses(dispatcher)[0] == response, text


async def test_the_offered_bundle_starts_by_button_or_by_yes(backend: str, domain: Dict) -> None:
    first = CollectingDispatcher()
    values = slots(
        await ActionGuideStart().run(first, make_tracker("食品经营许可证怎么办", intent="ask_guide"), domain)
    )
    offer = first.messages[-1]
    assert [b["title"] for b in offer["buttons"]] == ["要，一起列出来", "不用了"]
    clicked = click(offer["buttons"][0], slots=values)
    started = slots(await ActionGuideCorrect().run(CollectingDispatcher(), clicked, domain))
    assert started["guide_status"] == "active" and started["guide_bundle"] == "catering"
    typed = make_tracker("要", intent="affirm", slots=values)
    started = slots(await ActionGuideStart().run(CollectingDispatcher(), typed, domain))
    assert started["guide_bundle"] == "catering"


async def test_policies_named_with_a_typo_or_in_traditional_characters(backend: str, domain: Dict) -> None:
    for text, intent in (("稳刚返还需要什么条件", "ask_guide"), ("創業擔保貸款有貼息嗎", "ask_guide")):
        dispatcher = CollectingDispatcher()
        events = await ActionGuideStart().run(dispatcher, make_tracker(text, intent=intent), domain)
        assert responses(dispatcher)[0] in ("utter_policy_guide", "utter_policy_expired"), text
        assert slots(events)["policy_current"]


async def test_a_fallback_that_names_a_matter_is_answered(backend: str, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerFallback().run(dispatcher, make_tracker("特行证", intent="nlu_fallback"), domain)
    assert responses(dispatcher)[0] == "utter_matter_overview"
    nothing = CollectingDispatcher()
    await ActionAnswerFallback().run(nothing, make_tracker("啊啊啊", intent="nlu_fallback"), domain)
    assert responses(nothing) == ["utter_default"]


async def test_handoff_is_honest_and_offers_an_appeal(backend: str, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, make_tracker("转人工", intent="request_human"), domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_handoff"
    assert [b["payload"] for b in message["buttons"]] == ["/file_appeal", "/deny"]
    text = next(r["text"] for r in domain["responses"]["utter_handoff"])
    assert "正在为您转接" not in text and "不能" in text
