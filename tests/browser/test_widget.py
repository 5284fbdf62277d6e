"""The web widget in Debian's Chromium against the real backend, action server and Rasa (webchat channel).

Every test opens /chat in a fresh browser context (its own localStorage: a new conversation).
Screenshots: results/screenshots/widget-*.png.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import urllib.request
from typing import Any, Dict, List

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.widget_stack import RASA_TOKEN, Stack, widget_stack_fixture  # noqa: F401 - a fixture

TIMEOUT_MS = 60_000


@pytest.fixture
def stack(widget_stack: Stack) -> Stack:
    return widget_stack


@pytest.fixture
def chat(stack: Stack, context: BrowserContext) -> Page:
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(stack.backend + "/chat")
    expect(page.locator(".welcome")).to_be_visible()
    return page


def bot_messages(page: Page) -> Locator:
    return page.locator(".msg.bot:not(.welcome)")


def send(page: Page, text: str) -> None:
    page.get_by_label("输入消息，按回车发送，Shift+回车换行").fill(text)
    page.keyboard.press("Enter")


def wait_for_answer(page: Page, before: int) -> None:
    """Until the bot answered (more bot messages than ``before``) and stopped typing."""
    try:
        _wait_for_answer(page, before)
    except Exception:
        screenshot(page, "widget-timeout")  # what the user saw when the answer did not come
        raise


def _wait_for_answer(page: Page, before: int) -> None:
    page.wait_for_function(
        """(before) => { const root = document.querySelector('zwfw-webchat').shadowRoot;
            return root.querySelectorAll('.msg.bot:not(.welcome)').length > before
                && root.querySelector('.typing').hidden && !root.querySelector('.msg.pending'); }""",
        arg=before,
    )


def tracker_user_texts(stack: Stack, conversation_id: str) -> List[Dict[str, Any]]:
    url = f"{stack.rasa}/conversations/{conversation_id}/tracker?token={RASA_TOKEN}"
    with urllib.request.urlopen(url, timeout=10) as response:
        events = json.loads(response.read())["events"]
    return [e for e in events if e["event"] == "user"]


def conversation_id(page: Page) -> str:
    token = page.evaluate("() => Object.entries(localStorage).find(([k]) => k.endsWith(':session'))[1]")
    return str(token).split(".")[0]


def serious_violations(page: Page) -> List[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_hotpot_guide_by_clicks_to_the_checklist_card_its_page_and_a_rating(
    stack: Stack, chat: Page, context: BrowserContext
) -> None:
    send(chat, "我想在黔江开一家火锅店，需要办哪些手续")
    for _ in range(8):
        wait_for_answer(chat, 0)
        if chat.locator(".card-checklist").count():
            break
        before = bot_messages(chat).count()
        choices = chat.locator(".msg.bot .choices button:not([disabled])")
        if choices.count():
            pressed = chat.locator('.choices button[aria-pressed="true"]')
            already = pressed.count()
            choices.first.click()
            expect(pressed).to_have_count(already + 1)
            expect(pressed.nth(already)).to_be_disabled()  # a used button cannot be pressed twice
        else:  # the area question has no buttons: a number
            send(chat, "200")
        wait_for_answer(chat, before)
    card = chat.locator(".card-checklist")
    expect(card).to_be_visible()
    card.scroll_into_view_if_needed()
    expect(card.locator("h3")).to_have_text("开办餐饮店“一件事”")
    figures = card.locator(".card-figures").inner_text()
    assert re.fullmatch(r"\d+ 个事项 · \d+ 种材料", figures.strip()), figures
    expect(card.locator("ol li").first).to_contain_text("个体工商户设立登记")
    # No button of the finished questions is still usable.
    assert chat.locator(".msg.bot .choices button:not([disabled])").count() == 0
    screenshot(chat, "widget-checklist-card")
    chat.locator(".panel").screenshot(path=str(SCREENSHOTS / "widget-panel-card.png"))

    link = card.get_by_role("link", name="打开 / 打印告知单")
    expect(link).to_have_attribute("target", "_blank")
    with context.expect_page() as opened:
        link.click()
    checklist = opened.value
    checklist.wait_for_load_state()
    expect(checklist.locator("body")).to_contain_text("一次性告知单")
    expect(checklist.locator("body")).to_contain_text("食品经营许可")
    checklist.close()

    assert serious_violations(chat) == []
    chat.get_by_role("button", name="大字模式").click()
    assert serious_violations(chat) == []
    chat.get_by_role("button", name="大字模式").click()

    # 好差评: 不满意 is stored with the conversation and offers an appeal.
    rating = chat.locator("form.rating")
    rating.get_by_text("不满意", exact=True).click()
    rating.get_by_label("意见建议（选填）").fill("材料太多，希望能再简化")
    rating.get_by_role("button", name="提交评价").click()
    expect(rating.locator(".rating-status")).to_have_text("感谢您的评价！")
    with sqlite3.connect(stack.backend_db) as db:
        rows = db.execute(
            "SELECT score, context, comment, channel, ticket_number FROM ratings WHERE conversation_id = ?",
            (conversation_id(chat),),
        ).fetchall()
    assert rows == [(2, "checklist", "材料太多，希望能再简化", "web", None)]
    screenshot(chat, "widget-rating")
    before = bot_messages(chat).count()
    rating.get_by_role("button", name="我要反映问题").click()
    wait_for_answer(chat, before)
    assert "file_appeal" in [
        e["parse_data"]["intent"]["name"] for e in tracker_user_texts(stack, conversation_id(chat))
    ]


def test_reload_and_a_second_tab_show_the_same_conversation(stack: Stack, chat: Page, context: BrowserContext) -> None:
    send(chat, "你好")
    wait_for_answer(chat, 0)
    send(chat, "食品经营许可证要多久")
    wait_for_answer(chat, 1)
    texts = chat.locator(".msg:not(.welcome) .bubble").all_inner_texts()
    assert "你好" in texts and "食品经营许可证要多久" in texts
    chat.reload()
    expect(chat.locator(".msg.user")).to_have_count(2)
    assert chat.locator(".msg:not(.welcome) .bubble").all_inner_texts() == texts
    assert chat.locator(".welcome").count() == 0
    screenshot(chat, "widget-after-reload")

    other = context.new_page()
    other.set_default_timeout(TIMEOUT_MS)
    other.goto(stack.backend + "/chat")
    expect(other.locator(".msg.user")).to_have_count(2)
    before = bot_messages(chat).count()
    send(other, "谢谢")
    wait_for_answer(chat, before)  # the first tab gets the message and the answer too
    expect(chat.locator(".msg.user").last).to_have_text("谢谢")
    other.close()

    chat.get_by_role("button", name="新对话").click()
    expect(chat.locator(".welcome")).to_be_visible()
    expect(chat.locator(".msg.user")).to_have_count(0)


def test_enter_while_an_ime_composes_does_not_send(stack: Stack, chat: Page) -> None:
    box = chat.get_by_label("输入消息，按回车发送，Shift+回车换行")
    send_button = chat.get_by_role("button", name="发送", exact=True)
    box.focus()
    box.dispatch_event("compositionstart")
    box.fill("kai nai cha dian")
    expect(send_button).to_be_disabled()
    chat.keyboard.press("Enter")
    box.evaluate(
        "(el) => el.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', isComposing: true, bubbles: true}))"
    )
    chat.wait_for_timeout(500)
    assert chat.locator(".msg.user").count() == 0
    box.fill("开奶茶店要办哪些证")
    box.dispatch_event("compositionend")
    expect(send_button).to_be_enabled()
    # A keydown the IME reports as composing (keyCode 229) is still not a send, even after compositionend.
    box.evaluate("(el) => el.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', keyCode: 229, bubbles: true}))")
    assert chat.locator(".msg.user").count() == 0
    chat.keyboard.press("Enter")
    expect(chat.locator(".msg.user")).to_have_count(1)
    wait_for_answer(chat, 0)
    assert "餐饮" in "".join(bot_messages(chat).all_inner_texts())


def test_offline_message_is_queued_and_delivered_once(stack: Stack, chat: Page, context: BrowserContext) -> None:
    send(chat, "你好")
    wait_for_answer(chat, 0)
    context.set_offline(True)
    expect(chat.get_by_role("status").filter(has_text="连接中…")).to_be_visible()
    before = bot_messages(chat).count()
    send(chat, "小微企业有什么补贴")
    pending = chat.locator(".msg.user.pending")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("待发送")
    screenshot(chat, "widget-offline")
    chat.wait_for_timeout(1500)
    context.set_offline(False)
    wait_for_answer(chat, before)
    expect(chat.get_by_role("status").filter(has_text="连接中…")).to_have_count(0)
    texts = [e["text"] for e in tracker_user_texts(stack, conversation_id(chat))]
    assert texts.count("小微企业有什么补贴") == 1
    expect(chat.locator(".msg.user")).to_have_count(2)


def test_large_font_mode_is_readable_remembered_and_fits_small_screens(stack: Stack, chat: Page) -> None:
    send(chat, "你好")
    wait_for_answer(chat, 0)
    toggle = chat.get_by_role("button", name="大字模式")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    size = chat.locator(".msg.bot .bubble").first.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 20
    height = chat.get_by_role("button", name="发送", exact=True).evaluate("(el) => el.getBoundingClientRect().height")
    assert height >= 48
    screenshot(chat, "widget-large")
    chat.reload()
    expect(chat.get_by_role("button", name="大字模式")).to_have_attribute("aria-pressed", "true")
    assert serious_violations(chat) == []
    # 360 px wide (a phone) and 200 % zoom of a 1280 × 900 window (= 640 × 450 CSS pixels).
    for width, height_px, name in ((360, 740, "widget-large-360px"), (640, 450, "widget-large-zoom-200")):
        chat.set_viewport_size({"width": width, "height": height_px})
        panel = chat.locator(".panel").bounding_box()
        assert panel is not None and panel["x"] >= 0 and panel["x"] + panel["width"] <= width + 0.5
        overflow = chat.locator(".log").evaluate("(el) => el.scrollWidth - el.clientWidth")
        assert overflow <= 1
        expect(chat.get_by_role("button", name="发送", exact=True)).to_be_in_viewport()
        screenshot(chat, name)


def test_keyboard_only_use(stack: Stack, browser: Browser) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(stack.backend + "/chat")
        expect(page.locator(".welcome")).to_be_visible()
        page.keyboard.press("Escape")  # nothing focused in the panel yet: Escape does nothing harmful
        page.get_by_role("button", name="收起对话窗口").focus()
        page.keyboard.press("Enter")
        launcher = page.get_by_role("button", name="在线导办")
        expect(launcher).to_be_focused()
        expect(launcher).to_have_attribute("aria-expanded", "false")
        page.keyboard.press("Enter")
        expect(page.get_by_label("输入消息，按回车发送，Shift+回车换行")).to_be_focused()
        page.keyboard.type("你好")
        page.keyboard.press("Enter")
        wait_for_answer(page, 0)
        log = page.get_by_role("log")
        expect(log).to_have_attribute("aria-live", "polite")
        page.keyboard.press("Escape")
        expect(launcher).to_be_focused()
    finally:
        context.close()


def test_chat_page_passes_axe_in_both_modes(stack: Stack, chat: Page) -> None:
    assert serious_violations(chat) == []
    chat.get_by_role("button", name="大字模式").click()
    assert serious_violations(chat) == []
    screenshot(chat, "widget-welcome-large")


def test_a_slow_turn_says_it_is_working_then_delivers_the_answer(stack: Stack, chat: Page) -> None:
    """The action server stops answering: at the turn's deadline (3.5 s) the widget says so; the answer follows."""
    os.kill(stack.actions_pid, signal.SIGSTOP)
    try:
        send(chat, "我想开一家火锅店")
        expect(chat.locator(".msg.bot.notice", has_text="正在为您处理")).to_be_visible(timeout=20_000)
        expect(chat.locator(".msg.user.pending")).to_have_count(0)  # received: not shown as 待发送
        screenshot(chat, "widget-still-working")
    finally:
        os.kill(stack.actions_pid, signal.SIGCONT)
    expect(chat.locator(".msg.bot", has_text="开办餐饮店")).to_be_visible(timeout=TIMEOUT_MS)  # the real answer
    wait_for_answer(chat, 2)
    screenshot(chat, "widget-late-answer")


