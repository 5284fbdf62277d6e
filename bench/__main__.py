"""``python -m bench``: our stack and a stock ``rasa init`` bot under the same load, in one run."""

from __future__ import annotations

import argparse
import asyncio
import platform
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

import psutil

from bench import flows
from bench.load import Summary, run_load, run_long
from bench.memory import PeakRss
from bench.report import render, write
from bench.stack import ROOT, Stack, full_stack, stock_stack
from bench.stock import stock_model

MODEL = ROOT / "models" / "current.tar.gz"


async def _measure(stack: Stack, named_flows: Dict[str, flows.Flow], cycle: List[str], rounds: int) -> Dict[str, Any]:
    for flow in named_flows.values():  # warm-up: first calls load lazily built indexes and TF graphs
        await run_load(stack.rasa_url, "warm-up", flow, 1, 1)
    loads: List[Summary] = []
    for concurrency in (1, 8):
        for label, flow in named_flows.items():
            summary = await run_load(stack.rasa_url, label, flow, concurrency, rounds)
            print(
                f"  {label:<7} ×{concurrency}: {summary.msg_per_s:6.2f} msg/s  p95 {summary.p95_ms:7.1f} ms", flush=True
            )
            loads.append(summary)
    long_run = await run_long(stack.rasa_url, cycle)
    print(
        f"  长对话：第1–20轮 {long_run['first_20_mean_ms']} ms，第101–120轮 {long_run['turn_101_120_mean_ms']} ms",
        flush=True,
    )
    return {"loads": [item.as_dict() for item in loads], "long": long_run}


def _run(stack: Stack, named_flows: Dict[str, flows.Flow], cycle: List[str], rounds: int) -> Dict[str, Any]:
    with PeakRss(stack.pids()) as memory:
        measured = asyncio.run(_measure(stack, named_flows, cycle, rounds))
        memory.sample()
    return {**measured, "peak_rss_mb": memory.peaks(), "ready_seconds": stack.ready()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2, help="conversations per simulated user and load")
    parser.add_argument("--no-stock", action="store_true", help="skip the stock bot (no side-by-side)")
    parser.add_argument("--tag", default="", help="a label stored in the JSON (e.g. before/after a change)")
    args = parser.parse_args()
    if not MODEL.exists():
        raise SystemExit("没有训练好的模型 models/current.tar.gz：先运行 make train")
    results: Dict[str, Any] = {
        "tag": args.tag,
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": psutil.cpu_count(),
            "memory_mb": round(psutil.virtual_memory().total / 1e6),
            "python": platform.python_version(),
        },
        "load_average_at_start": [round(x, 2) for x in psutil.getloadavg()],
    }
    stock = None if args.no_stock else stock_model()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        print("启动本机器人（后端、动作服务、Rasa）……", flush=True)
        with full_stack(Path(tmp) / "ours", MODEL) as stack:
            results["ours"] = _run(stack, flows.FLOWS, flows.LONG_CYCLE, args.rounds)
        if stock is not None:
            print("启动标准 rasa init 机器人……", flush=True)
            with stock_stack(Path(tmp) / "stock", stock) as stack:
                results["stock"] = _run(stack, {"stock": flows.stock}, flows.STOCK_LONG_CYCLE, args.rounds)
    print(render(results))
    print(f"\n结果已写入 {write(results).relative_to(ROOT)}（以及 results/bench/e2e-latest.json）")


if __name__ == "__main__":
    main()
