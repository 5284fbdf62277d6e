"""``make bench-widget``: what the web widget costs a user.

1. Transferred size: every file the browser loads for the widget (embed script, modules,
   stylesheet), fetched from the running backend with ``Accept-Encoding: gzip``. Target ≤ 30 KB.
2. First-answer round trip through the webchat WebSocket channel: connect + hello → session,
   then message → first bot frame, for several sentences in fresh conversations.

Starts backend, action server and Rasa on free ports (as the browser tests do). Prints figures;
asserts nothing.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import List, Tuple

import websockets.client

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.widget_stack import running_stack  # noqa: E402

TARGET_BYTES = 30 * 1024
SENTENCES = [
    "我想在黔江开一家火锅店，需要办哪些手续",
    "开奶茶店要办哪些证",
    "小微企业有什么补贴",
    "食品经营许可证要多久",
    "政务服务中心电话多少",
    "你好",
]


def transferred(backend: str) -> List[Tuple[str, int, int]]:
    paths = ["/widget.js"] + [f"/web/widget/{p.name}" for p in sorted((ROOT / "web" / "widget").iterdir())]
    paths = [p for p in paths if not p.endswith("/loader.js")]
    sizes = []
    for path in paths:
        request = urllib.request.Request(backend + path, headers={"Accept-Encoding": "gzip"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the backend started above
            body = response.read()
            encoding = response.headers.get("Content-Encoding", "identity")
        raw = (ROOT / "web" / "widget" / ("loader.js" if path == "/widget.js" else Path(path).name)).stat().st_size
        sizes.append((f"{path} ({encoding})", raw, len(body)))
    return sizes


async def round_trip(websocket: str, sentence: str) -> Tuple[float, float]:
    started = time.perf_counter()
    async with websockets.client.connect(websocket, max_size=2**20) as socket:
        await socket.send(json.dumps({"type": "hello", "session": None}))
        while json.loads(await socket.recv())["type"] != "session":
            pass
        session = time.perf_counter() - started
        sent = time.perf_counter()
        await socket.send(json.dumps({"type": "message", "id": uuid.uuid4().hex, "text": sentence}))
        while json.loads(await socket.recv())["type"] != "bot":
            pass
        return session, time.perf_counter() - sent


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp)) as stack:
        print("网页挂件传输大小（gzip）：")
        sizes = transferred(stack.backend)
        for name, raw, sent in sizes:
            print(f"  {name:<42} {raw / 1024:6.1f} KB → {sent / 1024:5.1f} KB")
        total = sum(sent for _, _, sent in sizes)
        verdict = "达标" if total <= TARGET_BYTES else "超标"
        print(f"  合计 {total / 1024:.1f} KB（目标 ≤ {TARGET_BYTES // 1024} KB，{verdict}；全部为本项目代码）")

        print("经 WebSocket 渠道的首次答复往返（每句一个新会话）：")
        sessions, answers = [], []
        for sentence in SENTENCES * 2:
            session, answer = asyncio.run(round_trip(stack.websocket, sentence))
            sessions.append(session * 1000)
            answers.append(answer * 1000)
        for label, values in (("连接+握手", sessions), ("消息→首条答复", answers)):
            ordered = sorted(values)
            p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
            print(f"  {label:<12} 中位数 {statistics.median(values):7.1f} ms   p95 {p95:7.1f} ms   n={len(values)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
