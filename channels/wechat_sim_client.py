"""Playing WeChat's message server: build a user's message, sign (and encrypt) it as WeChat does,
POST it to the channel, read the passive reply. Used by ``make wechat-sim``, the e2e tests and the bench.

Like WeChat, it gives up on a reply after 5 s and retries the same message (3 tries in all), and it
tells the fake API server about each user action so the 客服消息 quota is kept as WeChat keeps it.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Dict, Optional

import aiohttp
import defusedxml.ElementTree as SafeET

from channels.config import WeChatConfig
from channels.wechat_fake_api import FakeWeChatApi
from channels.wechat_security import open_reply, seal_inbound

WECHAT_TIMEOUT = 5.0
_ids = itertools.count(int(time.time() * 1000) * 1000)


def message_xml(to: str, openid: str, msg_type: str, msg_id: Optional[int] = None, **fields: str) -> str:
    """A message as WeChat's server sends it (Content, Recognition, Event, EventKey… as ``fields``)."""
    root = ET.Element("xml")
    ET.SubElement(root, "ToUserName").text = to
    ET.SubElement(root, "FromUserName").text = openid
    ET.SubElement(root, "CreateTime").text = fields.pop("CreateTime", str(int(time.time())))
    ET.SubElement(root, "MsgType").text = msg_type
    for name, value in fields.items():
        ET.SubElement(root, name).text = value
    if msg_type != "event":
        ET.SubElement(root, "MsgId").text = str(msg_id if msg_id is not None else next(_ids))
    return ET.tostring(root, encoding="unicode")


@dataclass(frozen=True)
class Delivery:
    """One try: HTTP status, the reply's plaintext (``success`` or XML), its content, seconds taken."""

    status: int
    plaintext: str
    content: Optional[str]
    seconds: float

    @property
    def passive(self) -> bool:
        return self.content is not None


def reply_content(plaintext: str) -> Optional[str]:
    """The text (or 图文 title + URL) of a passive reply; None for ``success`` / empty."""
    if plaintext in ("", "success"):
        return None
    root = SafeET.fromstring(plaintext.encode("utf-8"))
    if root.findtext("MsgType") == "news":
        item = root.find("Articles/item")
        return f"[图文] {item.findtext('Title')} {item.findtext('Url')}" if item is not None else ""
    return root.findtext("Content") or ""


class WeChatServerSide:
    def __init__(
        self,
        config: WeChatConfig,
        webhook_url: str,
        fake: Optional[FakeWeChatApi] = None,
        account: str = "gh_sim_account",
    ) -> None:
        self.config, self.url, self.fake, self.account = config, webhook_url, fake, account

    def xml(self, openid: str, msg_type: str, msg_id: Optional[int] = None, **fields: str) -> str:
        return message_xml(self.account, openid, msg_type, msg_id, **fields)

    async def post(
        self,
        session: aiohttp.ClientSession,
        plaintext_xml: str,
        timestamp: Optional[str] = None,
        query_override: Optional[Dict[str, str]] = None,
        body_override: Optional[bytes] = None,
    ) -> Delivery:
        """One signed delivery (overrides forge requests for the refusal tests)."""
        sealed = seal_inbound(self.config, plaintext_xml, timestamp or str(int(time.time())), secrets.token_hex(5))
        query = {**sealed.query, **(query_override or {})}
        started = time.monotonic()
        async with session.post(
            self.url,
            params=query,
            data=body_override if body_override is not None else sealed.body,
            timeout=aiohttp.ClientTimeout(total=WECHAT_TIMEOUT),
        ) as response:
            body = await response.read()
            seconds = time.monotonic() - started
            if response.status != 200:
                return Delivery(response.status, body.decode("utf-8", "replace"), None, seconds)
        plaintext = open_reply(self.config, body)
        return Delivery(200, plaintext, reply_content(plaintext), seconds)

    async def deliver(self, session: aiohttp.ClientSession, plaintext_xml: str, kind: str = "message") -> Delivery:
        """As WeChat does it: up to 3 tries, each abandoned after 5 s."""
        openid = SafeET.fromstring(plaintext_xml.encode("utf-8")).findtext("FromUserName") or ""
        if self.fake is not None:
            self.fake.user_acted(openid, kind)
        last: Optional[Delivery] = None
        for _ in range(3):
            try:
                last = await self.post(session, plaintext_xml)
                return last
            except (asyncio.TimeoutError, aiohttp.ServerTimeoutError):
                last = Delivery(0, "", None, WECHAT_TIMEOUT)  # WeChat gives up on this try and retries
        assert last is not None
        return last

    async def say(self, session: aiohttp.ClientSession, openid: str, text: str) -> Delivery:
        return await self.deliver(session, self.xml(openid, "text", Content=text))
