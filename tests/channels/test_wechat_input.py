"""WeChatInput without a server: off without WECHAT_TOKEN, and what each kind of WeChat message becomes."""

from __future__ import annotations

import logging

import pytest
from wechatpy import parse_message

from channels.wechat import WeChatInput, render_reply
from channels.wechat_render import Article, Outgoing
from channels.wechat_sim_client import message_xml, reply_content
from channels.wechat_texts import texts_from
from tests.channels.conftest import make_config

TEXTS = texts_from(None)


def test_channel_is_off_and_says_so_without_a_token(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_ENCODING_AES_KEY"):
        monkeypatch.delenv(name, raising=False)
    with caplog.at_level(logging.WARNING):
        channel = WeChatInput.from_credentials(None)
    assert channel.config is None and channel.conductor is None
    assert "WeChat channel is off" in caplog.text
    assert WeChatInput.name() == "wechat"


@pytest.fixture
def channel() -> WeChatInput:
    return WeChatInput(make_config(app=False))


def parsed(msg_type: str, **fields: str):  # type: ignore[no-untyped-def]
    return parse_message(message_xml("gh_account", "o-user", msg_type, **fields))


async def test_text_passes_as_is(channel: WeChatInput) -> None:
    inbound = await channel.understand(parsed("text", Content=" 我想开一家火锅店 "), TEXTS)
    assert inbound is not None and inbound.text == "我想开一家火锅店" and inbound.quota == (5, 48 * 3600.0)


async def test_subscribe_and_clicks_map_to_intents(channel: WeChatInput) -> None:
    welcome = await channel.understand(parsed("event", Event="subscribe"), TEXTS)
    assert welcome is not None and welcome.text == "/greet" and welcome.quota == (3, 60.0)
    click = await channel.understand(parsed("event", Event="CLICK", EventKey="APPEAL_FILE"), TEXTS)
    assert click is not None and click.text == "/file_appeal"
    unknown = await channel.understand(parsed("event", Event="CLICK", EventKey="REMOVED_KEY"), TEXTS)
    assert unknown is not None and unknown.text == "/greet"


@pytest.mark.parametrize("event", ["unsubscribe", "SCAN", "VIEW", "LOCATION"])
async def test_quiet_events_start_no_turn(channel: WeChatInput, event: str) -> None:
    assert await channel.understand(parsed("event", Event=event, EventKey="x"), TEXTS) is None


async def test_voice_uses_recognition_and_asks_to_type_when_empty(channel: WeChatInput) -> None:
    said = await channel.understand(parsed("voice", MediaId="m", Recognition="我想开一家奶茶店。"), TEXTS)
    assert said is not None and said.text == "我想开一家奶茶店"
    empty = await channel.understand(parsed("voice", MediaId="m", Recognition=""), TEXTS)
    assert empty is not None and empty.text is None and empty.fixed == TEXTS.voice_empty


@pytest.mark.parametrize(
    ("msg_type", "fields"),
    [
        ("image", {"PicUrl": "http://x/1.jpg", "MediaId": "m"}),
        ("video", {"MediaId": "m", "ThumbMediaId": "t"}),
        ("location", {"Location_X": "29.5", "Location_Y": "108.7", "Scale": "15", "Label": "黔江"}),
        ("link", {"Title": "t", "Description": "d", "Url": "http://x"}),
        ("file", {"Title": "a.pdf"}),
    ],
)
async def test_media_gets_the_polite_answer(channel: WeChatInput, msg_type: str, fields: dict) -> None:
    inbound = await channel.understand(parsed(msg_type, **fields), TEXTS)
    assert inbound is not None and inbound.fixed == TEXTS.unsupported_media


def test_passive_replies_are_rendered_by_wechatpy() -> None:
    message = parsed("text", Content="hi")
    text = render_reply(message, Outgoing(text="您好 <b>&]]>"))
    assert reply_content(text) == "您好 <b>&]]>"
    news = render_reply(message, Outgoing(article=Article("一次性告知单", "开餐饮店", "https://x.example/c")))
    assert reply_content(news) == "[图文] 一次性告知单 https://x.example/c"


def test_control_characters_do_not_break_the_reply_xml() -> None:
    assert reply_content(render_reply(parsed("text", Content="hi"), Outgoing(text="a\x00b\x1fc"))) == "abc"
