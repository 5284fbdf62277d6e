"""``python -m app.knowledge.report [DIR] [--today YYYY-MM-DD]``: what in knowledge/ needs review.

Prints the sections of :func:`app.knowledge.review.build_report`. Exits 1 only when the files do not
validate (the same errors ``make knowledge`` refuses); a list of items to review is not an error, so
CI can run it on every change.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from app.knowledge.loader import KnowledgeError, default_knowledge_dir, load_knowledge
from app.knowledge.provenance import VERIFICATION_LABELS
from app.knowledge.review import ENDING_WITHIN_DAYS, STALE_AFTER_DAYS, Entry, Report, build_report

CHINA = ZoneInfo("Asia/Shanghai")


def _section(title: str, entries: list[Entry]) -> list[str]:
    lines = [f"## {title}（{len(entries)}）"]
    if not entries:
        return [*lines, "  无"]
    return lines + [f"  - [{e.kind}] {e.id} {e.name}：{e.detail}" for e in entries]


def format_report(report: Report) -> str:
    lines = [f"# 知识库核对报告（{report.today.isoformat()}）"]
    lines += _section(f"超过 {STALE_AFTER_DAYS} 天未核对", report.stale)
    lines += _section("现行条目的依据已被替代，须改用新依据", report.on_superseded)
    lines += _section(f"{ENDING_WITHIN_DAYS} 天内到期的政策", report.ending_soon)
    lines += _section("未核对原文（verification: unverified，答复附“以主管部门最新公布为准”）", report.unverified)
    lines += _section("文中提到、departments.yml 中没有的部门", report.missing_departments)
    lines.append("## 合计")
    lines.append("  " + "，".join(f"{kind} {count}" for kind, count in report.totals.items()))
    lines.append(
        "  核对方式："
        + "，".join(f"{VERIFICATION_LABELS[key]} {report.verification.get(key, 0)}" for key in VERIFICATION_LABELS)
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.knowledge.report", description="知识库核对报告")
    parser.add_argument("directory", nargs="?", type=Path, default=None, help="knowledge/ 目录（默认本仓库的）")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="报告日期 YYYY-MM-DD（默认中国今天）")
    args = parser.parse_args(argv)
    today = args.today or datetime.now(CHINA).date()
    try:
        kb = load_knowledge(args.directory or default_knowledge_dir())
    except KnowledgeError as error:
        print(f"knowledge/ 有 {len(error.problems)} 个错误，无法生成报告：", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    sys.stdout.write(format_report(build_report(kb, today)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
