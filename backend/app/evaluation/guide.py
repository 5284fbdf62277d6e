"""Routing accuracy of 办事/事项/政策 questions as people type them (``eval/guide.yml``).

Each phrase names what must answer it (``bundle:<id>``, ``matter:<id>`` or ``policy:<id>``); top-1 is
what the router puts first: the matter, the first bundle candidate or the first policy named.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from app.knowledge.loader import load_knowledge
from app.services.catalog import Catalog
from app.services.routing import POLICY_SURE, Route, route

EVAL_DIR = Path(__file__).resolve().parents[3] / "eval"
EVAL_FILE = EVAL_DIR / "guide.yml"
HOLDOUT_FILE = EVAL_DIR / "guide_holdout.yml"
"""Written without looking at the keyword lists and never used to tune the matcher: the honest figure."""
EVAL_DAY = date(2026, 12, 1)


@dataclass(frozen=True)
class Outcome:
    text: str
    style: str
    expected: str
    got: str

    @property
    def hit(self) -> bool:
        return self.expected == self.got


def top1(found: Route) -> str:
    if found.kind == "matter" and found.matter is not None:
        return f"matter:{found.matter.matter_id}"
    if found.kind == "policy":
        named = [h for h in [*found.policy.results, *found.policy.expired] if h.score >= POLICY_SURE]
        return f"policy:{named[0].policy.id}" if named else "none"
    if found.kind == "bundle" and found.bundles.candidates:
        return f"bundle:{found.bundles.candidates[0].bundle_id}"
    return "none"


def run(catalog: Catalog | None = None, path: Path = EVAL_FILE) -> list[Outcome]:
    catalog = catalog or Catalog(version=0, kb=load_knowledge())
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Outcome(c["text"], c.get("style", "plain"), c["expect"], top1(route(catalog, c["text"], EVAL_DAY)))
        for c in cases
    ]


def report(outcomes: list[Outcome], name: str = EVAL_FILE.name) -> str:
    hits = sum(o.hit for o in outcomes)
    lines = [f"办事/事项/政策路由评测（{name}）：{len(outcomes)} 句，top-1 准确率 {hits / len(outcomes):.1%}"]
    by_style = Counter(o.style for o in outcomes)
    hit_style = Counter(o.style for o in outcomes if o.hit)
    lines.append("  按说法：" + "，".join(f"{s} {hit_style[s]}/{n}" for s, n in sorted(by_style.items())))
    misses = [o for o in outcomes if not o.hit]
    if misses:
        lines.append(f"  未命中 {len(misses)} 句：")
        lines += [f"    [{o.style}] {o.text}  期望 {o.expected}，得到 {o.got}" for o in misses]
    return "\n".join(lines)


def main() -> int:
    catalog = Catalog(version=0, kb=load_knowledge())
    print(report(run(catalog)))
    print()
    print(report(run(catalog, HOLDOUT_FILE), f"{HOLDOUT_FILE.name}，留出集：未用于调整匹配规则"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
