"""One WeChat message → at most one Rasa turn → a passive reply and/or 客服消息 pushes.

WeChat waits 5 s for the reply, then sends the same message again (3 tries in all). So:
- the message is claimed in the shared store (MsgId; FromUserName+CreateTime for events) and only the
  claimant runs a turn; a retry waits for the claimant's outcome and repeats its passive reply, or
  answers ``success`` when the answer is (or will be) pushed;
- the turn runs as a task; if it is done within WECHAT_PASSIVE_SECONDS its first message is the passive
  reply, otherwise the reply is ``success`` and everything goes out through 客服消息 when it is done;
- pushes never exceed the quota the user's action opened (5 within 48 h for a message, 3 within a minute
  for a menu click or a follow); the last allowed push points to the answer's link for the rest.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from dataclasses import asdict, dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from channels import budget
from channels.config import WeChatConfig
from channels.wechat_api import OutsideWindow, QuotaExceeded, WeChatApi, WeChatApiError, WeChatUnreachable
from channels.wechat_render import (
    Article,
    ChannelTexts,
    Option,
    Outgoing,
    RenderedTurn,
    fit_quota,
    parse_choice,
    render_turn,
)
from channels.wechat_store import Store, StoreUnavailable, locked

logger = logging.getLogger(__name__)

CLAIM_TTL = 120.0
"""Longer than WeChat's three tries (about 15 s) with a wide margin."""
OPTIONS_TTL = 24 * 3600.0
MESSAGE_QUOTA = (5, 48 * 3600.0)
EVENT_QUOTA = (3, 60.0)
PENDING, PUSHED = "pending", "push"
MAX_INPUT_CHARS = 2000
PUSH_AFTER_PASSIVE_SECONDS = 1.0

Handler = Callable[[UserMessage], Awaitable[Any]]


