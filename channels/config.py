"""Configuration of the WeChat channel, read from the environment once and validated.

No secret has a default: without ``WECHAT_TOKEN`` the channel is off. Pushing answers through
客服消息 also needs ``WECHAT_APP_ID`` and ``WECHAT_APP_SECRET``; without them only passive replies work.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from typing import Mapping, Optional

DEFAULT_API_BASE = "https://api.weixin.qq.com"
DEFAULT_PASSIVE_SECONDS = 4.0
# WeChat gives up on a reply after 5 s; leave room for the network.
MAX_PASSIVE_SECONDS = 4.5
MAX_TIMESTAMP_SKEW_SECONDS = 300


class WeChatConfigError(ValueError):
    """The WeChat environment variables are inconsistent or malformed."""


@dataclass(frozen=True)
class WeChatConfig:
    token: str
    app_id: Optional[str]
    app_secret: Optional[str]
    encoding_aes_key: Optional[str]
    api_base: str
    passive_seconds: float
    redis_url: Optional[str]
    timestamp_skew: int = MAX_TIMESTAMP_SKEW_SECONDS

    @property
    def safe_mode(self) -> bool:
        """安全模式: messages are encrypted with the EncodingAESKey."""
        return self.encoding_aes_key is not None

    @property
    def can_push(self) -> bool:
        return bool(self.app_id and self.app_secret)


def _optional(env: Mapping[str, str], name: str) -> Optional[str]:
    value = env.get(name, "").strip()
    return value or None


def load_config(env: Optional[Mapping[str, str]] = None) -> Optional[WeChatConfig]:
    """The channel's configuration, or None when ``WECHAT_TOKEN`` is unset (channel off)."""
    env = os.environ if env is None else env
    token = _optional(env, "WECHAT_TOKEN")
    if token is None:
        return None
    if not (3 <= len(token) <= 32 and token.isalnum()):
        raise WeChatConfigError("WECHAT_TOKEN must be 3-32 letters or digits (as the 公众平台 requires)")
    aes_key = _optional(env, "WECHAT_ENCODING_AES_KEY")
    app_id = _optional(env, "WECHAT_APP_ID")
    if aes_key is not None:
        try:
            raw = base64.b64decode(aes_key + "=", validate=True)
        except (binascii.Error, ValueError) as error:
            raise WeChatConfigError("WECHAT_ENCODING_AES_KEY is not valid base64") from error
        if len(aes_key) != 43 or len(raw) != 32:
            raise WeChatConfigError("WECHAT_ENCODING_AES_KEY must be the 43-character EncodingAESKey")
        if app_id is None:
            raise WeChatConfigError("safe mode (WECHAT_ENCODING_AES_KEY) needs WECHAT_APP_ID")
    api_base = (_optional(env, "WECHAT_API_BASE") or DEFAULT_API_BASE).rstrip("/")
    if not api_base.startswith(("http://", "https://")):
        raise WeChatConfigError("WECHAT_API_BASE must be an http(s) URL")
    raw_seconds = _optional(env, "WECHAT_PASSIVE_SECONDS")
    try:
        passive = float(raw_seconds) if raw_seconds else DEFAULT_PASSIVE_SECONDS
    except ValueError as error:
        raise WeChatConfigError("WECHAT_PASSIVE_SECONDS must be a number of seconds") from error
    if not 0 < passive <= MAX_PASSIVE_SECONDS:
        raise WeChatConfigError(f"WECHAT_PASSIVE_SECONDS must be in (0, {MAX_PASSIVE_SECONDS}]: WeChat waits 5 s")
    return WeChatConfig(
        token=token,
        app_id=app_id,
        app_secret=_optional(env, "WECHAT_APP_SECRET"),
        encoding_aes_key=aes_key,
        api_base=api_base,
        passive_seconds=passive,
        redis_url=_optional(env, "REDIS_URL"),
    )
