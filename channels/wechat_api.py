"""Async client of WeChat's server API: stable access_token, 客服消息, custom menu.

Specs: "获取稳定版接口调用凭据" (POST /cgi-bin/stable_token), "客服消息/发送消息"
(POST /cgi-bin/message/custom/send), "自定义菜单/创建接口" (POST /cgi-bin/menu/create).
aiohttp, never wechatpy's synchronous client: the channel runs inside Rasa's event loop.
The token is cached in the shared store until five minutes before it expires; one replica refreshes
at a time (a lock), the others wait and reuse its result. A rejected token (40001/42001/40014) is
force-refreshed once, then the call fails with a typed error.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Dict, Optional

import aiohttp

from channels.config import WeChatConfig
from channels.wechat_render import Outgoing
from channels.wechat_store import Store, locked

logger = logging.getLogger(__name__)

TOKEN_KEY = "access_token"  # noqa: S105 - a cache key name, not a secret
TOKEN_MARGIN_SECONDS = 300
TOKEN_ERRORS = {40001, 40014, 42001}


class WeChatApiError(Exception):
    """WeChat answered with a non-zero errcode."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"errcode {code}: {message}")
        self.code = code
        self.message = message


class QuotaExceeded(WeChatApiError):
    """45047: the 客服消息 quota for this user message is used up."""


class OutsideWindow(WeChatApiError):
    """45015: the user has not written within 48 hours (or unfollowed)."""


class TokenRejected(WeChatApiError):
    """40001/40014/42001 even after a fresh token."""


class WeChatUnreachable(Exception):
    """WeChat's API did not answer (network, timeout, non-JSON)."""


_TYPED = {45047: QuotaExceeded, 45015: OutsideWindow}


def _error(code: int, message: str) -> WeChatApiError:
    if code in TOKEN_ERRORS:
        return TokenRejected(code, message)
    return _TYPED.get(code, WeChatApiError)(code, message)


def custom_message(openid: str, message: Outgoing) -> Dict[str, Any]:
    """The JSON body of /cgi-bin/message/custom/send for one rendered message."""
    if message.article is not None:
        a = message.article
        article = {"title": a.title, "description": a.description, "url": a.url, "picurl": a.picurl}
        return {"touser": openid, "msgtype": "news", "news": {"articles": [article]}}
    return {"touser": openid, "msgtype": "text", "text": {"content": message.text}}


class WeChatApi:
    def __init__(self, config: WeChatConfig, store: Store, key_prefix: str = "wechat:") -> None:
        if not config.can_push:
            raise ValueError("WECHAT_APP_ID and WECHAT_APP_SECRET are needed for WeChat's API")
        self._config = config
        self._store = store
        self._prefix = key_prefix
        self._session: Optional[aiohttp.ClientSession] = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _request(self, path: str, body: Dict[str, Any], token: Optional[str] = None) -> Dict[str, Any]:
        url = f"{self._config.api_base}{path}"
        params = {"access_token": token} if token else None
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            async with self._http().post(
                url, params=params, data=data, headers={"Content-Type": "application/json"}
            ) as response:
                text = await response.text()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise WeChatUnreachable(f"{path}: {type(error).__name__}") from error
        try:
            answer = json.loads(text)
        except ValueError as error:
            raise WeChatUnreachable(f"{path}: HTTP {response.status}, not JSON") from error
        if not isinstance(answer, dict):
            raise WeChatUnreachable(f"{path}: unexpected answer")
        return answer

    async def _cached_token(self) -> Optional[str]:
        raw = await self._store.get(self._prefix + TOKEN_KEY)
        if not raw:
            return None
        cached = json.loads(raw)
        return str(cached["token"]) if cached.get("expires_at", 0) > time.time() else None

    async def access_token(self, rejected: Optional[str] = None) -> str:
        """A valid access_token; ``rejected`` is one WeChat just refused (forces a refresh)."""
        cached = await self._cached_token()
        if cached and cached != rejected:
            return cached
        async with locked(self._store, self._prefix + TOKEN_KEY + ":lock", ttl=10, wait=10):
            cached = await self._cached_token()  # another replica may have refreshed meanwhile
            if cached and cached != rejected:
                return cached
            body = {
                "grant_type": "client_credential",
                "appid": self._config.app_id,
                "secret": self._config.app_secret,
                "force_refresh": rejected is not None,
            }
            answer = await self._request("/cgi-bin/stable_token", body)
            if answer.get("errcode"):
                raise _error(int(answer["errcode"]), str(answer.get("errmsg", "")))
            token, expires_in = str(answer["access_token"]), int(answer.get("expires_in", 7200))
            lifetime = max(expires_in - TOKEN_MARGIN_SECONDS, 60)
            value = json.dumps({"token": token, "expires_at": time.time() + lifetime})
            await self._store.set(self._prefix + TOKEN_KEY, value, lifetime)
            logger.info("wechat.access_token.refreshed expires_in=%s forced=%s", expires_in, rejected is not None)
            return token

    async def call(self, path: str, body: Dict[str, Any]) -> Dict[str, Any]:
        """POST with the access_token; a rejected token is refreshed once."""
        token = await self.access_token()
        answer = await self._request(path, body, token)
        code = int(answer.get("errcode", 0) or 0)
        if code in TOKEN_ERRORS:
            logger.warning("wechat.access_token.rejected errcode=%s, refreshing once", code)
            token = await self.access_token(rejected=token)
            answer = await self._request(path, body, token)
            code = int(answer.get("errcode", 0) or 0)
        if code:
            raise _error(code, str(answer.get("errmsg", "")))
        return answer

    async def send_custom(self, openid: str, message: Outgoing) -> None:
        await self.call("/cgi-bin/message/custom/send", custom_message(openid, message))

    async def create_menu(self, menu: Dict[str, Any]) -> None:
        await self.call("/cgi-bin/menu/create", menu)
