from __future__ import annotations

from typing import Dict

from rasa_sdk.executor import CollectingDispatcher

from actions.handoff.actions import ActionContact, ActionHandoff
from tests.conftest import make_tracker


async def test_contact_of_the_named_department(backend: str, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    await ActionContact().run(dispatcher, make_tracker("市场监管局电话多少", intent="ask_contact"), domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_contact"
    assert message["name"] == "重庆市黔江区市场监督管理局"
    assert "示例数据" in message["sample"]


async def test_contact_falls_back_to_the_service_center(backend: str, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    await ActionContact().run(dispatcher, make_tracker("你们几点上班", intent="ask_contact"), domain)
    assert dispatcher.messages[0]["name"] == "重庆市黔江区行政服务中心"


async def test_referrals_name_the_responsible_window(backend: str, domain: Dict) -> None:
    for action, response, expected in [
        (ActionHandoff(), "utter_handoff", "023-79242258"),
    ]:
        dispatcher = CollectingDispatcher()
        await action.run(dispatcher, make_tracker("x"), domain)
        [message] = dispatcher.messages
        assert message["response"] == response and expected in message["contact"]


async def test_contact_with_backend_down(backend_down: None, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    await ActionContact().run(dispatcher, make_tracker("电话", intent="ask_contact"), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_service_unavailable"]
