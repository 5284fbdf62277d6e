from __future__ import annotations

import pytest

from channels.config import DEFAULT_API_BASE, WeChatConfigError, load_config

AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"


def test_channel_is_off_without_a_token() -> None:
    assert load_config({}) is None
    assert load_config({"WECHAT_TOKEN": "  "}) is None


def test_plaintext_mode_defaults() -> None:
    config = load_config({"WECHAT_TOKEN": "abc123"})
    assert config is not None
    assert not config.safe_mode and not config.can_push
    assert config.api_base == DEFAULT_API_BASE and config.passive_seconds == 4.0 and config.redis_url is None


def test_safe_mode_with_push() -> None:
    config = load_config(
        {
            "WECHAT_TOKEN": "abc123",
            "WECHAT_APP_ID": "wx1",
            "WECHAT_APP_SECRET": "s",
            "WECHAT_ENCODING_AES_KEY": AES_KEY,
            "WECHAT_API_BASE": "http://127.0.0.1:8080/",
            "WECHAT_PASSIVE_SECONDS": "3.5",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
        }
    )
    assert config is not None and config.safe_mode and config.can_push
    assert config.api_base == "http://127.0.0.1:8080" and config.passive_seconds == 3.5


@pytest.mark.parametrize(
    "env",
    [
        {"WECHAT_TOKEN": "a"},
        {"WECHAT_TOKEN": "has space"},
        {"WECHAT_TOKEN": "abc123", "WECHAT_ENCODING_AES_KEY": "short", "WECHAT_APP_ID": "wx1"},
        {"WECHAT_TOKEN": "abc123", "WECHAT_ENCODING_AES_KEY": AES_KEY},  # safe mode needs the AppID
        {"WECHAT_TOKEN": "abc123", "WECHAT_PASSIVE_SECONDS": "5"},  # WeChat gives up at 5 s
        {"WECHAT_TOKEN": "abc123", "WECHAT_PASSIVE_SECONDS": "soon"},
        {"WECHAT_TOKEN": "abc123", "WECHAT_API_BASE": "api.weixin.qq.com"},
    ],
)
def test_bad_configuration_is_refused_at_start(env: dict) -> None:
    with pytest.raises(WeChatConfigError):
        load_config(env)
