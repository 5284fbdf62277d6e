"""The side-by-side table and the issue's targets, printed and written as JSON under results/bench/."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results" / "bench"

Row = Tuple[str, str, str, Optional[bool]]


def _load(results: Dict[str, Any], bot: str, label: str, concurrency: int) -> Optional[Dict[str, Any]]:
    for item in results.get(bot, {}).get("loads", []):
        if item["label"] == label and item["concurrency"] == concurrency:
            return dict(item)
    return None


def _fmt(value: Optional[float], unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:g}{unit}"


def targets(results: Dict[str, Any]) -> List[Row]:
    """(target, measured, limit, met) for each target of issue 13 §2."""
    ours8 = _load(results, "ours", "guide", 8) or {}
    stock8 = _load(results, "stock", "stock", 8) or {}
    ours1 = _load(results, "ours", "guide", 1) or {}
    memory = results.get("ours", {}).get("peak_rss_mb", {})
    long_run = results.get("ours", {}).get("long", {})
    all_loads = results.get("ours", {}).get("loads", [])
    worst = max((item["max_ms"] for item in all_loads), default=None)
    rows: List[Row] = []
    if ours8 and stock8:
        limit = 0.8 * stock8["msg_per_s"]
        rows.append(
            (
                "8 并发办事对话吞吐 ≥ 0.8× 标准机器人",
                _fmt(ours8["msg_per_s"], " msg/s"),
                f"≥ {limit:.1f} msg/s",
                ours8["msg_per_s"] >= limit,
            )
        )
    if ours8:
        rows.append(("8 并发办事对话 p95 ≤ 400 ms", _fmt(ours8["p95_ms"], " ms"), "≤ 400 ms", ours8["p95_ms"] <= 400))
    if ours1:
        rows.append(
            ("单个对话（含动作）p95 ≤ 100 ms", _fmt(ours1["p95_ms"], " ms"), "≤ 100 ms", ours1["p95_ms"] <= 100)
        )
    if long_run:
        rows.append(
            ("第101–120轮 ≤ 1.5× 第1–20轮（均值）", _fmt(long_run["ratio"], "×"), "≤ 1.5×", long_run["ratio"] <= 1.5)
        )
    if memory:
        rows.append(
            ("Rasa 常驻内存峰值 ≤ 1.4 GB", _fmt(memory.get("rasa"), " MB"), "≤ 1400 MB", memory.get("rasa", 0) <= 1400)
        )
        rows.append(
            ("全栈常驻内存峰值 ≤ 2 GB", _fmt(memory.get("total"), " MB"), "≤ 2000 MB", memory.get("total", 0) <= 2000)
        )
    if worst is not None:
        rows.append(
            (
                "每轮 ≤ 3.5 s（所有负载中最慢的一轮；到点的“系统繁忙”计入答非所期）",
                _fmt(worst, " ms"),
                "≤ 3500 ms",
                worst <= 3500,
            )
        )
    return rows


def side_by_side(results: Dict[str, Any]) -> List[str]:
    header = (
        f"{'机器人':<6} {'对话':<7} {'并发':>4} {'轮数':>5} {'msg/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'错误':>4} {'答非所期':>6}  {'CPU ms/轮（各进程）'}"
    )
    lines = [header, "-" * len(header)]
    for bot in ("ours", "stock"):
        for item in results.get(bot, {}).get("loads", []):
            lines.append(
                f"{'本机器人' if bot == 'ours' else '标准':<6} {item['label']:<7} "
                f"{item['concurrency']:>4} {item['turns']:>5} "
                f"{item['msg_per_s']:>7.2f} {item['p50_ms']:>8.1f} {item['p95_ms']:>8.1f} {item['max_ms']:>8.1f} "
                f"{item['errors']:>4} {item['unexpected']:>6}  "
                + " ".join(f"{name} {value:g}" for name, value in item.get("cpu_ms_per_turn", {}).items())
            )
    ours8, stock8 = _load(results, "ours", "guide", 8), _load(results, "stock", "stock", 8)
    ours1, stock1 = _load(results, "ours", "guide", 1), _load(results, "stock", "stock", 1)
    if ours8 and stock8:
        lines.append(
            f"8 并发办事 / 标准：吞吐 {ours8['msg_per_s'] / stock8['msg_per_s']:.2f}×，"
            f"p95 {ours8['p95_ms'] / stock8['p95_ms']:.2f}×"
        )
    if ours1 and stock1:
        lines.append(f"单个对话 办事 / 标准：p95 {ours1['p95_ms'] / stock1['p95_ms']:.2f}×")
    return lines


def details(results: Dict[str, Any]) -> List[str]:
    lines = []
    for bot, name in (("ours", "本机器人"), ("stock", "标准机器人")):
        data = results.get(bot)
        if not data:
            continue
        long_run = data.get("long", {})
        if long_run:
            lines.append(
                f"{name} 长对话（{long_run['turns']} 轮，错误 {long_run['errors']}）：第1–20轮均值 "
                f"{long_run['first_20_mean_ms']} ms，第101–120轮均值 {long_run['turn_101_120_mean_ms']} ms，"
                f"比值 {long_run['ratio']}×"
            )
        memory = ", ".join(f"{key} {value} MB" for key, value in data.get("peak_rss_mb", {}).items())
        lines.append(f"{name} 常驻内存峰值：{memory}")
        ready = ", ".join(f"{key} {value:.1f} s" for key, value in data.get("ready_seconds", {}).items() if value)
        lines.append(f"{name} 启动到就绪：{ready}")
    for item in [*results.get("ours", {}).get("loads", []), *results.get("stock", {}).get("loads", [])]:
        for error in item.get("first_errors", []):
            lines.append(f"  错误示例（{item['label']} ×{item['concurrency']}）：{error}")
        for reply in item.get("first_unexpected", []):
            lines.append(f"  答非所期示例（{item['label']} ×{item['concurrency']}）：{reply}")
    return lines


def render(results: Dict[str, Any]) -> str:
    lines = ["", "== 端到端基准（REST 通道，同一台机器、同一次运行）==", *side_by_side(results), "", *details(results)]
    lines += ["", "== 目标（issue 13 §2）==", f"{'目标':<34} {'实测':>14} {'要求':>14}  结果"]
    for name, measured, limit, met in targets(results):
        verdict = "—" if met is None else ("达到" if met else "未达到")
        lines.append(f"{name:<34} {measured:>14} {limit:>14}  {verdict}")
    lines.append("微信 30 用户（被动回复/客服消息推送/超时须为 0）：见 make bench-wechat 的输出")
    return "\n".join(lines)


def write(results: Dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    results = {
        **results,
        "targets": [dict(zip(("target", "measured", "limit", "met"), row, strict=True)) for row in targets(results)],
    }
    path = RESULTS / f"e2e-{stamp}.json"
    text = json.dumps(results, ensure_ascii=False, indent=2)
    path.write_text(text, encoding="utf-8")
    (RESULTS / "e2e-latest.json").write_text(text, encoding="utf-8")
    return path
