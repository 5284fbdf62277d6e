"""``python -m bench.profile``: py-spy on Rasa, the action server and the backend under 8 concurrent
guide conversations. Writes each process's collapsed stacks and a summary to results/bench/.

The summary shows, per process, how busy it was (samples against the wall clock) and the
functions with the largest inclusive share of its samples, our own code and libraries alike.
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
from typing import Dict, List, Tuple

from bench import flows
from bench.load import run_load
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


def summarise(raw: Path, seconds: float, top: int) -> Tuple[str, List[Tuple[str, float]]]:
    inclusive: Counter = Counter()
    total = 0
    for line in raw.read_text("utf-8", "replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        for name in {_frame_name(frame) for frame in stack.split(";")}:  # once per sample
            inclusive[name] += count
    busy = total / (seconds * RATE) if seconds else 0.0
    ranked = [(name, count / total) for name, count in inclusive.most_common() if total]
    interesting = [item for item in ranked if not item[0].startswith(("<module>", "run (", "_run_module"))]
    return f"busy {busy:.0%} of one core ({total} samples)", interesting[:top]


async def _load_for(rasa_url: str, seconds: float) -> int:
    deadline, rounds = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        await run_load(rasa_url, "guide", flows.guide, 8, 1)
        rounds += 1
    return rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp, full_stack(Path(tmp), MODEL) as stack:
        asyncio.run(run_load(stack.rasa_url, "warm-up", flows.guide, 2, 1))
        spies: Dict[str, Tuple[subprocess.Popen, Path]] = {}
        for name, pid in stack.pids().items():
            raw = RESULTS / f"profile-{stamp}-{name}.txt"
            command = [str(PY_SPY), "record", "--pid", str(pid), "--rate", str(RATE), "--format", "raw"]
            command += ["--duration", str(int(args.seconds)), "--output", str(raw), "--nonblocking"]
            spies[name] = (subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), raw)  # noqa: S603
        started = time.monotonic()
        rounds = asyncio.run(_load_for(stack.rasa_url, args.seconds))
        for process, _raw in spies.values():
            process.wait(timeout=args.seconds + 60)
        elapsed = max(args.seconds, time.monotonic() - started)
    lines = [f"py-spy {RATE} Hz, {args.seconds:.0f} s, 8 concurrent guide conversations ({rounds} rounds)"]
    for name, (_process, raw) in spies.items():
        if not raw.exists():
            lines.append(f"\n== {name}: no profile (py-spy needs ptrace permission) ==")
            continue
        busy, ranked = summarise(raw, min(elapsed, args.seconds), args.top)
        lines.append(f"\n== {name}: {busy}; inclusive share of samples ==")
        lines += [f"  {share:6.1%}  {frame}" for frame, share in ranked]
    text = "\n".join(lines)
    print(text)
    summary = RESULTS / f"profile-{stamp}-summary.txt"
    summary.write_text(text + "\n", encoding="utf-8")
    print(f"\n已写入 {summary.relative_to(ROOT)}（各进程的折叠调用栈在同目录 profile-{stamp}-*.txt）")


if __name__ == "__main__":
    main()
