"""The web widget's channel: native WebSocket on the Rasa port (``/webhooks/webchat/websocket``).

Protocol (JSON text frames; server frames are listed in ``webchat_messages``):
the widget first sends ``{"type": "hello", "session": <token or null>}`` and gets a
``session`` frame with a server-signed token and the conversation so far; then
``{"type": "message", "id": <client message id>, "text": ..., "display": <button title>,
"retry": <bool>}``. Each message is acknowledged (``ack``) once its turn is stored, and a
message re-sent after a reconnect (same id) is acknowledged as a duplicate, not processed
twice — the widget's offline queue relies on that.

Why not socket.io: its client library would have to be committed or fetched from a CDN;
browsers speak WebSocket natively, and Sanic (which Rasa runs) serves it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections import OrderedDict, deque
from typing import Any, Awaitable, Callable, Deque, Dict, List, Optional, Set

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import budget
from channels.webchat_messages import MESSAGE_ID, bot_frame, history, message_ids, user_frame
from channels.webchat_registry import SocketRegistry
from channels.webchat_session import SessionSecretMissing, SessionSigner

log = logging.getLogger(__name__)

HELLO_TIMEOUT_SECONDS = 15
MAX_TEXT_LENGTH = 2000
RATE_WINDOW_SECONDS = 10.0
RATE_MAX_MESSAGES = 15
KNOWN_IDS_PER_CONVERSATION = 500

TEXTS = {
    "empty": "消息是空的，请输入您要咨询的内容。",
    "too_long": f"消息太长了，请控制在{MAX_TEXT_LENGTH}字以内，或分几次发送。",
    "too_fast": "发送太快了，请稍等几秒再发。",
    "bad_frame": "消息格式不正确，请刷新页面后重试。",
    "no_answer": "抱歉，这次没能得到答复，请再发送一次；急事请拨打 12345 政务服务便民热线。",
    "unavailable": "抱歉，服务暂时出现问题，请稍后再试；急事请拨打 12345 政务服务便民热线。",
    "still_working": budget.still_working_text(),
}


class WebchatOutput(OutputChannel):
    """Sends each bot message as one ``bot`` frame to every open tab of the conversation."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    def __init__(self, registry: SocketRegistry) -> None:
        self.registry = registry
        self.sent = 0

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        frame = bot_frame(message)
        if frame is not None:
            self.sent += 1
            await self.registry.send(recipient_id, frame)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class _KnownIds:
    """Recently seen message ids per conversation (bounded), so duplicates are caught without a tracker read."""

    def __init__(self) -> None:
        self._ids: OrderedDict[str, Set[str]] = OrderedDict()

    def get(self, conversation_id: str) -> Set[str]:
        ids = self._ids.setdefault(conversation_id, set())
        self._ids.move_to_end(conversation_id)
        while len(self._ids) > 10_000:
            self._ids.popitem(last=False)
        return ids

    def add(self, conversation_id: str, message_id: str) -> None:
        ids = self.get(conversation_id)
        if len(ids) >= KNOWN_IDS_PER_CONVERSATION:
            ids.clear()
        ids.add(message_id)


