"""The basis users see in chat (issue 8): 依据 with 文号 and link, 信息核对日期, and the caveat when unverified."""

from __future__ import annotations

from typing import Any, Dict

from rasa_sdk.executor import CollectingDispatcher

from actions.common import render
from actions.guide.actions import ActionGuideChecklist
from actions.policy.actions import ActionPolicyStart
from tests.conftest import make_tracker

VAT_10 = "财政部 税务总局公告2026年第10号"


async def test_small_scale_vat_answer_is_on_the_2026_basis(backend: str, domain: Dict) -> None:
    dispatcher = CollectingDispatcher()
    await ActionPolicyStart().run(dispatcher, make_tracker("小规模纳税人增值税怎么减免", intent="ask_policy"), domain)
    message = dispatcher.messages[0]
    assert message["response"] == "utter_policy_guide"
    assert message["document"] == "财政部 税务总局关于增值税法施行后增值税优惠政策衔接事项的公告"
    assert "2023年第19号" not in message["basis"]
    assert f"（{VAT_10}）" in message["basis"] and "信息核对日期：2026年12月1日" in message["basis"]
    assert "以主管部门最新公布为准" in message["basis"]
    assert "\n原文：https://www.mof.gov.cn/" in message["basis"]


async def test_checklist_answer_carries_the_review_date(backend: str, domain: Dict) -> None:
    answers: Dict[str, Any] = {
        "entity_type": "individual",
        "on_site_production": True,
        "sells_alcohol": False,
        "area": 80,
        "has_signboard": False,
        "by_agent": False,
    }
    dispatcher = CollectingDispatcher()
    state = {"guide_bundle": "catering", "guide_answers": answers}
    await ActionGuideChecklist().run(dispatcher, make_tracker("本人办", slots=state), domain)
    message = dispatcher.messages[0]
    assert message["basis"] == "各事项的设定依据见告知单；信息核对日期：2026年12月1日（以主管部门最新公布为准）"


def test_basis_lists_every_link() -> None:
    provenance = {
        "text": "依据：《甲》（甲令第1号）。信息核对日期：2026年12月1日",
        "sources": [{"url": "https://a.gov.cn/1"}, {"url": None}, {"url": "https://b.gov.cn/2"}],
    }
    assert render.basis(provenance) == provenance["text"] + "\n原文：https://a.gov.cn/1\n原文：https://b.gov.cn/2"
    assert render.checklist_basis([]) == ""
