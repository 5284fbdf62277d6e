"""The WeChat official account (公众号) as a Rasa channel: ``GET|POST /webhooks/wechat/webhook``.

Register it in credentials.yml as ``channels.wechat.WeChatInput:`` (no keys there: configuration comes
from the environment, see channels/config.py and the README). Without ``WECHAT_TOKEN`` the channel is
off: Rasa starts, and the endpoint answers 503.

Spec: 公众号 "接入指南", "接收普通消息", "接收事件推送", "被动回复用户消息", "消息加解密说明".
"""

from __future__ import annotations

import inspect
import logging
import re
import time
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy import parse_message
from wechatpy.messages import BaseMessage
from wechatpy.replies import ArticlesReply, TextReply

from channels.config import WeChatConfig, load_config
from channels.wechat_api import WeChatApi
from channels.wechat_menu import Menu, MenuError, load_menu
from channels.wechat_render import ChannelTexts, Outgoing
from channels.wechat_security import RequestRejected, check_query, open_body, seal_reply, sign, signature_matches
from channels.wechat_store import MemoryStore, make_store
from channels.wechat_texts import texts_from
from channels.wechat_turns import EVENT_QUOTA, MESSAGE_QUOTA, Conductor, Inbound, user_hash
from channels.wechat_worker import TurnWorkers

logger = logging.getLogger(__name__)

SILENT_EVENTS = {"unsubscribe", "scan", "view", "location", "templatesendjobfinish", "masssendjobfinish"}
MEDIA_TYPES = {"image", "video", "shortvideo", "location", "link", "file", "miniprogrampage", "unknown"}


class WeChatInput(InputChannel):
    """公众号 server configuration URL: https://<rasa host>/webhooks/wechat/webhook."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> WeChatInput:
        return cls(load_config())

    def __init__(self, config: Optional[WeChatConfig], menu: Optional[Menu] = None) -> None:
        self.config = config
        self.conductor: Optional[Conductor] = None
        self._texts: Optional[ChannelTexts] = None
        if config is None:
            logger.warning("WeChat channel is off: WECHAT_TOKEN is not set (/webhooks/wechat/webhook answers 503)")
            self.menu = Menu([], {})
            return
        try:
            self.menu = menu or load_menu()
        except (MenuError, OSError) as error:
            logger.error("knowledge/wechat_menu.yml is invalid, menu clicks answer as a greeting: %s", error)
            self.menu = Menu([], {})
        store = make_store(config.redis_url)
        if isinstance(store, MemoryStore):
            logger.warning(
                "WeChat channel: REDIS_URL unset, de-duplication and token cache are per process (1 replica)"
            )
        api = WeChatApi(config, store) if config.can_push else None
        if api is None:
            logger.warning("WeChat channel: WECHAT_APP_ID/WECHAT_APP_SECRET unset, slow answers cannot be pushed")
        self.conductor = Conductor(config, store, api)
        logger.info(
            "WeChat channel on: %s mode, passive replies within %.1fs, API %s",
            "safe (encrypted)" if config.safe_mode else "plaintext",
            config.passive_seconds,
            config.api_base,
        )

    def texts(self, request: Request) -> ChannelTexts:
        if self._texts is None:
            agent = getattr(request.app.ctx, "agent", None)
            domain = getattr(agent, "domain", None)
            self._texts = texts_from(getattr(domain, "responses", None))
        return self._texts

    async def understand(self, message: BaseMessage, texts: ChannelTexts) -> Optional[Inbound]:
        """The message as text for Rasa, a fixed answer, or None (an event answered with ``success``)."""
        openid = str(message.source or "")
        kind = str(message.type)
        if kind == "event":
            event = str(getattr(message, "event", "")).lower()
            key = f"{openid}:{message.time}:{event}"
            if event in ("subscribe", "subscribe_scan"):
                return Inbound(openid, key, text="/greet", quota=EVENT_QUOTA, kind=event)
            if event == "click":
                payload = self.menu.payloads.get(str(getattr(message, "key", "")), "/greet")
                return Inbound(openid, key, text=payload, quota=EVENT_QUOTA, kind="click")
            return None
        key = str(message.id) if message.id else f"{openid}:{message.time}"
        if kind == "text":
            content = str(getattr(message, "content", "") or "").strip()
            assert self.conductor is not None
            return Inbound(openid, key, text=await self.conductor.resolve_choice(openid, content), quota=MESSAGE_QUOTA)
        if kind == "voice":
            said = str(getattr(message, "recognition", "") or "").strip().rstrip("。")
            if not said:
                return Inbound(openid, key, fixed=texts.voice_empty)
            assert self.conductor is not None
            return Inbound(openid, key, text=await self.conductor.resolve_choice(openid, said), kind="voice")
        return Inbound(openid, key, fixed=texts.unsupported_media, kind=kind)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        bp = Blueprint("wechat_webhook", module.__name__ if module else None)
        workers = TurnWorkers()

        async def run_turn(message: UserMessage) -> Any:
            return await workers.run(message.sender_id, on_new_message(message))

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.config else "off"})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if self.config is None:
                return response.text("WeChat channel is off", status=503)
            args = {k: request.args.get(k, "") for k in ("signature", "timestamp", "nonce", "echostr")}
            try:
                check_query(self.config, args)
            except RequestRejected as rejected:
                logger.warning("wechat.verify.refused reason=%s", rejected.reason)
                return response.text("forbidden", status=403)
            return response.text(args["echostr"])

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.config is None or self.conductor is None:
                return response.text("WeChat channel is off", status=503)
            args = {k: str(v) for k, v in ((k, request.args.get(k)) for k in request.args) if v is not None}
            try:
                plaintext = open_body(self.config, args, request.body or b"")
                message = parse_message(plaintext)
            except RequestRejected as rejected:
                logger.warning("wechat.request.refused status=%s reason=%s", rejected.status, rejected.reason)
                return response.text("forbidden" if rejected.status == 403 else "bad request", status=rejected.status)
            except (KeyError, TypeError, ValueError) as error:
                logger.warning("wechat.request.refused status=400 reason=unparsable message (%s)", type(error).__name__)
                return response.text("bad request", status=400)
            if message is None or not message.source:
                return response.text("bad request", status=400)
            texts = self.texts(request)
            inbound = await self.understand(message, texts)
            if inbound is None:
                return response.text("success")
            logger.info("wechat.message user=%s kind=%s", user_hash(inbound.openid), inbound.kind)
            outcome = await self.conductor.handle(inbound, run_turn, texts)
            if outcome.message is None:
                return response.text("success")
            reply_xml = render_reply(message, outcome.message)
            sealed = seal_reply(self.config, reply_xml, args.get("nonce", ""), str(int(time.time())))
            return response.text(sealed, content_type="application/xml")

        return bp


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def cdata_safe(text: str) -> str:
    """wechatpy puts values into CDATA as they are: split any "]]>" and drop characters XML forbids."""
    return _XML_INVALID.sub("", text).replace("]]>", "]]]]><![CDATA[>")


def render_reply(message: BaseMessage, outgoing: Outgoing) -> str:
    """The passive reply XML, rendered by wechatpy."""
    if outgoing.article is not None:
        reply = ArticlesReply(message=message)
        a = outgoing.article
        fields = {"title": a.title, "description": a.description, "url": a.url, "image": a.picurl}
        reply.add_article({k: cdata_safe(v) for k, v in fields.items()})
        return str(reply.render())
    return str(TextReply(message=message, content=cdata_safe(outgoing.text)).render())


__all__ = ["WeChatInput", "render_reply", "sign", "signature_matches"]
