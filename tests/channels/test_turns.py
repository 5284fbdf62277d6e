"""The conductor with a stand-in dialogue engine: passive vs push, de-duplication, quota, digits."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List

import pytest
from rasa.core.channels.channel import UserMessage

from channels.wechat_api import WeChatApi
from channels.wechat_fake_api import FakeServerThread
from channels.wechat_render import Option, Outgoing
from channels.wechat_store import Store
from channels.wechat_texts import texts_from
from channels.wechat_turns import EVENT_QUOTA, MESSAGE_QUOTA, Conductor, Inbound
from tests.channels.conftest import make_config

TEXTS = texts_from(None)


class Engine:
    """Answers like Rasa does through the output channel; ``delay`` makes a turn slow."""

    def __init__(self, replies: List[Dict[str, Any]], delay: float = 0.0) -> None:
        self.replies, self.delay, self.received = replies, delay, []  # type: ignore[var-annotated]

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message.text)
        await asyncio.sleep(self.delay)
        for reply in self.replies:
            await message.output_channel.send_response(message.sender_id, dict(reply))


@pytest.fixture
async def conductor(fake_api: FakeServerThread, store: Store, prefix: str):  # type: ignore[no-untyped-def]
    config = make_config(fake_api.url, passive=0.5)
    api = WeChatApi(config, store, key_prefix=prefix)
    yield Conductor(config, store, api, prefix=prefix)
    await api.close()


def inbound(openid: str, key: str, text: str, quota: tuple = MESSAGE_QUOTA) -> Inbound:
    return Inbound(openid, key, text=text, quota=quota)


async def test_fast_turn_is_answered_passively(conductor: Conductor, fake_api: FakeServerThread) -> None:
    engine = Engine([{"text": "您好！"}])
    outcome = await conductor.handle(inbound("o1", "m1", "你好"), engine, TEXTS)
    assert outcome.message == Outgoing(text="您好！")
    await conductor.drain()
    assert fake_api.fake.pushes_to("o1") == []


async def test_slow_turn_says_success_then_pushes(conductor: Conductor, fake_api: FakeServerThread) -> None:
    fake_api.fake.user_acted("o2")
    engine = Engine([{"text": "清单如下"}], delay=0.8)
    outcome = await conductor.handle(inbound("o2", "m2", "开火锅店"), engine, TEXTS)
    assert outcome.message is None  # "success"
    await conductor.drain()
    assert [p.text for p in fake_api.fake.pushes_to("o2")] == ["清单如下"]


async def test_three_deliveries_of_one_message_make_one_turn(conductor: Conductor) -> None:
    engine = Engine([{"text": "答复"}], delay=0.1)
    outcomes = await asyncio.gather(*[conductor.handle(inbound("o3", "m3", "问"), engine, TEXTS) for _ in range(3)])
    assert engine.received == ["问"]
    assert [o.message for o in outcomes] == [Outgoing(text="答复")] * 3  # the retries repeat the reply
    later = await conductor.handle(inbound("o3", "m3", "问"), engine, TEXTS)
    assert later.message == Outgoing(text="答复") and engine.received == ["问"]


async def test_retry_of_a_pushed_answer_says_success(conductor: Conductor, fake_api: FakeServerThread) -> None:
    fake_api.fake.user_acted("o4")
    engine = Engine([{"text": "慢答复"}], delay=0.8)
    first = await conductor.handle(inbound("o4", "m4", "问"), engine, TEXTS)
    retry = await conductor.handle(inbound("o4", "m4", "问"), engine, TEXTS)
    assert first.message is None and retry.message is None
    await conductor.drain()
    assert engine.received == ["问"] and len(fake_api.fake.pushes_to("o4")) == 1


async def test_long_slow_answer_is_packed_within_the_quota(conductor: Conductor, fake_api: FakeServerThread) -> None:
    fake_api.fake.user_acted("o5")
    lines = [f"第{i}项材料：营业执照、食品经营许可证、场所证明、健康证明" for i in range(400)]
    engine = Engine([{"text": "\n".join(lines) + "\n完整清单：https://gov.example/checklist/1"}], delay=0.8)
    await conductor.handle(inbound("o5", "m5", "清单"), engine, TEXTS)
    await conductor.drain()
    pushes = fake_api.fake.pushes_to("o5")
    assert len(pushes) == 5
    assert all(len(p.text.encode()) <= 2048 for p in pushes)
    assert "https://gov.example/checklist/1" in pushes[-1].text


async def test_menu_click_has_only_three_pushes(conductor: Conductor, fake_api: FakeServerThread) -> None:
    fake_api.fake.user_acted("o6", "event")
    engine = Engine([{"text": "\n".join(["政策说明" * 60] * 40)}], delay=0.8)
    await conductor.handle(inbound("o6", "e6", "/ask_policy", quota=EVENT_QUOTA), engine, TEXTS)
    await conductor.drain()
    assert len(fake_api.fake.pushes_to("o6")) == 3


async def test_passive_first_chunk_then_the_rest_pushed(conductor: Conductor, fake_api: FakeServerThread) -> None:
    fake_api.fake.user_acted("o7")
    engine = Engine([{"text": "\n".join(["说明" * 100] * 12)}])
    outcome = await conductor.handle(inbound("o7", "m7", "问"), engine, TEXTS)
    assert outcome.message is not None and len(outcome.message.text.encode()) <= 2048
    answered = time.time()
    await conductor.drain()
    pushes = fake_api.fake.pushes_to("o7")
    assert len(pushes) >= 1
    assert pushes[0].at - answered >= 0.9  # the rest waits until the passive reply has been delivered


async def test_digits_map_to_the_last_offered_payloads(conductor: Conductor) -> None:
    buttons = [
        {"title": "个体户", "payload": '/inform{"answer_id":"a1"}'},
        {"title": "公司", "payload": '/choose{"option":"c"}'},
    ]
    await conductor.handle(inbound("o8", "m8a", "开店"), Engine([{"text": "形式？", "buttons": buttons}]), TEXTS)
    assert await conductor.options("o8") == [
        Option("个体户", '/inform{"answer_id":"a1"}'),
        Option("公司", '/choose{"option":"c"}'),
    ]
    assert await conductor.resolve_choice("o8", "第二个") == '/choose{"option":"c"}'
    assert await conductor.resolve_choice("o8", "3") == "3"
    assert await conductor.resolve_choice("o8", "公司") == "公司"
    await conductor.handle(inbound("o8", "m8b", "2"), Engine([{"text": "面积多少平方米？"}]), TEXTS)
    assert await conductor.resolve_choice("o8", "2") == "2"  # no list offered any more: a number is a number


async def test_failing_turn_gets_an_apology(conductor: Conductor) -> None:
    async def broken(message: UserMessage) -> None:
        raise RuntimeError("tracker store down")

    outcome = await conductor.handle(inbound("o9", "m9", "问"), broken, TEXTS)
    assert outcome.message == Outgoing(text=TEXTS.failed)


async def test_without_app_credentials_one_passive_message_carries_the_link(store: Store, prefix: str) -> None:
    config = make_config(passive=0.5, app=False)
    conductor = Conductor(config, store, None, prefix=prefix)
    engine = Engine([{"text": "\n".join(["材料" * 300] * 6) + "\nhttps://gov.example/c"}])
    outcome = await conductor.handle(inbound("o10", "m10", "问"), engine, TEXTS)
    assert outcome.message is not None and "https://gov.example/c" in outcome.message.text


async def test_a_turn_without_any_answer_is_not_silence(conductor: Conductor) -> None:
    outcome = await conductor.handle(inbound("o11", "m11", "问"), Engine([]), TEXTS)
    assert outcome.message == Outgoing(text=TEXTS.failed)


@pytest.mark.parametrize("errcode", [45047, 45015, 40001])
async def test_refused_pushes_stop_cleanly(
    conductor: Conductor, fake_api: FakeServerThread, errcode: int, caplog: pytest.LogCaptureFixture
) -> None:
    fake_api.fake.user_acted("o-refused")
    fake_api.fake.fail_next(errcode, times=2)  # 40001 twice: the refreshed token is refused too
    engine = Engine(
        [{"text": "第一段"}, {"custom": {"news": {"title": "告知单", "url": "https://gov.example/c"}}}], delay=0.8
    )
    outcome = await conductor.handle(inbound("o-refused", "m-refused", "问"), engine, TEXTS)
    assert outcome.message is None
    await conductor.drain()
    assert fake_api.fake.pushes_to("o-refused") == []
    assert "o-refused" not in caplog.text  # the OpenID is logged as a hash only
    assert f"errcode={errcode}" in caplog.text or f"errcode {errcode}" in caplog.text
