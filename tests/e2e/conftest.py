"""Prints the fault matrix (tests/e2e/test_fault_matrix.py) at the end of the run, and keeps it in results/."""

from __future__ import annotations

from typing import Any

from tests.stack import ROOT


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.e2e import fault_stack

    rows = fault_stack.RESULTS
    if not rows:
        return
    lines = [
        "| 故障 | 丢失 | 重复 | 告知用户 | 告知属实 | 凭所给号码查到 |",
        "|---|---|---|---|---|---|",
        *(
            f"| {r.fault} | {r.lost} | {r.doubled} | {r.told} | {'是' if r.truthful else '否'} | "
            f"{'是' if r.found else '否'} |"
            for r in rows
        ),
        f"| 合计 | {sum(r.lost for r in rows)} | {sum(r.doubled for r in rows)} | | | |",
    ]
    terminalreporter.write_sep("=", "诉求故障矩阵 (fault → lost, doubled, told)")
    for line in lines:
        terminalreporter.write_line(line)
    results = ROOT / "results"
    results.mkdir(exist_ok=True)
    (results / "fault_matrix.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
