"""The per-turn time budget on the channels' side: the stamp, the REST channel's cut-off, the widget's notice."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from channels import budget
from channels.rest import BudgetedRestInput


def test_budget_defaults_to_three_and_a_half_seconds_and_refuses_what_wechat_cannot_wait() -> None:
    assert budget.budget_seconds({}) == 3.5
    assert budget.budget_seconds({"TURN_BUDGET_SECONDS": "2"}) == 2.0
    for bad in ("abc", "0", "5", "-1"):
        with pytest.raises(budget.BudgetConfigError):
            budget.budget_seconds({"TURN_BUDGET_SECONDS": bad})


def test_the_stamp_is_the_servers_never_the_clients() -> None:
    stamped = budget.stamp({"turn_deadline": 9e12, "display": "第二个"}, 3.5, now=1000.0)
    assert stamped == {"turn_deadline": 1003.5, "display": "第二个"}
    assert budget.stamp(None, 2.0, now=10.0) == {"turn_deadline": 12.0}
    assert budget.stamp("not a mapping", 2.0, now=10.0) == {"turn_deadline": 12.0}  # type: ignore[arg-type]


def test_the_sentences_are_chinese_with_the_deployments_hotline() -> None:
    late = budget.late_text()
    assert "稍后" in late and "12345" in late and "{" not in late
    assert "正在" in budget.still_working_text()


def _message(seconds: float) -> UserMessage:
    return UserMessage(
        "我想开饭店",
        CollectingOutputChannel(),
        "budget-user",
        metadata=budget.stamp(None, seconds),
        input_channel="rest",
    )


async def _say(message: UserMessage, text: str) -> None:
    assert message.output_channel is not None
    await message.output_channel.send_response(message.sender_id, {"text": text})


def _texts(message: UserMessage) -> List[str]:
    assert isinstance(message.output_channel, CollectingOutputChannel)
    return [m["text"] for m in message.output_channel.messages]


async def test_a_turn_within_its_budget_is_answered_with_what_it_said() -> None:
    message = _message(2.0)

    async def turn(m: UserMessage) -> None:
        await _say(m, "请问您要办什么事？")

    await BudgetedRestInput(2.0).answer(message, turn)
    assert _texts(message) == ["请问您要办什么事？"]


async def test_a_turn_past_its_budget_is_answered_at_the_deadline_and_still_finishes() -> None:
    message = _message(0.5)
    finished = asyncio.Event()

    async def slow_turn(m: UserMessage) -> None:
        await asyncio.sleep(2.0)  # a slow action server
        await _say(m, "迟到的答复")
        finished.set()

    channel = BudgetedRestInput(0.5)
    started = time.monotonic()
    await channel.answer(message, slow_turn)
    answered_after = time.monotonic() - started
    assert _texts(message) == [channel.late]
    assert answered_after < 1.9  # answered before the turn ended, not after it
    await asyncio.wait_for(finished.wait(), timeout=10)  # never cancelled: the tracker gets the whole turn
    assert _texts(message) == [channel.late]  # what came late is not added to an answer already sent


async def test_what_a_late_turn_said_before_the_deadline_is_kept() -> None:
    message = _message(0.5)

    async def half_turn(m: UserMessage) -> None:
        await _say(m, "好的，为您办理「开饭店」。")
        await asyncio.sleep(2.0)
        await _say(m, "下一个问题")

    await BudgetedRestInput(0.5).answer(message, half_turn)
    assert _texts(message) == ["好的，为您办理「开饭店」。"]


async def test_a_turn_that_says_nothing_or_fails_gets_a_sentence_not_silence() -> None:
    async def silent(m: UserMessage) -> None:
        return None

    async def broken(m: UserMessage) -> None:
        raise RuntimeError("action server refused")

    for turn in (silent, broken):
        message = _message(2.0)
        channel = BudgetedRestInput(2.0)
        await channel.answer(message, turn)
        assert _texts(message) == [channel.late]


async def test_answer_within_reports_lateness_and_calls_on_late_once() -> None:
    calls: Dict[str, Any] = {"late": 0}

    async def late() -> None:
        calls["late"] += 1

    assert await budget.answer_within(asyncio.sleep(0.01), time.time() + 2, late) is True
    assert await budget.answer_within(asyncio.sleep(1.0), time.time() + 0.1, late) is False
    assert calls["late"] == 1


async def test_sending_the_same_message_again_gets_the_late_answer_not_a_second_turn() -> None:
    channel = BudgetedRestInput(0.5)
    turns: List[str] = []

    async def confirm(m: UserMessage) -> None:
        turns.append(m.text or "")
        await asyncio.sleep(1.0)  # late: the action server was slow
        await m.output_channel.send_response(m.sender_id, {"text": "您的诉求已保存，查询码 CX23456789"})  # type: ignore[union-attr]

    first = _message(0.5)
    first.text = "确认提交"
    await channel.answer(first, confirm)
    assert _texts(first) == [channel.late]
    await asyncio.sleep(1.2)  # the late turn has finished in the background
    again = _message(2.0)
    again.text = "确认提交"
    await channel.answer(again, confirm)
    assert _texts(again) == [channel.late_answer_heading, "您的诉求已保存，查询码 CX23456789"]
    assert turns == ["确认提交"]  # confirmed once


async def test_another_message_gets_the_late_answer_first_then_its_own() -> None:
    channel = BudgetedRestInput(0.5)

    async def slow(m: UserMessage) -> None:
        await asyncio.sleep(0.8)
        await _say(m, "迟到的清单")

    async def quick(m: UserMessage) -> None:
        await _say(m, "好的")

    await channel.answer(_message(0.5), slow)
    await asyncio.sleep(1.0)
    nxt = _message(2.0)
    nxt.text = "谢谢"
    await channel.answer(nxt, quick)
    assert _texts(nxt) == [channel.late_answer_heading, "迟到的清单", "好的"]
    later = _message(2.0)
    later.text = "谢谢"
    await channel.answer(later, quick)
    assert _texts(later) == ["好的"]  # given once


async def test_the_same_message_while_the_late_turn_still_runs_waits_and_is_not_run_twice() -> None:
    channel = BudgetedRestInput(0.3)
    runs: List[int] = []

    async def hung(m: UserMessage) -> None:
        runs.append(1)
        await asyncio.sleep(3.0)

    await channel.answer(_message(0.3), hung)
    again = _message(0.3)
    await channel.answer(again, hung)
    assert _texts(again) == [channel.late] and runs == [1]


async def test_a_late_turn_that_failed_lets_the_same_message_run_again() -> None:
    channel = BudgetedRestInput(0.3)

    async def failing(m: UserMessage) -> None:
        await asyncio.sleep(0.5)
        raise RuntimeError("action server gone")

    async def working(m: UserMessage) -> None:
        await _say(m, "请问您要办什么事？")

    await channel.answer(_message(0.3), failing)
    await asyncio.sleep(0.8)
    again = _message(2.0)
    await channel.answer(again, working)
    assert _texts(again) == ["请问您要办什么事？"]
