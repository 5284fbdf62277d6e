"""Understanding on sentences the model never saw (a held-out set), with the trained model."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import List, Tuple

import pytest

from tests.stack import ROOT

MODEL = ROOT / "models" / "current.tar.gz"
MIN_ACCURACY = 0.85

HELD_OUT: List[Tuple[str, str]] = [
    ("想在城南开个冒菜馆，要跑哪些部门", "ask_guide"),
    ("开一家蛋糕店需要办什么证照", "ask_guide"),
    ("我打算搞个民宿，手续怎么弄", "ask_guide"),
    ("开個診所要什麼手續", "ask_guide"),
    ("注销一个个体户要带什么", "ask_guide"),
    ("物流公司买了几台冷藏车要办啥", "ask_guide"),
    ("企业名称变更怎么办理", "ask_guide"),
    ("有没有针对小微企业的补贴", "ask_policy"),
    ("招了几个大学生能领补贴吗", "ask_policy"),
    ("贷款贴息政策有哪些", "ask_policy"),
    ("研发费用加计扣除怎么弄", "ask_policy"),
    ("高新企业有啥优惠", "ask_policy"),
    ("第二个要带哪些材料", "ask_policy_detail"),
    ("这个政策什么时候截止申报", "ask_policy_detail"),
    ("第一个找哪个部门咨询", "ask_policy_detail"),
    ("我要投诉窗口人员", "file_appeal"),
    ("厂里停电一周了没人管", "file_appeal"),
    ("补贴批了半年还没到账，想反映一下", "file_appeal"),
    ("我上周提的诉求办得怎样了", "check_ticket"),
    ("帮我查查工单进度", "check_ticket"),
    ("给我转个人工", "request_human"),
    ("我想跟真人说", "request_human"),
    ("税务局几点下班", "ask_contact"),
    ("市场监管局的窗口在哪栋楼", "ask_contact"),
    ("你好啊", "greet"),
    ("多谢帮忙", "thank"),
    ("好的拜拜", "goodbye"),
    ("你是不是机器人", "bot_challenge"),
    ("算了不弄了", "stop"),
    ("不对，我们没有户外招牌", "correct"),
    ("今天股市怎么样", "out_of_scope"),
]


@pytest.fixture(scope="module")
def parse():  # type: ignore[no-untyped-def]
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    from rasa.core.agent import Agent

    agent = Agent.load(str(MODEL))
    loop = asyncio.new_event_loop()
    yield lambda text: loop.run_until_complete(agent.parse_message(text))
    loop.close()


def test_held_out_intent_accuracy(parse) -> None:  # type: ignore[no-untyped-def]
    errors = []
    for text, expected in HELD_OUT:
        predicted = parse(text)["intent"]["name"]
        if predicted != expected:
            errors.append((text, expected, predicted))
    accuracy = 1 - len(errors) / len(HELD_OUT)
    print(f"held-out intent accuracy: {accuracy:.2%} ({len(HELD_OUT) - len(errors)}/{len(HELD_OUT)})")
    for text, expected, predicted in errors:
        print(f"  {text!r}: expected {expected}, got {predicted}")
    assert accuracy >= MIN_ACCURACY, Counter(e[1] for e in errors)


def test_entities_of_the_profile(parse) -> None:  # type: ignore[no-untyped-def]
    entities = {e["entity"]: e["value"] for e in parse("我们是做餐饮的小微企业，有什么补贴")["entities"]}
    assert entities.get("company_scale") == "小微企业"
    ticket = {e["entity"]: e["value"] for e in parse("查询工单QY202611220001的进度")["entities"]}
    assert ticket.get("ticket_id") == "QY202611220001"
