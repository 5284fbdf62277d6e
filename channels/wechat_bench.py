"""``make bench-wechat``: 30 simulated users each take the 火锅店 guide through the signed endpoint at once.

Figures (printed and written to results/bench/wechat.json): the share of messages answered passively,
the share answered by 客服消息 push, messages not answered within WeChat's 5 s (must be 0: a reply —
passive or ``success`` followed by a push — always came in time), p50/p95 passive reply time and p95
push delay. No assertions: figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import aiohttp

from channels.wechat_sim_client import WeChatServerSide
from channels.wechat_stack import ROOT, running_stack, simulated_account

RESULT = ROOT / "results" / "bench" / "wechat.json"
FIRST = "我想开一家火锅店，要办什么手续"
# question in the reply → the answer: the number of the option containing the words, or a text
NEXT = [
    ("以什么形式登记", ("option", "个体工商户")),
    ("售卖酒类", ("option", "不售酒")),
    ("建筑面积", ("text", "200")),
    ("户外招牌", ("text", "要挂招牌")),
    ("本人", ("option", "本人办理")),
]
PUSH_WAIT = 60.0
RAMP_SECONDS = 5.0
"""The users arrive within this many seconds."""


@dataclass
class Figures:
    passive: List[float] = field(default_factory=list)
    pushed: List[float] = field(default_factory=list)
    late: int = 0
    unanswered: int = 0
    conversations_completed: int = 0


def next_message(reply: str) -> Optional[str]:
    if "一次性告知单" in reply or "个事项" in reply:
        return None  # the checklist: the guide is done
    for question, (kind, value) in NEXT:
        if question in reply:
            if kind == "text":
                return value
            match = re.search(rf"^(\d+)\. [^\n]*{re.escape(value)}", reply, re.M)
            return match.group(1) if match else value
    return None


async def one_user(wechat: WeChatServerSide, session: aiohttp.ClientSession, figures: Figures) -> None:
    assert wechat.fake is not None
    openid = "o" + uuid.uuid4().hex[:27]
    await asyncio.sleep(random.uniform(0, RAMP_SECONDS))  # noqa: S311 - arrival times, not secrets
    message: Optional[str] = FIRST
    for _ in range(10):
        if message is None:
            figures.conversations_completed += 1
            return
        before = len(wechat.fake.pushes_to(openid))
        sent = time.monotonic()
        delivery = await wechat.say(session, openid, message)
        if delivery.status != 200 or delivery.seconds >= 5.0:
            figures.late += 1  # no try of the three got an answer in time
            return
        if delivery.content is not None:
            figures.passive.append(delivery.seconds)
            reply = delivery.content
        else:
            while len(wechat.fake.pushes_to(openid)) == before and time.monotonic() - sent < PUSH_WAIT:
                await asyncio.sleep(0.05)
            pushes = wechat.fake.pushes_to(openid)[before:]
            if not pushes:
                figures.unanswered += 1
                return
            figures.pushed.append(time.monotonic() - sent)
            reply = "\n".join(p.text for p in pushes)
        message = next_message(reply)
    figures.conversations_completed += message is None


def p95(values: List[float]) -> Optional[float]:
    if not values:
        return None
    return round(statistics.quantiles(values, n=20)[-1], 3) if len(values) > 1 else round(values[0], 3)


async def run(wechat: WeChatServerSide, users: int) -> Dict[str, object]:
    figures = Figures()
    started = time.monotonic()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=users * 2)) as session:
        await asyncio.gather(*[one_user(wechat, session, figures) for _ in range(users)])
    total = len(figures.passive) + len(figures.pushed) + figures.late + figures.unanswered
    return {
        "users": users,
        "messages": total,
        "conversations_completed": figures.conversations_completed,
        "share_passive": round(len(figures.passive) / total, 3) if total else None,
        "share_pushed": round(len(figures.pushed) / total, 3) if total else None,
        "late_over_5s": figures.late,
        "unanswered": figures.unanswered,
        "passive_p50_seconds": round(statistics.median(figures.passive), 3) if figures.passive else None,
        "passive_p95_seconds": p95(figures.passive),
        "push_p95_seconds": p95(figures.pushed),
        "wall_seconds": round(time.monotonic() - started, 1),
        "passive_window_seconds": wechat.config.passive_seconds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="公众号渠道压测：模拟用户并发走火锅店导办")
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args()
    config = simulated_account(safe_mode=True)
    print("正在启动服务（公众号指向本地模拟的微信接口）……", flush=True)
    with running_stack(config) as stack:
        wechat = WeChatServerSide(config, stack.webhook, stack.fake)
        result = asyncio.run(run(wechat, args.users))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"公众号渠道（安全模式，签名+加密，{args.users} 个用户并发）：")
    for key, value in result.items():
        print(f"  {key:24} {value}")
    print(f"已写入 {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
