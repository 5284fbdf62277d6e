"""The async API client against the fake WeChat server: stable token, refresh, typed errors, quota."""

from __future__ import annotations

import asyncio

import pytest

from channels.wechat_api import (
    OutsideWindow,
    QuotaExceeded,
    TokenRejected,
    WeChatApi,
    WeChatApiError,
    WeChatUnreachable,
    custom_message,
)
from channels.wechat_fake_api import FakeServerThread
from channels.wechat_menu import load_menu
from channels.wechat_render import Article, Outgoing
from channels.wechat_store import Store
from tests.channels.conftest import make_config


@pytest.fixture
async def api(fake_api: FakeServerThread, store: Store, prefix: str):  # type: ignore[no-untyped-def]
    client = WeChatApi(make_config(fake_api.url), store, key_prefix=prefix)
    yield client
    await client.close()


async def test_token_is_fetched_once_and_cached_with_one_refresher(api: WeChatApi, fake_api: FakeServerThread) -> None:
    tokens = await asyncio.gather(*[api.access_token() for _ in range(10)])
    assert len(set(tokens)) == 1
    assert fake_api.fake.token_requests == 1
    assert await api.access_token() == tokens[0]
    assert fake_api.fake.token_requests == 1


async def test_push_is_received_by_the_fake(api: WeChatApi, fake_api: FakeServerThread) -> None:
    fake_api.fake.user_acted("o-user", "message")
    await api.send_custom("o-user", Outgoing(text="您好 😀"))
    await api.send_custom("o-user", Outgoing(article=Article("一次性告知单", "开餐饮店", "https://x.example/c")))
    pushes = fake_api.fake.pushes_to("o-user")
    assert [p.body["msgtype"] for p in pushes] == ["text", "news"]
    assert pushes[0].body["text"]["content"] == "您好 😀"


async def test_rejected_token_is_refreshed_once(api: WeChatApi, fake_api: FakeServerThread) -> None:
    fake_api.fake.user_acted("o-user")
    first = await api.access_token()
    fake_api.fake.expire_tokens()  # e.g. the token was reset in the 公众平台
    await api.send_custom("o-user", Outgoing(text="still arrives"))
    assert await api.access_token() != first
    assert len(fake_api.fake.pushes_to("o-user")) == 1


async def test_token_rejected_twice_gives_up_cleanly(api: WeChatApi, fake_api: FakeServerThread) -> None:
    fake_api.fake.user_acted("o-user")
    fake_api.fake.fail_next(42001, times=2)
    with pytest.raises(TokenRejected) as error:
        await api.send_custom("o-user", Outgoing(text="x"))
    assert error.value.code == 42001
    assert fake_api.fake.pushes_to("o-user") == []


async def test_quota_and_window_errors_are_typed(api: WeChatApi, fake_api: FakeServerThread) -> None:
    with pytest.raises(OutsideWindow):
        await api.send_custom("o-silent", Outgoing(text="x"))
    fake_api.fake.user_acted("o-user")
    for _ in range(5):
        await api.send_custom("o-user", Outgoing(text="x"))
    with pytest.raises(QuotaExceeded) as error:
        await api.send_custom("o-user", Outgoing(text="x"))
    assert error.value.code == 45047


async def test_wrong_secret_is_an_api_error(fake_api: FakeServerThread, store: Store, prefix: str) -> None:
    config = make_config(fake_api.url)
    client = WeChatApi(config.__class__(**{**config.__dict__, "app_secret": "wrong"}), store, key_prefix=prefix)
    with pytest.raises(WeChatApiError) as error:
        await client.access_token()
    assert error.value.code == 40125
    await client.close()


async def test_unreachable_api_is_typed(store: Store, prefix: str) -> None:
    client = WeChatApi(make_config("http://127.0.0.1:9"), store, key_prefix=prefix)
    with pytest.raises(WeChatUnreachable):
        await client.access_token()
    await client.close()


async def test_menu_is_published(api: WeChatApi, fake_api: FakeServerThread) -> None:
    menu = load_menu()
    await api.create_menu(menu.wechat_json())
    published = fake_api.fake.menus[-1]
    assert [b["name"] for b in published["button"]] == [b["name"] for b in menu.buttons]
    assert "payload" not in str(published)


def test_custom_message_bodies() -> None:
    assert custom_message("o", Outgoing(text="hi")) == {"touser": "o", "msgtype": "text", "text": {"content": "hi"}}
    news = custom_message("o", Outgoing(article=Article("t", "d", "https://u")))
    assert news["news"]["articles"] == [{"title": "t", "description": "d", "url": "https://u", "picurl": ""}]
