"""The webchat channel's protocol over a raw WebSocket, against the real Rasa (shares the widget stack)."""

from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Coroutine, Dict, List, Optional, Tuple

import pytest
import websockets.client

from channels.webchat_session import SessionSigner
from tests.browser.widget_stack import RASA_TOKEN, WEBCHAT_SECRET, Stack, widget_stack_fixture  # noqa: F401


@pytest.fixture
def stack(widget_stack: Stack) -> Stack:
    return widget_stack


def run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run in a thread of its own: this thread's event loop belongs to Playwright's sync API."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


class Client:
    def __init__(self, socket: Any) -> None:
        self.socket = socket

    async def frame(self, kind: Optional[str] = None, timeout: float = 60) -> Dict[str, Any]:
        while True:
            frame: Dict[str, Any] = json.loads(await asyncio.wait_for(self.socket.recv(), timeout))
            if kind is None or frame["type"] == kind:
                return frame

    async def say(self, text: str, message_id: Optional[str] = None) -> str:
        message_id = message_id or uuid.uuid4().hex
        await self.socket.send(json.dumps({"type": "message", "id": message_id, "text": text}))
        return message_id

    async def until_ack(self, message_id: str) -> List[Dict[str, Any]]:
        frames = []
        while True:
            frame = await self.frame()
            frames.append(frame)
            if frame["type"] == "ack" and frame["id"] == message_id:
                return frames


async def hello(stack: Stack, session: Optional[str]) -> Tuple[Any, Dict[str, Any]]:
    socket = await websockets.client.connect(stack.websocket)
    await socket.send(json.dumps({"type": "hello", "session": session}))
    client = Client(socket)
    return client, await client.frame("session")


def test_forged_or_chosen_sessions_get_a_fresh_conversation(stack: Stack) -> None:
    run(_forged_or_chosen_sessions_get_a_fresh_conversation(stack))


async def _forged_or_chosen_sessions_get_a_fresh_conversation(stack: Stack) -> None:
    first, welcome = await hello(stack, None)
    assert welcome["new"] is True and welcome["history"] == []
    assert SessionSigner(WEBCHAT_SECRET).verify(welcome["session"]) == welcome["conversation_id"]
    await first.until_ack(await first.say("你好"))
    await first.socket.close()
    victim = welcome["conversation_id"]
    forged = SessionSigner("not-the-server-secret-0000").token(victim)
    for attempt in (victim, forged, victim + ".", "rest-user"):
        client, session = await hello(stack, attempt)
        assert session["new"] is True and session["conversation_id"] != victim and session["history"] == []
        await client.socket.close()
    again, resumed = await hello(stack, welcome["session"])
    assert resumed["new"] is False and resumed["conversation_id"] == victim
    assert [f["text"] for f in resumed["history"] if f["type"] == "user"] == ["你好"]
    await again.socket.close()


def test_a_resent_message_is_processed_once(stack: Stack) -> None:
    run(_a_resent_message_is_processed_once(stack))


async def _a_resent_message_is_processed_once(stack: Stack) -> None:
    client, session = await hello(stack, None)
    message_id = await client.say("食品经营许可证要多久")
    frames = await client.until_ack(message_id)
    assert frames[0]["type"] == "typing" and any(f["type"] == "bot" for f in frames)
    await client.say("食品经营许可证要多久", message_id)  # e.g. re-sent after a reconnect
    assert await client.frame("ack") == {"type": "ack", "id": message_id, "duplicate": True}
    await client.socket.close()
    url = f"{stack.rasa}/conversations/{session['conversation_id']}/tracker?token={RASA_TOKEN}"
    with urllib.request.urlopen(url, timeout=10) as response:
        events = json.loads(response.read())["events"]
    assert [e["message_id"] for e in events if e["event"] == "user"] == [message_id]


def test_bad_frames_get_clear_chinese_errors(stack: Stack) -> None:
    run(_bad_frames_get_clear_chinese_errors(stack))


async def _bad_frames_get_clear_chinese_errors(stack: Stack) -> None:
    client, _ = await hello(stack, None)
    await client.socket.send("not json")
    assert (await client.frame("error"))["message"] == "消息格式不正确，请刷新页面后重试。"
    message_id = await client.say("长" * 10_000)
    error = await client.frame("error")
    assert error["code"] == "too_long" and error["id"] == message_id and "2000" in error["message"]
    assert await client.frame("ack") == {"type": "ack", "id": message_id, "rejected": True}
    empty = await client.say("   ")
    assert (await client.frame("error"))["message"] == "消息是空的，请输入您要咨询的内容。"
    assert (await client.frame("ack"))["id"] == empty
    await client.socket.send(json.dumps({"type": "ping"}))
    assert await client.frame("pong") == {"type": "pong"}
    await client.socket.close()


def test_no_hello_no_conversation(stack: Stack) -> None:
    run(_no_hello_no_conversation(stack))


async def _no_hello_no_conversation(stack: Stack) -> None:
    socket = await websockets.client.connect(stack.websocket)
    await socket.send(json.dumps({"type": "message", "id": uuid.uuid4().hex, "text": "你好"}))
    with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
        await asyncio.wait_for(socket.recv(), 30)
    assert closed.value.code == 4400


def test_server_push_reaches_every_open_tab(stack: Stack) -> None:
    run(_server_push_reaches_every_open_tab(stack))


async def _server_push_reaches_every_open_tab(stack: Stack) -> None:
    """Rasa's HTTP API pushes through the channel (what handoff and reminders use)."""
    tab, session = await hello(stack, None)
    await tab.until_ack(await tab.say("你好"))
    other, _ = await hello(stack, session["session"])
    url = (
        f"{stack.rasa}/conversations/{session['conversation_id']}/trigger_intent"
        f"?output_channel=webchat&token={RASA_TOKEN}"
    )
    request = urllib.request.Request(
        url, data=json.dumps({"name": "greet"}).encode(), headers={"Content-Type": "application/json"}
    )
    await asyncio.get_running_loop().run_in_executor(None, lambda: urllib.request.urlopen(request, timeout=60).read())
    for client in (tab, other):
        pushed = await client.frame("bot")
        assert "您好" in pushed["text"]
        await client.socket.close()