def test_bot_text_is_never_html(stack: Stack, chat: Page) -> None:
    send(chat, '<img src=x onerror="window.__pwned=1"><b>加粗</b> https://example.gov.cn/a?b=1')
    wait_for_answer(chat, 0)
    assert chat.evaluate("() => window.__pwned") is None
    assert chat.locator(".msg.user .bubble").first.inner_text().startswith("<img src=x")
    assert chat.locator(".msg img, .msg b").count() == 0


def test_reduced_motion_stops_the_typing_animation(stack: Stack, chat: Page) -> None:
    dots = chat.locator(".typing .dots i").first
    assert dots.evaluate("(el) => getComputedStyle(el).animationName") == "blink"
    chat.emulate_media(reduced_motion="reduce")
    assert dots.evaluate("(el) => getComputedStyle(el).animationName") == "none"


def test_policy_card_shows_document_number_validity_and_status(stack: Stack, chat: Page) -> None:
    send(chat, "六税两费怎么享受")
    wait_for_answer(chat, 0)
    card = chat.locator(".card-policy")
    expect(card).to_be_visible()
    expect(card.locator("h3")).to_contain_text("六税两费")
    terms = card.locator("dt").all_inner_texts()
    assert terms[:1] == ["文号"] and "有效期" in terms and "申报状态" in terms
    expect(card.locator(".badge").first).to_have_text("有效")
    guide = card.get_by_role("link", name="查看申报指南")
    expect(guide).to_have_attribute("href", re.compile(r"/policies/six_taxes_two_fees_half/guide$"))
    expect(guide).to_have_attribute("target", "_blank")
    card.scroll_into_view_if_needed()
    chat.locator(".panel").screenshot(path=str(SCREENSHOTS / "widget-panel-policy.png"))
    assert chat.locator("form.rating").count() == 0  # a rating is offered when a flow finishes, not per answer