def user_hash(openid: str) -> str:
    """OpenIDs identify people: logs carry a short hash instead."""
    return hashlib.sha256(openid.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Inbound:
    """What the channel understood from one WeChat message."""

    openid: str
    dedup_key: str
    text: Optional[str] = None
    """Sent to Rasa (already mapped from a digit to its option's payload)."""
    fixed: Optional[str] = None
    """Answered without a turn (voice not recognised, an image…)."""
    quota: tuple = MESSAGE_QUOTA
    kind: str = "text"


@dataclass(frozen=True)
class Outcome:
    """What the webhook answers: one passive message, or ``success`` when ``message`` is None."""

    message: Optional[Outgoing]


class Conductor:
    def __init__(self, config: WeChatConfig, store: Store, api: Optional[WeChatApi], prefix: str = "wechat:") -> None:
        self.config = config
        self.store = store
        self.api = api
        self.prefix = prefix
        self._background: Set[asyncio.Task[None]] = set()
        # Backend calls end by the passive window, so a slow backend is still answered passively.
        self.budget_seconds = min(budget.budget_seconds(), config.passive_seconds)

    # -- options offered per user ------------------------------------------------
    async def options(self, openid: str) -> List[Option]:
        raw = await self.store.get(f"{self.prefix}options:{openid}")
        return [Option(**o) for o in json.loads(raw)] if raw else []

    async def remember_options(self, openid: str, options: List[Option]) -> None:
        key = f"{self.prefix}options:{openid}"
        if options:
            await self.store.set(key, json.dumps([asdict(o) for o in options], ensure_ascii=False), OPTIONS_TTL)
        else:
            await self.store.delete(key)

    async def resolve_choice(self, openid: str, text: str) -> str:
        """A bare "2" / "第二个" becomes the payload of option 2 of the list last offered to this user."""
        offered = await self.options(openid)
        number = parse_choice(text, len(offered))
        return offered[number - 1].payload if number else text

    # -- quota ---------------------------------------------------------------------
    async def open_quota(self, openid: str, quota: tuple) -> None:
        limit, window = quota
        value = json.dumps({"limit": limit, "used": 0, "expires_at": time.time() + window})
        await self.store.set(f"{self.prefix}quota:{openid}", value, window)

    async def take_quota(self, openid: str, wanted: int) -> int:
        """How many of ``wanted`` pushes the user's current window still allows (and reserve them)."""
        key = f"{self.prefix}quota:{openid}"
        async with locked(self.store, key + ":lock", ttl=5, wait=5):
            raw = await self.store.get(key)
            if not raw:
                return 0
            quota = json.loads(raw)
            remaining_time = quota["expires_at"] - time.time()
            granted = max(0, min(wanted, quota["limit"] - quota["used"]))
            if granted and remaining_time > 0:
                quota["used"] += granted
                await self.store.set(key, json.dumps(quota), remaining_time)
            return granted if remaining_time > 0 else 0

    # -- the turn ------------------------------------------------------------------
    async def run_turn(
        self, inbound: Inbound, handler: Handler, texts: ChannelTexts, received_at: Optional[float] = None
    ) -> RenderedTurn:
        collector = CollectingOutputChannel()
        metadata = budget.stamp({"wechat": inbound.kind}, self.budget_seconds, now=received_at)
        text = inbound.text or ""
        if len(text) > MAX_INPUT_CHARS:
            return RenderedTurn([Outgoing(text=texts.too_long)])
        try:
            await handler(UserMessage(text, collector, inbound.openid, input_channel="wechat", metadata=metadata))
        except Exception:
            logger.exception("wechat.turn.failed user=%s", user_hash(inbound.openid))
            return RenderedTurn([Outgoing(text=texts.failed)])
        rendered = render_turn(collector.messages, texts)
        if not rendered.messages:  # e.g. the action server did not answer: never leave the user in silence
            logger.warning("wechat.turn.empty user=%s", user_hash(inbound.openid))
            return RenderedTurn([Outgoing(text=texts.failed)])
        await self.remember_options(inbound.openid, rendered.options)
        return rendered

    async def handle(self, inbound: Inbound, handler: Handler, texts: ChannelTexts) -> Outcome:
        started, received_at = time.monotonic(), time.time()
        if inbound.fixed is not None:
            return Outcome(Outgoing(text=inbound.fixed))
        claim_key = f"{self.prefix}msg:{inbound.dedup_key}"
        try:
            claimed = await self.store.claim(claim_key, PENDING, CLAIM_TTL)
        except StoreUnavailable:
            logger.error("wechat.store.unavailable: answering without de-duplication")
            claimed = True
        if not claimed:
            return await self._join(claim_key, started)
        await self.open_quota(inbound.openid, inbound.quota)
        task = asyncio.ensure_future(self.run_turn(inbound, handler, texts, received_at))
        remaining = self.config.passive_seconds - (time.monotonic() - started)
        try:
            rendered = await asyncio.wait_for(asyncio.shield(task), timeout=max(remaining, 0.05))
        except asyncio.TimeoutError:
            await self.store.set(claim_key, PUSHED, CLAIM_TTL)
            logger.info("wechat.turn.slow user=%s: answer will be pushed", user_hash(inbound.openid))
            self._spawn(self._push_when_done(inbound.openid, task, texts))
            return Outcome(None)
        messages = rendered.messages
        if not messages:
            await self.store.set(claim_key, PUSHED, CLAIM_TTL)
            return Outcome(None)
        if self.api is None:  # passive replies only: one message, with the link for the rest
            messages = fit_quota(messages, 1, texts)
        first, rest = messages[0], messages[1:]
        await self.store.set(claim_key, "done:" + _dump(first), CLAIM_TTL)
        if rest:  # after the passive reply has reached the user, or the second part could overtake the first
            self._spawn(self._push(inbound.openid, rest, texts, delay=PUSH_AFTER_PASSIVE_SECONDS))
        return Outcome(first)

    async def _join(self, claim_key: str, started: float) -> Outcome:
        """A retry: never a second turn; repeat the passive reply or say ``success``."""
        deadline = started + self.config.passive_seconds
        while True:
            state = await self.store.get(claim_key)
            if state and state.startswith("done:"):
                return Outcome(_load(state[5:]))
            if state != PENDING or time.monotonic() >= deadline:
                return Outcome(None)
            await asyncio.sleep(0.05)

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _push_when_done(self, openid: str, task: asyncio.Future[RenderedTurn], texts: ChannelTexts) -> None:
        rendered = await task
        await self._push(openid, rendered.messages, texts)

    async def _push(self, openid: str, messages: List[Outgoing], texts: ChannelTexts, delay: float = 0.0) -> None:
        who = user_hash(openid)
        await asyncio.sleep(delay)
        if self.api is None:
            logger.warning("wechat.push.unavailable user=%s: WECHAT_APP_ID/SECRET unset, %d lost", who, len(messages))
            return
        allowed = await self.take_quota(openid, len(messages))
        to_send = fit_quota(messages, allowed, texts)
        if len(to_send) < len(messages):
            logger.info("wechat.push.quota user=%s wanted=%d allowed=%d", who, len(messages), allowed)
        for number, message in enumerate(to_send, start=1):
            try:
                await self.api.send_custom(openid, message)
            except (QuotaExceeded, OutsideWindow) as error:
                logger.warning("wechat.push.refused user=%s errcode=%s sent=%d", who, error.code, number - 1)
                return
            except (WeChatApiError, WeChatUnreachable) as error:
                logger.error("wechat.push.failed user=%s error=%s sent=%d", who, error, number - 1)
                return
        logger.info("wechat.push.sent user=%s count=%d", who, len(to_send))

    async def drain(self) -> None:
        """Wait for pending pushes (shutdown, tests)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)


def _dump(message: Outgoing) -> str:
    return json.dumps(asdict(message), ensure_ascii=False)


def _load(raw: str) -> Outgoing:
    data: Dict[str, Any] = json.loads(raw)
    article = Article(**data["article"]) if data.get("article") else None
    return Outgoing(text=data.get("text", ""), article=article)
