"""The product as a user meets it: backend, action server and Rasa started for real,
spoken to over the REST channel with the trained model in models/."""

from __future__ import annotations

import json
import random
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Dict, Iterator, List

import pytest

from tests.stack import BIN as BIN  # re-exported: test_replicas.py imports BIN, MODEL, TOKEN, _start from here
from tests.stack import MODEL, ROOT, Services, spawn, throwaway_stores

TOKEN = "e2e-test-token"
_start = spawn


def production_stores() -> AbstractContextManager[Dict[str, str]]:
    """A throw-away PostgreSQL database for the tracker store, and Redis for the lock store."""
    return throwaway_stores("guide_e2e", redis_lock_db="5")


@pytest.fixture(scope="module", params=["endpoints.yml", "endpoints.production.yml"])
def rasa_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Once with the default stores (SQLite tracker), once with PostgreSQL + Redis."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test-e2e does)")
    tmp = tmp_path_factory.mktemp("e2e")
    stores = production_stores() if request.param == "endpoints.production.yml" else nullcontext({})
    with stores as store_env, Services(tmp) as services:
        services.start_backend()
        services.wait_ready()
        # the SQLite outbox in tmp, whatever a developer's .env says
        env = {**services.bot_env(), "DATABASE_URL": "", **store_env}
        services.start_actions(env)
        # Rasa runs in tmp: endpoints.yml keeps its SQLite tracker store in .data/ there, as `make run` does
        services.start_rasa(env, token=TOKEN, endpoints=ROOT / request.param)
        services.wait_ready()
        yield services.rasa_url


def _post(url: str, body: Any) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


SHOWN: List[str] = []
"""Every bot text a user saw in this module, checked at the end for internal identifiers."""


def reply(rasa_url: str, sender: str, message: str) -> List[Dict[str, Any]]:
    replies = _post(f"{rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": message})
    SHOWN.extend(r.get("text", "") for r in replies)
    SHOWN.extend(b.get("title", "") for r in replies for b in r.get("buttons") or [])
    return replies


def say(rasa_url: str, sender: str, message: str) -> str:
    return "\n".join(r.get("text", "") for r in reply(rasa_url, sender, message))


def test_hotpot_restaurant_from_first_sentence_to_printable_checklist(rasa_url: str) -> None:
    first = say(rasa_url, "hotpot", "我想在黔江开一家火锅店，需要办哪些手续")
    assert "开办餐饮店" in first
    assert "您打算以什么形式登记" in first  # 火锅 already answered 现场制作; 登记形式 is asked
    assert "店里是否售卖酒类" in say(rasa_url, "hotpot", "个体户")
    assert "经营场所建筑面积" in say(rasa_url, "hotpot", "不卖酒")
    assert "户外招牌" in say(rasa_url, "hotpot", "大概两百平米")
    assert "本人" in say(rasa_url, "hotpot", "要挂招牌")
    checklist = say(rasa_url, "hotpot", "本人办")
    assert "营业执照" in checklist
    assert "食品经营许可" in checklist
    link = next(word for word in checklist.split() if "/guide/checklist/catering?" in word)
    with urllib.request.urlopen(link, timeout=10) as page:
        html = page.read().decode()
    assert "一次性告知单" in html and "食品经营许可申请书" in html

    corrected = say(rasa_url, "hotpot", "不对，是有售酒的")
    assert "是，售酒" in corrected
    assert "sells_alcohol=true" in corrected

    # The whole conversation is in the tracker store (a store that silently fails would
    # start every message afresh and still answer the first one).
    tracker_url = f"{rasa_url}/conversations/hotpot/tracker?{urllib.parse.urlencode({'token': TOKEN})}"
    with urllib.request.urlopen(tracker_url, timeout=10) as response:
        events = json.loads(response.read())["events"]
    assert sum(1 for e in events if e["event"] == "user") == 7


