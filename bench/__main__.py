"""``python -m bench``: our stack and a stock ``rasa init`` bot under the same load, in one run."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Dict, List

import psutil

from bench import flows
from bench.load import run_load, run_long
from bench.memory import PeakRss
from bench.report import render, write
from bench.stack import PLAIN_RASA, full_stack, stock_stack
from bench.stock import stock_model
from bench.stores import production_stores
from tests.stack import ROOT, Services

MODEL = ROOT / "models" / "current.tar.gz"


async def _measure(
    stack: Services, named_flows: Dict[str, flows.Flow], cycle: List[str], rounds: int, meter: PeakRss
) -> Dict[str, Any]:
    for flow in named_flows.values():  # warm-up: first calls load lazily built indexes and TF graphs
        await run_load(stack.rasa_url, "warm-up", flow, 1, 1)
    loads: List[Dict[str, Any]] = []
    for concurrency in (1, 8):
        for label, flow in named_flows.items():
            before = meter.cpu_seconds()
            summary = await run_load(stack.rasa_url, label, flow, concurrency, rounds)
            after = meter.cpu_seconds()
            cpu = {name: round((after[name] - before[name]) * 1000 / max(summary.turns, 1), 1) for name in after}
            print(
                f"  {label:<7} ×{concurrency}: {summary.msg_per_s:6.2f} msg/s  p95 {summary.p95_ms:7.1f} ms  "
                f"CPU/轮 {cpu}",
                flush=True,
            )
            loads.append({**summary.as_dict(), "cpu_ms_per_turn": cpu})
    long_run = await run_long(stack.rasa_url, cycle)
    print(
        f"  长对话：第1–20轮 {long_run['first_20_mean_ms']} ms，第101–120轮 {long_run['turn_101_120_mean_ms']} ms",
        flush=True,
    )
    return {"loads": loads, "long": long_run}


def _run(stack: Services, named_flows: Dict[str, flows.Flow], cycle: List[str], rounds: int) -> Dict[str, Any]:
    with PeakRss(stack.pids()) as memory:
        measured = asyncio.run(_measure(stack, named_flows, cycle, rounds, memory))
        memory.sample()
    return {**measured, "peak_rss_mb": memory.peaks(), "ready_seconds": stack.ready_seconds()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2, help="conversations per simulated user and load")
    parser.add_argument("--no-stock", action="store_true", help="skip the stock bot (no side-by-side)")
    parser.add_argument("--tag", default="", help="a label stored in the JSON (e.g. before/after a change)")
    parser.add_argument(
        "--plain-rasa", action="store_true", help="start our Rasa with plain `rasa run` (without bot.rasa_server)"
    )
    parser.add_argument(
        "--production",
        action="store_true",
        help="endpoints.production.yml: PostgreSQL tracker store, Redis lock store (SANIC_WORKERS then applies)",
    )
    args = parser.parse_args()
    if not MODEL.exists():
        raise SystemExit("没有训练好的模型 models/current.tar.gz：先运行 make train")
    results: Dict[str, Any] = {
        "tag": args.tag,
        "rasa_entry": "rasa" if args.plain_rasa else "bot.rasa_server",
        "endpoints": "endpoints.production.yml" if args.production else "endpoints.yml",
        "sanic_workers": os.environ.get("SANIC_WORKERS", "1"),
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": psutil.cpu_count(),
            "memory_mb": round(psutil.virtual_memory().total / 1e6),
            "python": platform.python_version(),
        },
        "load_average_at_start": [round(x, 2) for x in psutil.getloadavg()],
    }
    stock = None if args.no_stock else stock_model()
    with ExitStack() as cleanup:
        tmp = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="bench-"))
        stores = cleanup.enter_context(production_stores()) if args.production else None
        print("启动本机器人（后端、动作服务、Rasa）……", flush=True)
        entry = PLAIN_RASA if args.plain_rasa else None
        with full_stack(Path(tmp) / "ours", MODEL, entry=entry, stores=stores) as stack:
            results["ours"] = _run(stack, flows.FLOWS, flows.LONG_CYCLE, args.rounds)
        if stock is not None:
            print("启动标准 rasa init 机器人……", flush=True)
            with stock_stack(Path(tmp) / "stock", stock) as stack:
                results["stock"] = _run(stack, {"stock": flows.stock}, flows.STOCK_LONG_CYCLE, args.rounds)
    results["load_average_at_end"] = [round(x, 2) for x in psutil.getloadavg()]
    print(render(results))
    print(f"\n结果已写入 {write(results).relative_to(ROOT)}（以及 results/bench/e2e-latest.json）")


if __name__ == "__main__":
    main()
