"""The console in a real browser against the real stack: backend, action server and Rasa with the trained model.

One stack for the module; the tests follow one 工单 from the hotline call to 销号, in order.
"""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any, Dict, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot
from tests.stack import MODEL, Services

RASA_TOKEN = "console-browser-rasa-token"
AGENT_TOKEN = "console-browser-agent-token-0001"
DEPARTMENTS = {
    "economy_information": "console-browser-economy-token-01",
    "human_resources": "console-browser-hr-token-000001",
}
CALL = [
    "喂，你好，我是正阳工业园区重庆山水食品有限公司的，我姓王",
    "我们新车间申请接电快两个月了，供电所一直说没排上，生产线开不了工",
    "希望你们帮忙催一下，我电话是13812345678",
]
STATE: Dict[str, Any] = {}


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The backend's base URL, with the action server and Rasa running behind it."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    with Services(tmp_path_factory.mktemp("console")) as services:
        env = {  # one environment for the three, as `make run` gives them
            **services.backend_env(agent_tokens=f"wang:{AGENT_TOKEN}"),
            **services.bot_env(),
            "DEPARTMENT_TOKENS": ",".join(f"{d}:{t}" for d, t in DEPARTMENTS.items()),
            "RASA_URL": services.rasa_url,
            "RASA_AUTH_TOKEN": RASA_TOKEN,
        }
        services.start_backend(env)
        services.start_actions(env)
        services.start_rasa(env, token=RASA_TOKEN)
        services.wait_ready()
        yield services.backend_url


def sign_in(page: Page, base: str, token: str) -> None:
    page.goto(base + "/console")
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("who")).to_be_visible()


def say(page: Page, line: str, count: int) -> None:
    page.fill("#line", line)
    page.press("#line", "Enter")
    expect(page.locator("#transcript li")).to_have_count(count)
    expect(page.locator("#status")).to_have_text("已更新", timeout=60_000)


def api(base: str, path: str, body: Dict[str, Any], token: str, key: str | None = None) -> Any:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_an_agent_files_a_power_connection_delay_in_one_click(console: str, page: Page) -> None:
    sign_in(page, console, AGENT_TOKEN)
    expect(page).to_have_url(console + "/console/assist")
    for n, line in enumerate(CALL, start=1):
        say(page, line, n)
    expect(page.get_by_test_id("intent")).not_to_be_empty()
    expect(page.locator("select[name=category]")).to_have_value("factor_guarantee")
    expect(page.get_by_test_id("department")).to_contain_text("经济和信息化委员会")
    expect(page.get_by_test_id("department")).to_contain_text("接电")
    expect(page.locator("input[name=mobile]")).to_have_value("13812345678")
    expect(page.locator('[data-field="mobile"] .source')).to_have_text(f"来自第 3 句：“{CALL[2]}”")
    expect(page.locator("input[name=enterprise_name]")).to_have_value("正阳工业园区重庆山水食品有限公司")
    expect(page.locator('[data-field="enterprise_name"] .source')).to_contain_text("来自第 1 句")
    expect(page.locator('[data-field="event"] .source')).to_contain_text("来自第 2 句")
    expect(page.locator('[data-field="category"] .source')).to_contain_text("来自第 2 句")
    expect(page.get_by_test_id("next")).not_to_be_empty()
    # an invalid mobile is flagged as typed, and the agent's correction is kept
    page.fill("input[name=mobile]", "1381234")
    expect(page.locator('[data-field="mobile"] .problem')).to_contain_text("手机号码格式不正确")
    page.fill("input[name=mobile]", "13812345678")
    expect(page.locator('[data-field="mobile"] .problem')).to_have_text("")
    screenshot(page, "console-assist-draft")
    page.get_by_test_id("file").dblclick()  # a double click files once
    number = page.get_by_test_id("ticket-number")
    expect(number).to_have_text(re.compile(r"QY\d{12}"))
    expect(page.get_by_test_id("filed")).to_contain_text("办结期限")
    STATE["number"] = number.inner_text()
    screenshot(page, "console-assist-filed")
    page.goto(console + "/console/queue")
    expect(page.get_by_test_id("queue").locator("tbody tr")).to_have_count(1)