def test_appeal_is_filed_and_its_status_looked_up(rasa_url: str) -> None:
    first = say(rasa_url, "appeal", "我要反映问题：我们公司的施工许可申请交了一个月没人理")
    assert "审批服务" in first  # the category inferred from the description, to confirm
    assert "企业" in say(rasa_url, "appeal", "对")
    assert "联系人" in say(rasa_url, "appeal", "黔江某某建设有限公司")
    assert "手机号" in say(rasa_url, "appeal", "王芳")
    assert "不是有效的手机号码" in say(rasa_url, "appeal", "12345")
    assert "统一社会信用代码" in say(rasa_url, "appeal", "13800138000")
    summary = say(rasa_url, "appeal", "跳过")
    assert "138****8000" in summary and "确认" in summary
    filed = say(rasa_url, "appeal", "确认提交")
    number = next(word for word in filed.replace("。", " ").replace("：", " ").split() if word.startswith("QY"))
    assert "个工作日内" in filed
    assert "后四位" in say(rasa_url, "lookup", f"查一下我的诉求进度，工单号{number}")
    status = say(rasa_url, "lookup", "8000")
    assert number in status and "已受理" in status


def _tracker_events(rasa_url: str, sender: str) -> List[Dict[str, Any]]:
    query = urllib.parse.urlencode({"token": TOKEN})
    with urllib.request.urlopen(f"{rasa_url}/conversations/{sender}/tracker?{query}", timeout=10) as response:
        return json.loads(response.read())["events"]


def test_a_long_conversation_starts_new_sessions_and_the_user_notices_nothing(rasa_url: str) -> None:
    """Past SESSION_MAX_EVENTS (200) a new session starts at the next message: slots carry over, no form is cut."""
    sender = f"long-{uuid.uuid4().hex[:8]}"
    for message, expected in (
        ("我要反映问题：我们公司的施工许可申请交了一个月没人理", "审批服务"),
        ("对", "企业"),
        ("黔江某某建设有限公司", "联系人"),
        ("王芳", "手机号"),
        ("13800138000", "统一社会信用代码"),
        ("跳过", "确认"),
    ):
        assert expected in say(rasa_url, sender, message), message
    filed = say(rasa_url, sender, "确认提交")
    number = next(word for word in filed.replace("。", " ").replace("：", " ").split() if word.startswith("QY"))
    restarted = 0
    for _round in range(12):
        assert "您打算以什么形式登记" in say(rasa_url, sender, "我想在黔江开一家火锅店，需要办哪些手续")
        for message, expected in (
            ("个体户", "售卖酒类"),
            ("不卖酒", "建筑面积"),
            ("大概两百平米", "招牌"),
            ("要挂招牌", "本人"),
        ):
            assert expected in say(rasa_url, sender, message), message  # never cut half-way through the form
        assert "/guide/checklist/catering?" in say(rasa_url, sender, "本人办")
        events = _tracker_events(rasa_url, sender)
        restarted = sum(1 for e in events if e["event"] == "session_started")
        if restarted >= 3:  # the first session and two started for length
            break
    assert restarted >= 3, "no session was started for length"
    # What was carried into the new session: the ticket the user filed in the first one.
    assert "后四位" in say(rasa_url, sender, "查一下我的诉求进度")
    status = say(rasa_url, sender, "8000")
    assert number in status and "已受理" in status


def test_small_business_tax_policies_then_how_to_apply(rasa_url: str) -> None:
    reply = say(rasa_url, "policy", "我们是小微企业，有什么税收优惠政策")
    for _ in range(3):  # at most three questions, each answered with its first option
        if "为您找到" in reply:
            break
        reply = say(rasa_url, "policy", "1")
    assert "为您找到" in reply and "已截止" not in reply
    detail = say(rasa_url, "policy", "第一个怎么申报")
    assert "申报材料" in detail and "申报渠道" in detail
    link = next(word for word in detail.split() if "/policies/" in word and "http" in word)
    link = link[link.index("http") :]
    with urllib.request.urlopen(link, timeout=10) as page:
        assert "申报指南" in page.read().decode()


def test_traditional_characters_are_understood(rasa_url: str) -> None:
    assert "开药店" in say(rasa_url, "tw", "我想開個藥店要辦什麼手續")


def test_uncovered_business_gets_an_honest_answer_and_a_contact(rasa_url: str) -> None:
    reply = say(rasa_url, "funeral", "我想开个殡葬服务公司要办什么手续")
    assert "暂未收录" in reply and "殡葬服务" in reply
    assert "023-79242258" in reply


def test_stop_in_the_middle(rasa_url: str) -> None:
    say(rasa_url, "stopper", "开饭店需要什么证")
    assert "已结束本次导办" in say(rasa_url, "stopper", "不办了")


