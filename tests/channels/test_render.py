"""Table tests of the pure renderer: byte limits, numbered buttons, quota packing, digit answers."""

from __future__ import annotations

from typing import List

import pytest

from channels.wechat_render import (
    MAX_TEXT_BYTES,
    Article,
    ChannelTexts,
    Option,
    Outgoing,
    fit_quota,
    parse_choice,
    render_turn,
    split_text,
    utf8_len,
)
from channels.wechat_texts import texts_from

TEXTS = texts_from(None)


def test_texts_come_from_the_domain_file() -> None:
    assert TEXTS.choose_by_number == "回复数字选择："
    assert "{link}" in TEXTS.more_in_link
    assert isinstance(TEXTS, ChannelTexts)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("", 10, []),
        ("短", 10, ["短"]),
        ("ab\ncd\nef", 5, ["ab\ncd", "ef"]),
        ("ab\ncd\nef", 8, ["ab\ncd\nef"]),
        ("一二三四", 6, ["一二", "三四"]),  # 3 bytes each: never half a character
        ("😀😀😀", 8, ["😀😀", "😀"]),  # 4-byte emoji
        ("a😀", 4, ["a", "😀"]),  # the emoji would straddle the boundary
        ("\n\nx\n\n", 4, ["x"]),
    ],
)
def test_split_text_table(text: str, limit: int, expected: List[str]) -> None:
    assert split_text(text, limit) == expected


def test_split_at_2048_bytes_with_emoji_on_the_boundary() -> None:
    line = "好" * 682 + "a" + "😀"  # 2046 + 1 bytes, the emoji's 4 bytes cross 2048
    chunks = split_text(line + "\n第二行")
    assert [utf8_len(c) for c in chunks] == [2047, 4 + 1 + 9]
    assert chunks[0].endswith("a") and chunks[1].startswith("😀")
    assert all(utf8_len(c) <= MAX_TEXT_BYTES for c in chunks)
    assert "".join(chunks).replace("\n", "") == (line + "第二行")


def test_long_answer_splits_on_line_breaks() -> None:
    lines = [f"{i}. 营业执照、食品经营许可证及相关材料说明" for i in range(200)]
    chunks = split_text("\n".join(lines))
    assert len(chunks) > 1 and all(utf8_len(c) <= MAX_TEXT_BYTES for c in chunks)
    assert "\n".join(chunks).split("\n") == lines  # every line whole, in order


def test_buttons_become_numbered_options() -> None:
    turn = render_turn(
        [
            {
                "text": "您打算以什么形式登记？",
                "buttons": [
                    {"title": "个体户", "payload": '/inform{"answer_id":"a1"}'},
                    {"title": "公司", "payload": '/inform{"answer_id":"a2"}'},
                ],
            }
        ],
        TEXTS,
    )
    assert turn.messages == [Outgoing(text="您打算以什么形式登记？\n回复数字选择：\n1. 个体户\n2. 公司")]
    assert turn.options == [Option("个体户", '/inform{"answer_id":"a1"}'), Option("公司", '/inform{"answer_id":"a2"}')]


def test_text_that_already_lists_the_options_is_not_repeated() -> None:
    turn = render_turn(
        [
            {
                "text": "请选择：\n1. 是\n2. 否",
                "buttons": [{"title": "是", "payload": "是"}, {"title": "否", "payload": "否"}],
            }
        ],
        TEXTS,
    )
    assert turn.messages[0].text == "请选择：\n1. 是\n2. 否"
    assert len(turn.options) == 2


def test_turn_texts_are_joined_and_numbering_runs_across_messages() -> None:
    turn = render_turn(
        [
            {"text": "好的，为您办理。"},
            {"text": "第一问", "buttons": [{"title": "甲", "payload": "/a"}]},
            {"text": "第二问", "buttons": [{"title": "乙", "payload": "/b"}]},
        ],
        TEXTS,
    )
    assert len(turn.messages) == 1
    assert "1. 甲" in turn.messages[0].text and "2. 乙" in turn.messages[0].text
    assert [o.payload for o in turn.options] == ["/a", "/b"]


