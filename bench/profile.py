"""``python -m bench.profile``: py-spy on Rasa, the action server and the backend under 8 concurrent
guide conversations. Writes each process's collapsed stacks and a summary to results/bench/.

The summary shows, per process, its CPU use over the window (from the kernel, via psutil: py-spy
cannot tell uvloop's native wait from work) and the functions with the largest inclusive share of
its samples that are not idle waits, our own code and libraries alike.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import aiohttp
import psutil

from bench import flows
from bench.load import Conversation, Turns, run_load
from bench.report import RESULTS
from bench.stack import ROOT, full_stack

MODEL = ROOT / "models" / "current.tar.gz"
PY_SPY = Path(sys.executable).with_name("py-spy")
RATE = 50


def _frame_name(frame: str) -> str:
    """``handle (rasa/core/processor.py:123)`` → ``handle (rasa/core/processor.py)``: lines merged."""
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", "/work/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"


IDLE_LEAVES = ("serve (sanic/server/runners.py", "Runner.run (asyncio/runners.py", "Condition.wait", "Queue.get")
"""Leaf frames that are a thread waiting (the event loop in native code, idle worker threads)."""


def summarise(raw: Path, top: int) -> Tuple[str, List[Tuple[str, float]]]:
    inclusive: Counter = Counter()
    total = 0
    for line in raw.read_text("utf-8", "replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        if _frame_name(stack.split(";")[-1]).startswith(IDLE_LEAVES):
            continue
        count = int(count_text)
        total += count
        for name in {_frame_name(frame) for frame in stack.split(";")}:  # once per sample
            inclusive[name] += count
    ranked = [(name, count / total) for name, count in inclusive.most_common() if total]
    interesting = [item for item in ranked if not item[0].startswith(("<module>", "run (", "_run_module"))]
    return f"{total} working samples", interesting[:top]


async def _load_for(rasa_url: str, seconds: float) -> int:
    deadline, rounds = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        await run_load(rasa_url, "guide", flows.guide, 8, 1)
        rounds += 1
    return rounds


class _LongConversation:
    """One conversation of the long cycle: ``warm`` turns first, then as many as fit in the window."""

    def __init__(self, rasa_url: str) -> None:
        self.rasa_url, self.index = rasa_url, 0
        self.sender = f"bench-long-{int(time.time())}"

    async def turns(self, count: Optional[int] = None, seconds: Optional[float] = None) -> int:
        deadline = time.monotonic() + (seconds or 0)
        async with aiohttp.ClientSession() as session:
            conversation = Conversation(session, self.rasa_url, Turns(), sender=self.sender)
            done = 0
            while (count is not None and done < count) or (seconds is not None and time.monotonic() < deadline):
                await conversation.say(flows.LONG_CYCLE[self.index % len(flows.LONG_CYCLE)])
                self.index, done = self.index + 1, done + 1
        return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--long", action="store_true", help="profile turns 100 onwards of one long conversation instead of 8 users"
    )
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp, full_stack(Path(tmp), MODEL) as stack:
        asyncio.run(run_load(stack.rasa_url, "warm-up", flows.guide, 2, 1))
        long_run = _LongConversation(stack.rasa_url) if args.long else None
        if long_run is not None:
            asyncio.run(long_run.turns(count=100))
        spies: Dict[str, Tuple[subprocess.Popen, Path]] = {}
        for name, pid in stack.pids().items():
            raw = RESULTS / f"profile-{stamp}-{name}.txt"
            command = [str(PY_SPY), "record", "--pid", str(pid), "--rate", str(RATE), "--format", "raw"]
            command += ["--duration", str(int(args.seconds)), "--output", str(raw), "--nonblocking"]
            spies[name] = (subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), raw)  # noqa: S603
        processes = {name: psutil.Process(pid) for name, pid in stack.pids().items()}
        cpu_before = {name: sum(process.cpu_times()[:2]) for name, process in processes.items()}
        started = time.monotonic()
        if long_run is not None:
            rounds = asyncio.run(long_run.turns(seconds=args.seconds))
        else:
            rounds = asyncio.run(_load_for(stack.rasa_url, args.seconds))
        elapsed = time.monotonic() - started
        cpu = {name: (sum(p.cpu_times()[:2]) - cpu_before[name]) / elapsed for name, p in processes.items()}
        for process, _raw in spies.values():
            process.wait(timeout=args.seconds + 60)
    load = (
        f"turns 101–{100 + rounds} of one conversation"
        if args.long
        else f"8 concurrent guide conversations ({rounds} rounds)"
    )
    lines = [f"py-spy {RATE} Hz, {args.seconds:.0f} s, {load}"]
    for name, (_process, raw) in spies.items():
        if not raw.exists():
            lines.append(f"\n== {name}: no profile (py-spy needs ptrace permission) ==")
            continue
        samples, ranked = summarise(raw, args.top)
        lines.append(f"\n== {name}: CPU {cpu[name]:.0%} of one core; {samples}, inclusive share ==")
        lines += [f"  {share:6.1%}  {frame}" for frame, share in ranked]
    text = "\n".join(lines)
    print(text)
    summary = RESULTS / f"profile-{stamp}-summary.txt"
    summary.write_text(text + "\n", encoding="utf-8")
    print(f"\n已写入 {summary.relative_to(ROOT)}（各进程的折叠调用栈在同目录 profile-{stamp}-*.txt）")


if __name__ == "__main__":
    main()