class WebchatInput(InputChannel):
    """Server-signed sessions, history on reconnect, push to every open tab."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        origins = os.environ.get("WEBCHAT_ALLOWED_ORIGINS", "")
        return cls(os.environ.get("WEBCHAT_SECRET"), [o.strip().rstrip("/") for o in origins.split(",") if o.strip()])

    def __init__(self, secret: Optional[str], allowed_origins: Optional[List[str]] = None) -> None:
        self.signer: Optional[SessionSigner] = None
        self.problem: Optional[str] = None
        try:
            self.signer = SessionSigner(secret)
        except SessionSecretMissing as missing:
            # Fail closed, but only this channel: REST, socket.io and the HTTP API keep working.
            self.problem = str(missing)
            log.error("%s", missing)
        self.allowed_origins = allowed_origins or []
        self.registry = SocketRegistry()
        self._known = _KnownIds()
        self._in_flight: Set[str] = set()
        self._tasks: Set[asyncio.Task[None]] = set()
        self.budget_seconds = budget.budget_seconds()

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Rasa's HTTP API (``output_channel=webchat`` or ``latest``) pushes through the open sockets."""
        return WebchatOutput(self.registry)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("webchat_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            if self.problem:
                return response.json({"status": "unavailable", "detail": self.problem}, status=503)
            return response.json({"status": "ok"})

        @blueprint.websocket("/websocket")
        async def websocket(request: Request, ws: Any) -> None:
            signer = self.signer
            if signer is None:
                await ws.close(code=1011, reason="WEBCHAT_SECRET not set")
                return
            origin = (request.headers.get("origin") or "").rstrip("/")
            if self.allowed_origins and origin not in self.allowed_origins:
                await ws.close(code=4003, reason="origin not allowed")
                return
            hello = await self._hello(ws)
            if hello is None:
                await ws.close(code=4400, reason="hello expected")
                return
            conversation_id = signer.verify(hello.get("session"))
            new = conversation_id is None
            if conversation_id is None:
                conversation_id, token = signer.new()
                events: List[Dict[str, Any]] = []
            else:
                token = signer.token(conversation_id)
                events = await self._events(request, conversation_id)
                for message_id in message_ids(events):
                    self._known.add(conversation_id, message_id)
            self.registry.add(conversation_id, ws)
            try:
                await _send(
                    ws,
                    {
                        "type": "session",
                        "session": token,
                        "conversation_id": conversation_id,
                        "history": history(events),
                        "new": new,
                    },
                )
                await self._serve(ws, conversation_id, on_new_message)
            finally:
                self.registry.remove(conversation_id, ws)

        return blueprint

    async def _hello(self, ws: Any) -> Optional[Dict[str, Any]]:
        try:
            raw = await asyncio.wait_for(ws.recv(), HELLO_TIMEOUT_SECONDS)
        except asyncio.TimeoutError:
            return None
        frame = _parse(raw)
        return frame if frame is not None and frame.get("type") == "hello" else None

    async def _events(self, request: Request, conversation_id: str) -> List[Dict[str, Any]]:
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            return []
        tracker = await agent.tracker_store.retrieve_full_tracker(conversation_id)
        return [event.as_dict() for event in tracker.events] if tracker is not None else []

    async def _serve(
        self, ws: Any, conversation_id: str, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        recent: Deque[float] = deque()
        while True:
            raw = await ws.recv()
            if raw is None:
                return
            frame = _parse(raw)
            if frame is None:
                await _send(ws, _error("bad_frame"))
                continue
            if frame.get("type") == "ping":
                await _send(ws, {"type": "pong"})
                continue
            if frame.get("type") != "message":
                await _send(ws, _error("bad_frame"))
                continue
            message_id = frame.get("id")
            if not isinstance(message_id, str) or not MESSAGE_ID.fullmatch(message_id):
                await _send(ws, _error("bad_frame"))
                continue
            if message_id in self._known.get(conversation_id) or message_id in self._in_flight:
                await _send(ws, {"type": "ack", "id": message_id, "duplicate": True})
                continue
            text = frame.get("text")
            text = text.strip() if isinstance(text, str) else ""
            problem = "empty" if not text else "too_long" if len(text) > MAX_TEXT_LENGTH else None
            now = time.monotonic()
            while recent and now - recent[0] > RATE_WINDOW_SECONDS:
                recent.popleft()
            if problem is None and len(recent) >= RATE_MAX_MESSAGES:
                problem = "too_fast"
            if problem is not None:
                await _send(ws, {**_error(problem), "id": message_id})
                await _send(ws, {"type": "ack", "id": message_id, "rejected": True})
                continue
            recent.append(now)
            display = frame.get("display")
            display = display[:200] if isinstance(display, str) and display.strip() else None
            # The turn runs in its own task: a tab closing mid-turn does not cut the turn short.
            task = asyncio.ensure_future(self._turn(ws, conversation_id, message_id, text, display, on_new_message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                return

    async def _turn(
        self,
        ws: Any,
        conversation_id: str,
        message_id: str,
        text: str,
        display: Optional[str],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        self._in_flight.add(message_id)
        try:
            await self.registry.send(conversation_id, user_frame(text, message_id, display), exclude=ws)
            await self.registry.send(conversation_id, {"type": "typing", "on": True})
            metadata = budget.stamp({"display": display} if display else None, self.budget_seconds)
            output = WebchatOutput(self.registry)
            message = UserMessage(
                text,
                output,
                conversation_id,
                input_channel=self.name(),
                message_id=message_id,
                metadata=metadata,
            )

            async def late() -> None:
                # The deadline passed with nothing to show: say so; the answer still comes when ready.
                if output.sent == 0:
                    await self.registry.send(conversation_id, {**_error("still_working"), "id": message_id})
                # The message is here and being worked on: the widget stops showing it as 待发送 and
                # stops offering to resend it (a resend while in flight is refused all the same).
                await self.registry.send(conversation_id, {"type": "ack", "id": message_id})

            try:
                turn = asyncio.ensure_future(on_new_message(message))
                await budget.answer_within(turn, metadata[budget.DEADLINE_KEY], late)
                await turn
                if output.sent == 0:
                    # Never silence: a turn whose action failed (e.g. the backend timed out) says so.
                    await self.registry.send(conversation_id, {**_error("no_answer"), "id": message_id})
            except Exception:
                log.exception("webchat turn failed")
                await self.registry.send(conversation_id, {**_error("unavailable"), "id": message_id})
            self._known.add(conversation_id, message_id)
        finally:
            self._in_flight.discard(message_id)
            await self.registry.send(conversation_id, {"type": "typing", "on": False})
            await self.registry.send(conversation_id, {"type": "ack", "id": message_id})


def _parse(raw: Any) -> Optional[Dict[str, Any]]:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(raw, str) or len(raw) > 64_000:
        return None
    try:
        frame = json.loads(raw)
    except ValueError:
        return None
    return frame if isinstance(frame, dict) else None


def _error(code: str) -> Dict[str, Any]:
    return {"type": "error", "code": code, "message": TEXTS[code]}


async def _send(ws: Any, frame: Dict[str, Any]) -> None:
    await ws.send(json.dumps(frame, ensure_ascii=False))