def test_a_turn_without_buttons_clears_the_options() -> None:
    assert render_turn([{"text": "请直接回复数字，单位：平方米"}], TEXTS).options == []


def test_news_custom_payload_becomes_an_article_and_images_a_link() -> None:
    turn = render_turn(
        [
            {"custom": {"news": {"title": "一次性告知单", "description": "开餐饮店", "url": "https://x.example/c"}}},
            {"image": "https://x.example/i.png"},
            {"custom": {"widget_card": {"x": 1}}},
        ],
        TEXTS,
    )
    assert turn.messages == [
        Outgoing(text="https://x.example/i.png"),
        Outgoing(article=Article("一次性告知单", "开餐饮店", "https://x.example/c")),
    ]


def texts_msgs(n: int) -> List[Outgoing]:
    return [Outgoing(text=f"第{i}段") for i in range(1, n + 1)]


@pytest.mark.parametrize(("count", "allowed", "sent"), [(3, 5, 3), (5, 5, 5), (1, 0, 0), (8, 5, 5), (8, 1, 1)])
def test_quota_never_exceeded(count: int, allowed: int, sent: int) -> None:
    assert len(fit_quota(texts_msgs(count), allowed, TEXTS)) == sent


def test_what_does_not_fit_points_to_the_link() -> None:
    messages = [
        *texts_msgs(5),
        Outgoing(text="完整清单：http://127.0.0.1:8000/guide/checklist/catering?x=1"),
        *texts_msgs(2),
    ]
    fitted = fit_quota(messages, 5, TEXTS)
    assert len(fitted) == 5 and fitted[:4] == messages[:4]
    assert fitted[4].text.startswith("第5段")
    assert "http://127.0.0.1:8000/guide/checklist/catering?x=1" in fitted[4].text
    assert "完整内容请打开" in fitted[4].text


def test_without_a_link_the_truncation_says_so() -> None:
    fitted = fit_quota(texts_msgs(3), 1, TEXTS)
    assert fitted[0].text == "第1段\n" + TEXTS.more_truncated


def test_truncated_last_message_stays_within_2048_bytes() -> None:
    big = Outgoing(text="\n".join(["营业执照材料说明" * 8] * 40)[:2000])
    fitted = fit_quota([big, big, big], 1, TEXTS)
    assert utf8_len(fitted[0].text) <= MAX_TEXT_BYTES


@pytest.mark.parametrize(
    ("text", "count", "expected"),
    [
        ("2", 3, 2),
        ("２", 3, 2),
        (" 1 ", 3, 1),
        ("第二个", 3, 2),
        ("选2", 3, 2),
        ("选择3", 3, 3),
        ("第3项", 3, 3),
        ("二", 3, 2),
        ("3。", 3, 3),
        ("十", 12, 10),
        ("十二", 12, 12),
        ("4", 3, None),  # out of range: goes to Rasa as text
        ("0", 3, None),
        ("200", 3, None),  # an area in square metres, not an option
        ("2", 0, None),  # nothing offered
        ("两百平米", 3, None),
        ("我选公司", 3, None),
        ("个体户", 3, None),
    ],
)
def test_parse_choice_table(text: str, count: int, expected: object) -> None:
    assert parse_choice(text, count) == expected


def test_buttons_beyond_the_listed_options_are_numbered_on() -> None:
    buttons = [{"title": t, "payload": t} for t in ("小规模纳税人", "一般纳税人", "不清楚")]
    turn = render_turn([{"text": "纳税人类型？\n1. 小规模纳税人\n2. 一般纳税人", "buttons": buttons}], TEXTS)
    assert turn.messages[0].text == "纳税人类型？\n1. 小规模纳税人\n2. 一般纳税人\n3. 不清楚"
    assert [o.title for o in turn.options] == ["小规模纳税人", "一般纳税人", "不清楚"]
