"""Every choice the bot offers is understood when it comes back — clicked, by number, by title.

Generated over every question of every bundle (through the action server's validator and the real
backend), plus bundle disambiguation, policy questions, the appeal category and summary.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.appeal.actions import ActionAskAppealCategory, ActionAskAppealConfirm, ValidateAppealForm
from actions.common import choices, replies
from actions.guide.actions import ActionAskGuideBundle, ActionAskGuideReply, ValidateGuideForm
from tests.conftest import ROOT, click, make_tracker


def slots(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def _post(url: str, body: Dict[str, Any]) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def reachable(base: str, bundle_id: str) -> Iterator[Tuple[Dict[str, Any], Dict[str, Any]]]:
    """(answers, question) for every question of the bundle, each by the first path that reaches it."""
    seen: set = set()
    stack: List[Dict[str, Any]] = [{}]
    while stack:
        answers = stack.pop()
        step = _post(f"{base}/api/guide/advance", {"bundle_id": bundle_id, "answers": answers})
        question = step["next_question"]
        if question is None:
            continue
        if question["id"] not in seen:
            seen.add(question["id"])
            yield answers, question
        values = [o["value"] for o in question["options"]] or [0, 50, 150, 300, 1000, 5000, 20000]
        stack.extend({**answers, question["id"]: v} for v in values)


async def test_every_button_of_every_question_of_every_bundle_sets_exactly_its_value(
    backend: str, domain: Dict
) -> None:
    checked = 0
    walk = [  # every reachable question first (blocking HTTP), then the validator on each option
        (bundle, answers, question)
        for bundle in _get(f"{backend}/api/bundles")
        for answers, question in reachable(backend, bundle["id"])
        if question["type"] != "number"
    ]
    for bundle, answers, question in walk:
        ask = CollectingDispatcher()
        state = {"guide_bundle": bundle["id"], "guide_answers": answers, "guide_question": question}
        await ActionAskGuideReply().run(ask, make_tracker("", slots=state), domain)
        offered = ask.messages[0]["buttons"]
        assert [b["title"] for b in offered] == [o["label"] for o in question["options"]]
        for number, (button, option) in enumerate(zip(offered, question["options"], strict=True), start=1):
            for tracker in (
                click(button, slots=state, active_loop="guide_form", validating={"guide_reply": button["payload"]}),
                make_tracker(str(number), slots=state, active_loop="guide_form", validating={"guide_reply": str(number)}),
                make_tracker(option["label"], slots=state, active_loop="guide_form", validating={"guide_reply": option["label"]}),
            ):  # fmt: skip
                values = slots(await ValidateGuideForm().run(CollectingDispatcher(), tracker, domain))
                assert values["guide_answers"][question["id"]] == option["value"], (bundle["id"], button)
                changed = {k for k, v in values["guide_answers"].items() if answers.get(k) != v}
                assert changed == {question["id"]}
                checked += 1
    assert checked > 300


async def test_bundle_disambiguation_buttons_numbers_and_names(backend: str, domain: Dict) -> None:
    candidates = [{"id": "company_change", "short_name": "企业变更"}, {"id": "startup", "short_name": "企业开办"}]
    ask = CollectingDispatcher()
    await ActionAskGuideBundle().run(ask, make_tracker("", slots={"guide_candidates": candidates}), domain)
    [message] = ask.messages
    assert message["response"] == "utter_guide_choose_bundle"
    for number, button in enumerate(message["buttons"], start=1):
        expected = candidates[number - 1]["id"]
        for reply in (None, str(number), f"第{'一二'[number - 1]}个", button["title"]):
            kwargs = {"slots": {"guide_candidates": candidates}, "active_loop": "guide_form"}
            text = button["payload"] if reply is None else reply
            tracker = (
                click(button, validating={"guide_bundle": text}, **kwargs)
                if reply is None
                else make_tracker(reply, validating={"guide_bundle": reply}, **kwargs)
            )
            values = slots(await ValidateGuideForm().run(CollectingDispatcher(), tracker, domain))
            assert values["guide_bundle"] == expected, reply


async def test_a_single_candidate_is_confirmed_in_one_sentence_not_listed(backend: str, domain: Dict) -> None:
    only = [{"id": "company_change", "short_name": "企业变更"}]
    ask = CollectingDispatcher()
    await ActionAskGuideBundle().run(ask, make_tracker("", slots={"guide_candidates": only}), domain)
    [message] = ask.messages
    assert message["response"] == "utter_guide_confirm_bundle"
    assert [b["title"] for b in message["buttons"]] == ["是", "不是"]
    kwargs = {"slots": {"guide_candidates": only}, "active_loop": "guide_form"}
    yes = slots(
        await ValidateGuideForm().run(
            CollectingDispatcher(), make_tracker("是的", validating={"guide_bundle": "是的"}, **kwargs), domain
        )
    )
    assert yes["guide_bundle"] == "company_change"
    no = slots(await ValidateGuideForm().run(CollectingDispatcher(), click(message["buttons"][1], validating={"guide_bundle": "x"}, **kwargs), domain))  # fmt: skip
    assert no["guide_bundle"] is None and no["guide_candidates"] is None


async def test_appeal_category_and_summary_buttons(backend: str, domain: Dict) -> None:
    suggestion = {"id": "approval", "name": "审批服务", "department": "区政务服务中心"}
    ask = CollectingDispatcher()
    tracker = make_tracker("", slots={"appeal_category_suggestion": suggestion})
    events = await ActionAskAppealCategory().run(ask, tracker, domain)
    categories = slots(events)["appeal_categories"]
    yes_button, other_button = ask.messages[0]["buttons"]
    state = {"appeal_category_suggestion": suggestion, "appeal_categories": categories}
    for tracker in (
        click(yes_button, slots=state, active_loop="appeal_form", validating={"appeal_category": "x"}),
        make_tracker("1", slots=state, active_loop="appeal_form", validating={"appeal_category": "1"}),
        make_tracker("对", slots=state, active_loop="appeal_form", validating={"appeal_category": "对"}),
    ):
        assert (
            slots(await ValidateAppealForm().run(CollectingDispatcher(), tracker, domain))["appeal_category"]
            == "approval"
        )
    tracker = click(other_button, slots=state, active_loop="appeal_form", validating={"appeal_category": "x"})
    values = slots(await ValidateAppealForm().run(CollectingDispatcher(), tracker, domain))
    assert values["appeal_category"] is None and values["appeal_category_suggestion"] is None
    listing = CollectingDispatcher()
    await ActionAskAppealCategory().run(listing, make_tracker("", slots={"appeal_categories": categories}), domain)
    buttons = listing.messages[0]["buttons"]
    assert len(buttons) == len(categories) >= 8
    for number, button in enumerate(buttons, start=1):
        plain = {"appeal_categories": categories}
        for tracker in (
            click(button, slots=plain, active_loop="appeal_form", validating={"appeal_category": "x"}),
            make_tracker(str(number), slots=plain, active_loop="appeal_form", validating={"appeal_category": str(number)}),
            make_tracker(button["title"], slots=plain, active_loop="appeal_form", validating={"appeal_category": button["title"]}),
        ):  # fmt: skip
            values = slots(await ValidateAppealForm().run(CollectingDispatcher(), tracker, domain))
            assert values["appeal_category"] == categories[number - 1]["id"]
    summary = CollectingDispatcher()
    filled = {"appeal_description": "用电报装两个月没办下来", "appeal_category": "approval", "enterprise_name": "某某公司",
              "contact_name": "王芳", "phone_number": "13800138000", "appeal_categories": categories}  # fmt: skip
    await ActionAskAppealConfirm().run(summary, make_tracker("", slots=filled), domain)
    submit, stop = summary.messages[0]["buttons"]
    assert stop == {"title": "不办了", "payload": "/stop"}
    for tracker in (
        click(submit, slots=filled, active_loop="appeal_form", validating={"appeal_confirm": submit["payload"]}),
        make_tracker("确认提交", slots=filled, active_loop="appeal_form", validating={"appeal_confirm": "确认提交"}),
        make_tracker("1", slots=filled, active_loop="appeal_form", validating={"appeal_confirm": "1"}),
    ):
        assert slots(await ValidateAppealForm().run(CollectingDispatcher(), tracker, domain))["appeal_confirm"] == "yes"


CASES = yaml.safe_load((ROOT / "tests" / "shared" / "replies.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["text"] or "empty" for c in CASES])
def test_yes_no_skip_words_as_the_backend_reads_them(case: Dict[str, Any]) -> None:
    assert replies.classify(str(case["text"])) == case["expect"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", 2),
        ("第二个", 2),
        ("选2", 2),
        ("２", 2),
        ("第十个", 10),
        ("选第3个", 3),
        ("两个", 2),
        ("开饭店", None),
        ("0", None),
    ],
)
def test_ordinals(text: str, expected: Any) -> None:
    assert choices.ordinal(text) == expected


def test_payloads_are_structured_and_parse_back() -> None:
    button = choices.button("否，只提供住宿", choices.value_token("guide", "has_food", False))
    assert button["payload"] == '/inform{"choice": "guide:has_food:false"}'
    assert choices.parse_value_token("guide:has_food:false", "guide") == ("has_food", False)
    assert choices.parse_value_token('policy:scale:"小型"', "guide") is None
    assert choices.parse_value_token('policy:scale:"小型"', "policy") == ("scale", "小型")