def test_a_second_identical_call_offers_linking_instead_of_a_new_ticket(console: str, page: Page) -> None:
    number = STATE["number"]
    sign_in(page, console, AGENT_TOKEN)
    for n, line in enumerate(CALL, start=1):
        say(page, line, n)
    option = page.get_by_test_id("next").locator("button.option").first
    expect(option).to_be_visible()
    title = option.inner_text()
    option.click()  # the agent answers for the caller: the option goes into the conversation
    expect(page.locator("#transcript li.agent")).to_have_text(f"（坐席代答：{title}）")
    expect(page.locator("#status")).to_have_text("已更新", timeout=60_000)
    similar = page.get_by_test_id("similar")
    expect(similar).to_contain_text(number)
    expect(similar).to_contain_text("同一手机号")
    screenshot(page, "console-assist-duplicate")
    similar.get_by_role("button", name="关联到已有工单").click()
    expect(page.get_by_test_id("filed")).to_contain_text(f"已关联到工单 {number}")
    expect(page.get_by_test_id("file")).to_be_disabled()
    page.goto(console + "/console/queue")
    expect(page.get_by_test_id("queue").locator("tbody tr")).to_have_count(1)
    page.goto(f"{console}/console/tickets/{number}")
    expect(page.get_by_test_id("history")).to_contain_text("关联来电")
    page.locator('form[data-action="assign"] button').click()  # 转办 to the suggested department
    expect(page.get_by_test_id("state")).to_have_text("已转办")


def test_a_department_sees_only_its_ticket_and_answers_it(console: str, browser: Browser) -> None:
    number = STATE["number"]
    other = api(
        console,
        "/api/tickets",
        {
            "channel": "hotline",
            "enterprise_name": "另一家公司",
            "contact_name": "李",
            "mobile": "13900001111",
            "category": "employment",
            "description": "员工社保转移接续两个月还没办好",
        },
        AGENT_TOKEN,
        key="browser-other-ticket",
    )
    api(console, f"/api/tickets/{other['number']}/transitions", {"action": "assign"}, AGENT_TOKEN)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, console, DEPARTMENTS["economy_information"])
        expect(page).to_have_url(console + "/console/queue")
        rows = page.get_by_test_id("queue").locator("tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(number)
        expect(page.get_by_test_id("queue")).not_to_contain_text(other["number"])
        rows.first.get_by_role("link").click()
        page.locator('form[data-action="start"] button').click()
        expect(page.get_by_test_id("state")).to_have_text("办理中")
        page.fill('form[data-action="answer"] textarea[name=note]', "供电所已于今日完成接电，车间已通电")
        page.locator('form[data-action="answer"] button').click()
        expect(page.get_by_test_id("state")).to_have_text("已反馈")
        screenshot(page, "console-department-answered")
    finally:
        context.close()


def test_the_agent_visits_and_closes_and_the_report_shows_the_on_time_rate(console: str, page: Page) -> None:
    number = STATE["number"]
    sign_in(page, console, AGENT_TOKEN)
    page.goto(f"{console}/console/tickets/{number}")
    expect(page.get_by_test_id("visit-script")).to_contain_text("供电所已于今日完成接电")
    page.locator('form[data-action="visit"] label.choice', has_text="非常满意").click()
    page.locator('form[data-action="visit"] button').click()
    expect(page.get_by_test_id("state")).to_have_text("已回访")
    page.locator('form[data-action="close"] button').click()
    expect(page.get_by_test_id("state")).to_have_text("已销号")
    history = page.get_by_test_id("history")
    for step in ("受理", "关联来电", "转办", "开始办理", "反馈", "回访", "销号"):
        expect(history).to_contain_text(step)
    screenshot(page, "console-ticket-closed")
    page.goto(console + "/console/reports")
    expect(page.get_by_test_id("report")).to_contain_text("经济和信息化委员会")
    row = page.get_by_test_id("report").locator("tr", has_text="经济和信息化委员会")
    expect(row.get_by_test_id("on-time")).to_have_text("100%")
    screenshot(page, "console-reports")
