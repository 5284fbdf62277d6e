"""Drive scripted conversations through the REST channel and summarise each turn's latency."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import aiohttp

from bench.flows import Flow

TURN_TIMEOUT = aiohttp.ClientTimeout(total=30)


def percentile(samples: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 20 samples is the 19th smallest)."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(1, round(share * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Turns:
    latencies_ms: List[float] = field(default_factory=list)
    errors: int = 0
    unexpected: int = 0
    first_errors: List[str] = field(default_factory=list)
    first_unexpected: List[str] = field(default_factory=list)

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.first_errors) < 3:
            self.first_errors.append(text)


@dataclass
class Summary:
    label: str
    concurrency: int
    turns: int
    seconds: float
    msg_per_s: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    errors: int
    unexpected: int
    first_errors: List[str]
    first_unexpected: List[str]

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


def summarise(label: str, concurrency: int, turns: Turns, seconds: float) -> Summary:
    samples = turns.latencies_ms
    return Summary(
        label=label,
        concurrency=concurrency,
        turns=len(samples),
        seconds=round(seconds, 2),
        msg_per_s=round(len(samples) / seconds, 2) if seconds else 0.0,
        p50_ms=round(percentile(samples, 0.50), 1),
        p95_ms=round(percentile(samples, 0.95), 1),
        max_ms=round(max(samples), 1) if samples else float("nan"),
        errors=turns.errors,
        unexpected=turns.unexpected,
        first_errors=turns.first_errors,
        first_unexpected=turns.first_unexpected,
    )


class Conversation:
    """One sender's turns over a shared keep-alive session; records every turn in ``turns``."""

    def __init__(self, session: aiohttp.ClientSession, rasa_url: str, turns: Turns, sender: Optional[str] = None):
        self.session = session
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.turns = turns
        self.sender = sender or f"bench-{uuid.uuid4().hex[:12]}"

    async def say(self, message: str, expect: Optional[str] = None) -> str:
        start = time.perf_counter()
        try:
            async with self.session.post(self.url, json={"sender": self.sender, "message": message}) as response:
                body = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            self.turns.latencies_ms.append((time.perf_counter() - start) * 1000)
            self.turns.error(f"{message!r}: {type(error).__name__}")
            return ""
        self.turns.latencies_ms.append((time.perf_counter() - start) * 1000)
        if status != 200 or not isinstance(body, list) or not body:
            self.turns.error(f"{message!r}: HTTP {status}, {str(body)[:80]}")
            return ""
        text = "\n".join(str(item.get("text", "")) for item in body if isinstance(item, dict))
        if expect is not None and expect not in text:
            self.turns.unexpected += 1
            if len(self.turns.first_unexpected) < 3:
                self.turns.first_unexpected.append(f"{message!r} → {text[:120]!r}")
        return text


async def run_load(rasa_url: str, label: str, flow: Flow, concurrency: int, per_worker: int) -> Summary:
    """``concurrency`` users, each running ``per_worker`` fresh conversations of ``flow`` back to back."""
    turns = Turns()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(timeout=TURN_TIMEOUT, connector=connector) as session:

        async def worker() -> None:
            for _ in range(per_worker):
                await flow(Conversation(session, rasa_url, turns).say)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - start
    return summarise(label, concurrency, turns, seconds)


async def run_long(rasa_url: str, cycle: Sequence[str], length: int = 120) -> Dict[str, Any]:
    """One conversation of ``length`` turns: turns 1–20 against turns 101–120."""
    turns = Turns()
    async with aiohttp.ClientSession(timeout=TURN_TIMEOUT) as session:
        conversation = Conversation(session, rasa_url, turns)
        for index in range(length):
            await conversation.say(cycle[index % len(cycle)])
    early, late = turns.latencies_ms[:20], turns.latencies_ms[100:120]
    early_mean, late_mean = sum(early) / len(early), sum(late) / len(late)
    return {
        "turns": len(turns.latencies_ms),
        "errors": turns.errors,
        "first_errors": turns.first_errors,
        "first_20_mean_ms": round(early_mean, 1),
        "turn_101_120_mean_ms": round(late_mean, 1),
        "first_20_p50_ms": round(percentile(early, 0.5), 1),
        "turn_101_120_p50_ms": round(percentile(late, 0.5), 1),
        "ratio": round(late_mean / early_mean, 2),
    }