def test_contact_question(rasa_url: str) -> None:
    reply = say(rasa_url, "contact", "市场监管局电话多少")
    assert "市场监督管理局" in reply and "办公时间" in reply


@pytest.mark.parametrize(
    "message", ["", "😀😀", "a" * 10_000, "'; DROP TABLE events; --", "<script>alert(1)</script>", "hello"]
)
def test_bad_input_gets_an_answer(rasa_url: str, message: str) -> None:
    replies = _post(f"{rasa_url}/webhooks/rest/webhook", {"sender": "bad-input", "message": message})
    assert isinstance(replies, list)
    if message.strip():
        assert replies and all(r.get("text") for r in replies)


def test_http_api_needs_the_token(rasa_url: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as denied:
        _post(f"{rasa_url}/model/parse", {"text": "你好"})
    assert denied.value.code == 401
    parsed = _post(f"{rasa_url}/model/parse?{urllib.parse.urlencode({'token': TOKEN})}", {"text": "我想开一家奶茶店"})
    assert parsed["intent"]["name"] == "ask_guide"


def _buttons(replies: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    return [b for r in replies for b in r.get("buttons") or [] if b["payload"] not in ("/stop", "/deny")]


def test_a_user_who_only_clicks_finishes_every_bundle(rasa_url: str) -> None:
    """Seeded random clicks from the list of every bundle to its checklist link, for every bundle."""
    rng = random.Random(20261201)
    menu = reply(rasa_url, "clicker-menu", "我想办事")
    bundles = _buttons(menu)
    assert len(bundles) >= 20
    for n, bundle in enumerate(bundles):
        sender = f"clicker-{n}"
        reply(rasa_url, sender, "我想办事")
        replies = reply(rasa_url, sender, bundle["payload"])
        for _turn in range(25):
            text = "\n".join(r.get("text", "") for r in replies)
            if "/guide/checklist/" in text:
                break
            offered = _buttons(replies)
            assert offered or "回复数字" in text, (bundle["title"], text)
            replies = reply(rasa_url, sender, rng.choice(offered)["payload"] if offered else "150")
        else:
            pytest.fail(f"{bundle['title']}: no checklist after 25 clicks")
        assert "抱歉" not in text and "没能理解" not in text


def test_a_question_about_one_licence_answers_it_first(rasa_url: str) -> None:
    replies = reply(rasa_url, "matter", "办食品经营许可证要多久")
    first = replies[0]["text"]
    assert first.startswith("「食品经营许可") and "法定办结时限" in first
    text = "\n".join(r.get("text", "") for r in replies)
    link = next(word for word in text.split() if "/guide/matter/food_business_license" in word)
    with urllib.request.urlopen(link[link.index("http") :], timeout=10) as page:
        assert "办事指南" in page.read().decode()
    offer = _buttons(replies)
    assert offer and offer[0]["title"] == "要，一起列出来"
    assert "开办餐饮店" in say(rasa_url, "matter", "要")


@pytest.mark.parametrize("message", ["稳刚返还需要什么条件", "創業擔保貸款有貼息嗎"])
def test_policies_named_with_typos_or_traditional_characters(rasa_url: str, message: str) -> None:
    text = say(rasa_url, f"named-{message}", message)
    assert "【" in text or "已经到期" in text, text
    assert "请问" not in text.split("\n")[0]  # not the matching questionnaire


def test_asking_for_a_person_is_answered_honestly(rasa_url: str) -> None:
    replies = reply(rasa_url, "human", "转人工")
    text = replies[0]["text"]
    assert "正在为您转接" not in text and "023-79242258" in text
    assert [b["payload"] for b in replies[0]["buttons"]] == ["/file_appeal", "/deny"]


IDENTIFIER = re.compile(r"[a-z_]{3,}")
URL = re.compile(r"https?://\S+")


def test_zz_no_internal_identifier_reached_a_user() -> None:
    """Field ids ("rd_activity", "industry") never reach a user: everything is shown by its Chinese label."""
    assert SHOWN, "no bot message was recorded"
    leaks = {m for text in SHOWN for m in IDENTIFIER.findall(URL.sub("", text))}  # "LPR" in a policy is fine
    allowed = {"hello", "script", "alert", "drop", "table", "events"}  # the user's own bad input, echoed as topic
    assert leaks - allowed == set(), leaks
