"""A local stand-in for WeChat's API server, speaking its protocol, for tests and ``make wechat-sim``.

It implements what the channel uses: ``POST /cgi-bin/stable_token`` (checks AppID/secret, issues
tokens, ``force_refresh`` invalidates the old one), ``POST /cgi-bin/message/custom/send`` (checks the
token → 40001, the body, the 2048-byte text limit → 45002, and the per-user quota WeChat keeps: a user
message opens 5 pushes for 48 h, a click or follow 3 for a minute → 45047, none open → 45015) and
``POST /cgi-bin/menu/create`` (WeChat's menu limits → 40016/40018/40019). Whoever plays WeChat's
message server (the simulator, a test) tells it about user actions with ``user_acted``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from aiohttp import web

QUOTAS = {"message": (5, 48 * 3600.0), "event": (3, 60.0)}


@dataclass
class Push:
    touser: str
    body: Dict[str, Any]
    at: float = field(default_factory=time.time)

    @property
    def text(self) -> str:
        if self.body.get("msgtype") == "news":
            a = self.body["news"]["articles"][0]
            return f"[图文] {a.get('title')} {a.get('url')}"
        return str(self.body.get("text", {}).get("content", ""))


class FakeWeChatApi:
    def __init__(self, app_id: str, app_secret: str) -> None:
        self.app_id, self.app_secret = app_id, app_secret
        self.valid_tokens: Dict[str, float] = {}
        self.token_requests = 0
        self.pushes: List[Push] = []
        self.menus: List[Dict[str, Any]] = []
        self._windows: Dict[str, Tuple[int, float, int]] = {}  # user → (limit, expires_at, used)
        self._failures: List[int] = []
        self._lock = threading.Lock()
        self.on_push: Optional[Any] = None  # callable(Push), e.g. the simulator printing it

    # -- what WeChat's message server knows --------------------------------------------
    def user_acted(self, openid: str, kind: str = "message") -> None:
        limit, window = QUOTAS[kind]
        with self._lock:
            self._windows[openid] = (limit, time.time() + window, 0)

    def fail_next(self, errcode: int, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([errcode] * times)

    def expire_tokens(self) -> None:
        with self._lock:
            self.valid_tokens.clear()

    def pushes_to(self, openid: str) -> List[Push]:
        with self._lock:
            return [p for p in self.pushes if p.touser == openid]

    # -- the HTTP API ------------------------------------------------------------------
    async def _json(self, request: web.Request) -> Optional[Dict[str, Any]]:
        try:
            body = json.loads(await request.read())
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _token_ok(self, request: web.Request) -> bool:
        token = request.query.get("access_token", "")
        return self.valid_tokens.get(token, 0) > time.time()

    async def stable_token(self, request: web.Request) -> web.Response:
        body = await self._json(request)
        if body is None or body.get("grant_type") != "client_credential":
            return web.json_response({"errcode": 40002, "errmsg": "invalid grant_type"})
        if body.get("appid") != self.app_id:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if body.get("secret") != self.app_secret:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        with self._lock:
            self.token_requests += 1
            live = [t for t, expiry in self.valid_tokens.items() if expiry > time.time()]
            if body.get("force_refresh") or not live:
                self.valid_tokens = {secrets.token_urlsafe(24): time.time() + 7200}
                live = list(self.valid_tokens)
            token = live[0]
            expires_in = int(self.valid_tokens[token] - time.time())
        return web.json_response({"access_token": token, "expires_in": expires_in})

    def _injected(self) -> Optional[int]:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    async def custom_send(self, request: web.Request) -> web.Response:
        injected = self._injected()
        if injected is not None:
            return web.json_response({"errcode": injected, "errmsg": "injected by the fake"})
        if not self._token_ok(request):
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        body = await self._json(request)
        if body is None or not body.get("touser") or body.get("msgtype") not in ("text", "news"):
            return web.json_response({"errcode": 40008, "errmsg": "invalid message type"})
        if body["msgtype"] == "text":
            content = body.get("text", {}).get("content")
            if not isinstance(content, str) or not content:
                return web.json_response({"errcode": 44004, "errmsg": "empty content"})
            if len(content.encode("utf-8")) > 2048:
                return web.json_response({"errcode": 45002, "errmsg": "content size out of limit"})
        elif len(body.get("news", {}).get("articles", [])) != 1:
            return web.json_response({"errcode": 45008, "errmsg": "article size out of limit"})
        with self._lock:
            limit, expires_at, used = self._windows.get(body["touser"], (0, 0.0, 0))
            if expires_at <= time.time():
                return web.json_response({"errcode": 45015, "errmsg": "response out of time limit"})
            if used >= limit:
                return web.json_response({"errcode": 45047, "errmsg": "out of response count limit"})
            self._windows[body["touser"]] = (limit, expires_at, used + 1)
            push = Push(body["touser"], body)
            self.pushes.append(push)
        if self.on_push is not None:
            self.on_push(push)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def menu_create(self, request: web.Request) -> web.Response:
        if not self._token_ok(request):
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        body = await self._json(request)
        buttons = body.get("button") if body else None
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return web.json_response({"errcode": 40016, "errmsg": "invalid button size"})
        for button in buttons:
            subs = button.get("sub_button")
            if subs is not None and not 1 <= len(subs) <= 5:
                return web.json_response({"errcode": 40023, "errmsg": "invalid sub button size"})
            for item in subs or [button]:
                if item.get("type") == "click" and len(str(item.get("key", "")).encode()) > 128:
                    return web.json_response({"errcode": 40019, "errmsg": "invalid button key size"})
        with self._lock:
            self.menus.append(body or {})
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/cgi-bin/stable_token", self.stable_token)
        app.router.add_post("/cgi-bin/message/custom/send", self.custom_send)
        app.router.add_post("/cgi-bin/menu/create", self.menu_create)
        return app


class FakeServerThread:
    """Runs a FakeWeChatApi (or anything with an aiohttp ``app()``) on 127.0.0.1 in a thread of its own."""

    def __init__(self, fake: FakeWeChatApi, port: int = 0) -> None:
        self.fake, self._port = fake, port
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._runner: Optional[web.AppRunner] = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._runner = web.AppRunner(self.fake.app(), access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        self._loop.run_until_complete(site.start())
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self._ready.set()
        self._loop.run_forever()

    def __enter__(self) -> FakeServerThread:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake WeChat API did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description="本地模拟的微信接口服务器（stable_token、客服消息、菜单）")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--app-secret", required=True)
    args = parser.parse_args()
    fake = FakeWeChatApi(args.app_id, args.app_secret)
    fake.on_push = lambda push: print(f"[客服消息 → {push.touser}] {push.text}", flush=True)
    with FakeServerThread(fake, args.port) as server:
        print(f"模拟微信接口：{server.url}", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
