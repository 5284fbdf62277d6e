"""Frames of the widget protocol from Rasa messages and tracker events."""

from __future__ import annotations

from channels.webchat_messages import MAX_HISTORY, bot_frame, history, message_ids

CARD = {"data": {"card": {"type": "checklist", "version": 1, "bundle_name": "开办餐饮店"}}}


def test_bot_frame_keeps_text_buttons_and_card_only() -> None:
    frame = bot_frame(
        {
            "text": "请选择",
            "buttons": [{"title": "个体户", "payload": "个体户"}, {"title": "公司"}, {"payload": "no title"}],
            "custom": CARD,
            "elements": "<b>html</b>",
            "attachment": {"type": "template"},
        }
    )
    assert frame == {
        "type": "bot",
        "text": "请选择",
        "buttons": [{"title": "个体户", "payload": "个体户"}, {"title": "公司", "payload": "公司"}],
        "card": CARD["data"]["card"],
    }


def test_quick_replies_are_buttons_and_empty_messages_are_dropped() -> None:
    assert bot_frame({"text": "好", "quick_replies": [{"title": "是"}]})["buttons"] == [  # type: ignore[index]
        {"title": "是", "payload": "是"}
    ]
    assert bot_frame({"text": "  ", "custom": {"card": {"type": "x"}}}) is None  # not a card: no data wrapper
    assert bot_frame({"image": "javascript:alert(1)"}) is None


def test_history_replays_user_and_bot_messages_in_order() -> None:
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        {"event": "user", "text": "我想开火锅店", "message_id": "m1"},
        {
            "event": "bot",
            "text": "您打算以什么形式登记？",
            "data": {"buttons": [{"title": "个体户", "payload": "个体户"}]},
        },
        {"event": "user", "text": "个体户", "message_id": "m2", "metadata": {"display": "个体户"}},
        {"event": "slot", "name": "x", "value": 1},
        {"event": "bot", "text": None, "data": {"custom": CARD}},
    ]
    assert history(events) == [
        {"type": "user", "text": "我想开火锅店", "id": "m1"},
        {"type": "bot", "text": "您打算以什么形式登记？", "buttons": [{"title": "个体户", "payload": "个体户"}]},
        {"type": "user", "text": "个体户", "id": "m2"},
        {"type": "bot", "card": CARD["data"]["card"]},
    ]
    assert message_ids(events) == {"m1", "m2"}


def test_history_after_a_restart_and_its_length() -> None:
    events = [{"event": "user", "text": "旧的"}, {"event": "restart"}, {"event": "user", "text": "新的"}]
    assert history(events) == [{"type": "user", "text": "新的"}]
    many = [{"event": "user", "text": str(n)} for n in range(MAX_HISTORY + 10)]
    replay = history(many)
    assert len(replay) == MAX_HISTORY and replay[-1]["text"] == str(MAX_HISTORY + 9)


def test_button_title_is_shown_for_a_payload() -> None:
    events = [{"event": "user", "text": '/inform{"answer_id": "a1"}', "metadata": {"display": "个体户"}}]
    assert history(events) == [{"type": "user", "text": "个体户"}]
