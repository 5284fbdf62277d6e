"""The 公众号 as a user meets it: backend, action server and Rasa started for real (once for this module),
WeChat's message server played by the simulator client (signing and encrypting in safe mode), WeChat's
API by the local fake, de-duplication and caches in Redis. A proxy in front of the action server can
hold a user's turns back, to make a turn slower than WeChat's 5 seconds."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import secrets
import time
import urllib.parse
import urllib.request
import uuid
from typing import Any, AsyncIterator, Dict, Iterator, List, Optional

import aiohttp
import pytest
from aiohttp import web

from channels.config import WeChatConfig
from channels.wechat_fake_api import FakeServerThread, FakeWeChatApi
from channels.wechat_security import sign
from channels.wechat_sim_client import Delivery, WeChatServerSide
from tests.stack import MODEL, Services

TOKEN = "e2e-wechat-token"
SLOW_SECONDS = 6.0


class SlowActions:
    """A pass-through proxy to the action server that delays the turns of senders named ``slow-*``."""

    def __init__(self, target: str) -> None:
        self.target = target

    async def forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        if json.loads(body or b"{}").get("sender_id", "").startswith("slow-"):
            await asyncio.sleep(SLOW_SECONDS)
        headers = {"Content-Type": "application/json"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.target + request.path, data=body, headers=headers) as answer,
        ):
            return web.Response(body=await answer.read(), status=answer.status, content_type="application/json")

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhook", self.forward)
        return app


class Stack:
    def __init__(self, rasa: str, config: WeChatConfig, fake: FakeWeChatApi) -> None:
        self.rasa, self.config, self.fake = rasa, config, fake
        self.webhook = f"{rasa}/webhooks/wechat/webhook"
        self.wechat = WeChatServerSide(config, self.webhook, fake)

    def user_turns(self, openid: str) -> int:
        query = urllib.parse.urlencode({"token": TOKEN})
        with urllib.request.urlopen(f"{self.rasa}/conversations/{openid}/tracker?{query}", timeout=10) as response:
            return sum(1 for e in json.loads(response.read())["events"] if e["event"] == "user")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test-e2e does)")
    tmp = tmp_path_factory.mktemp("wechat")
    aes_key = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    config = WeChatConfig(
        token=secrets.token_hex(8),
        app_id="wx" + secrets.token_hex(8),
        app_secret=secrets.token_hex(16),
        encoding_aes_key=aes_key,
        api_base="",
        passive_seconds=4.0,
        redis_url=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/12"),
    )
    fake = FakeWeChatApi(str(config.app_id), str(config.app_secret))
    with Services(tmp) as services:
        services.start_backend()
        services.wait_ready()
        slow = SlowActions(services.actions_url)
        with FakeServerThread(fake) as api, FakeServerThread(slow) as proxy:  # type: ignore[arg-type]
            env = {
                **services.bot_env(action_endpoint=f"{proxy.url}/webhook"),
                "WECHAT_TOKEN": config.token,
                "WECHAT_APP_ID": str(config.app_id),
                "WECHAT_APP_SECRET": str(config.app_secret),
                "WECHAT_ENCODING_AES_KEY": aes_key,
                "WECHAT_API_BASE": api.url,
                "REDIS_URL": str(config.redis_url),
            }
            services.start_actions(env)
            services.start_rasa(env, token=TOKEN, also_ready=["/webhooks/wechat/"])
            services.wait_ready()
            yield Stack(services.rasa_url, config, fake)
            services.stop()  # before the fakes it talks to: no error about them in the log checked below
    log = (tmp / "rasa.log").read_text("utf-8", "replace")
    assert "WeChat channel on: safe (encrypted) mode" in log
    for secret in (config.app_secret, aes_key):
        assert str(secret) not in log


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def user() -> str:
    return "o" + uuid.uuid4().hex[:27]  # OpenIDs are 28 characters


def option(reply: str, words: str) -> str:
    """The number of the listed option whose title contains ``words``."""
    match = re.search(rf"^(\d+)\. [^\n]*{re.escape(words)}", reply, re.M)
    assert match, f"no option {words!r} in {reply!r}"
    return match.group(1)


async def answer(stack: Stack, session: aiohttp.ClientSession, openid: str, text: str) -> str:
    return await seen(stack, session, openid, stack.wechat.xml(openid, "text", Content=text))


async def seen(stack: Stack, session: aiohttp.ClientSession, openid: str, xml: str, kind: str = "message") -> str:
    """What the user sees: the passive reply, or (on a busy machine) the 客服消息 pushed after ``success``."""
    before = len(stack.fake.pushes_to(openid))
    delivery = await stack.wechat.deliver(session, xml, kind=kind)
    assert delivery.status == 200 and delivery.seconds < 5.0, delivery
    if delivery.content is not None:
        assert len(delivery.content.encode()) <= 2048
        return delivery.content
    assert delivery.plaintext == "success"
    deadline = time.monotonic() + 60
    while len(stack.fake.pushes_to(openid)) == before and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # a long answer arrives as several pushes
    pushes = stack.fake.pushes_to(openid)[before:]
    assert pushes and all(len(p.text.encode()) <= 2048 for p in pushes)
    return "\n".join(p.text for p in pushes)


async def test_get_verification(stack: Stack) -> None:
    ts, nonce = str(int(time.time())), "12345"
    good = {"signature": sign(stack.config.token, ts, nonce), "timestamp": ts, "nonce": nonce, "echostr": "e-42"}
    with urllib.request.urlopen(f"{stack.webhook}?{urllib.parse.urlencode(good)}", timeout=10) as response:
        assert response.read() == b"e-42"
    bad = {**good, "signature": "0" * 40}
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{stack.webhook}?{urllib.parse.urlencode(bad)}", timeout=10)
    assert refused.value.code == 403


async def test_hotpot_guide_answered_with_digits(stack: Stack, session: aiohttp.ClientSession) -> None:
    me = user()
    first = await answer(stack, session, me, "我想在黔江开一家火锅店，需要办哪些手续")
    assert "开办餐饮店" in first and "您打算以什么形式登记" in first
    reply = await answer(stack, session, me, option(first, "个体工商户"))
    assert "店里是否售卖酒类" in reply
    reply = await answer(stack, session, me, f"第{'一二'[int(option(reply, '不售酒')) - 1]}个")
    assert "经营场所建筑面积" in reply
    reply = await answer(stack, session, me, "200")  # a number question: the digits are the answer
    assert "户外招牌" in reply
    assert option(reply, "设置招牌")
    # Typed free text goes through as is, like a digit.
    reply = await answer(stack, session, me, "要挂招牌")
    assert "本人" in reply
    checklist = await answer(stack, session, me, "选" + option(reply, "本人办理"))
    assert "营业执照" in checklist
    whole = checklist
    for _ in range(50):  # the rest of a long checklist is pushed; under load that takes a while
        whole = checklist + "\n".join(p.text for p in stack.fake.pushes_to(me))
        if "/guide/checklist/catering?" in whole:
            break
        await asyncio.sleep(0.2)
    assert "食品经营许可" in whole and "/guide/checklist/catering?" in whole
    assert stack.user_turns(me) == 6


async def test_appeal_filed_through_wechat(stack: Stack, session: aiohttp.ClientSession) -> None:
    me = user()
    reply = await answer(stack, session, me, "我要反映问题：我们公司的施工许可申请交了一个月没人理")
    assert "审批服务" in reply
    assert "企业" in await answer(stack, session, me, option(reply, "对"))
    assert "联系人" in await answer(stack, session, me, "黔江某某建设有限公司")
    assert "手机号" in await answer(stack, session, me, "王芳")
    assert "统一社会信用代码" in await answer(stack, session, me, "13800138000")
    summary = await answer(stack, session, me, "跳过")
    assert "138****8000" in summary
    filed = await answer(stack, session, me, option(summary, "确认提交"))
    assert re.search(r"QY\d+", filed) and "个工作日内" in filed


async def test_slow_turn_is_pushed_within_quota(stack: Stack, session: aiohttp.ClientSession) -> None:
    me = "slow-" + user()
    delivery = await stack.wechat.say(session, me, "开饭店需要什么证")
    assert delivery.status == 200 and delivery.plaintext == "success" and delivery.seconds < 5.0
    deadline = time.monotonic() + SLOW_SECONDS + 20
    while not stack.fake.pushes_to(me) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
    pushes = stack.fake.pushes_to(me)
    assert 1 <= len(pushes) <= 5
    assert "开办餐饮店" in pushes[0].text or "餐饮" in pushes[0].text
    assert stack.user_turns(me) == 1


async def test_same_msgid_three_times_is_one_turn(stack: Stack, session: aiohttp.ClientSession) -> None:
    me = user()
    xml = stack.wechat.xml(me, "text", msg_id=990000000000000000 + secrets.randbelow(10**12), Content="你好")
    stack.fake.user_acted(me)
    deliveries: List[Delivery] = list(await asyncio.gather(*[stack.wechat.post(session, xml) for _ in range(3)]))
    deliveries.append(await stack.wechat.post(session, xml))
    assert all(d.status == 200 and d.seconds < 5.0 for d in deliveries)
    answers = {d.content for d in deliveries} - {None}
    await asyncio.sleep(1.0)
    pushed = [p.text for p in stack.fake.pushes_to(me)]
    if answers:  # answered passively: the retries repeat that reply, nothing is pushed
        assert len(answers) == 1 and "企业服务智能导办助手" in answers.pop()
        assert pushed == []
    else:  # a busy machine: every try said "success", the one answer came as a push
        deadline = time.monotonic() + 30
        while not stack.fake.pushes_to(me) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        pushed = [p.text for p in stack.fake.pushes_to(me)]
        assert len(pushed) == 1 and "企业服务智能导办助手" in pushed[0]
    assert stack.user_turns(me) == 1


XXE = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>'


@pytest.mark.parametrize(
    ("forge", "status"),
    [
        ({"query": {"signature": "0" * 40}}, 403),
        ({"query": {"msg_signature": "0" * 40}}, 403),
        ({"query": {"timestamp": str(int(time.time()) - 3600)}}, 403),
        ({"body": b"<xml><Encrypt>unclosed"}, 400),
        ({"body": b"<xml>" + b"x" * 70_000 + b"</xml>"}, 400),
        ({"xml": XXE}, 400),
    ],
    ids=["forged-signature", "forged-msg-signature", "stale", "malformed", "oversized", "xxe"],
)
async def test_forged_stale_malformed_requests_are_refused(
    stack: Stack, session: aiohttp.ClientSession, forge: Dict[str, Any], status: int
) -> None:
    me = user()
    xml = forge.get("xml") or stack.wechat.xml(me, "text", Content="我想开一家火锅店")
    timestamp: Optional[str] = forge.get("query", {}).get("timestamp")
    delivery = await stack.wechat.post(
        session, xml, timestamp=timestamp, query_override=forge.get("query"), body_override=forge.get("body")
    )
    assert delivery.status == status
    assert "root:" not in delivery.plaintext
    assert stack.user_turns(me) == 0


async def test_events_voice_and_media(stack: Stack, session: aiohttp.ClientSession) -> None:
    me = user()
    welcome = await seen(stack, session, me, stack.wechat.xml(me, "event", Event="subscribe"), kind="event")
    assert "企业服务智能导办助手" in welcome
    empty_voice = await stack.wechat.deliver(session, stack.wechat.xml(me, "voice", MediaId="m1", Recognition=""))
    assert empty_voice.content and "打字" in empty_voice.content
    voice = await seen(
        stack, session, me, stack.wechat.xml(me, "voice", MediaId="m2", Recognition="我想开一家奶茶店。")
    )
    assert "开办餐饮店" in voice
    image = await stack.wechat.deliver(session, stack.wechat.xml(me, "image", PicUrl="http://x/1.jpg", MediaId="m3"))
    assert image.content and "文字" in image.content
    click = stack.wechat.xml(me, "event", Event="CLICK", EventKey="APPEAL_STATUS", CreateTime=str(int(time.time()) + 1))
    status = await seen(stack, session, me, click, kind="event")
    assert "工单号" in status  # the menu key's intent: check_ticket
    for event in ("unsubscribe", "VIEW", "SCAN"):
        quiet = await stack.wechat.deliver(
            session, stack.wechat.xml(me, "event", Event=event, EventKey="x"), kind="event"
        )
        assert quiet.status == 200 and quiet.plaintext == "success"
