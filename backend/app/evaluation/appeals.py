"""``make eval-appeals``: accuracy of the appeal classifier on ``eval/appeals.yml``.

Prints top-1 and top-3 accuracy and every miss; no assertion here (the threshold is
``tests/test_appeal_eval.py``). Top-3 counts the fallback category (其他) as the last
candidate, since that is where an unmatched complaint goes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from app.core.config import REPO_ROOT, get_settings
from app.knowledge.appeals import AppealKnowledge, get_appeal_knowledge
from app.services.classifier import classify

EVAL_FILE = REPO_ROOT / "eval" / "appeals.yml"


@dataclass(frozen=True)
class Case:
    text: str
    expected: str
    ranking: tuple[str, ...]
    deciding: tuple[str, ...]

    @property
    def top1(self) -> bool:
        return self.ranking[:1] == (self.expected,)

    @property
    def top3(self) -> bool:
        return self.expected in self.ranking[:3]


@dataclass(frozen=True)
class Report:
    cases: list[Case]

    @property
    def top1(self) -> float:
        return sum(c.top1 for c in self.cases) / len(self.cases)

    @property
    def top3(self) -> float:
        return sum(c.top3 for c in self.cases) / len(self.cases)


def load_cases(path: Path = EVAL_FILE) -> list[tuple[str, str]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(str(item["text"]), str(item["category"])) for item in raw["appeals"]]


def evaluate(knowledge: AppealKnowledge, path: Path = EVAL_FILE) -> Report:
    cases = []
    for text, expected in load_cases(path):
        if expected not in knowledge.by_id:
            raise ValueError(f"{path.name}: 未知分类 {expected}（{text}）")
        result = classify(knowledge, text)
        ranking = [m.category.id for m in result.candidates] or [result.category.id]
        if knowledge.fallback.id not in ranking:
            ranking.append(knowledge.fallback.id)
        deciding = result.candidates[0].matched if result.candidates else ()
        cases.append(Case(text, expected, tuple(ranking), tuple(deciding)))
    return Report(cases)


def main() -> int:
    knowledge = get_appeal_knowledge(get_settings().knowledge_dir)
    report = evaluate(knowledge)
    names = {c.id: c.name for c in knowledge.categories}
    total = len(report.cases)
    print(f"诉求分类评测（{EVAL_FILE.relative_to(REPO_ROOT)}，{total} 条）")
    print(f"  第一候选准确率 top-1：{report.top1:.1%}（{sum(c.top1 for c in report.cases)}/{total}）")
    print(f"  前三候选准确率 top-3：{report.top3:.1%}（{sum(c.top3 for c in report.cases)}/{total}）")
    misses = [c for c in report.cases if not c.top1]
    if misses:
        print(f"错分 {len(misses)} 条（应为 → 实为，前三候选，决定词）：")
    for case in misses:
        ranked = " > ".join(names[r] for r in case.ranking[:3])
        deciding = "、".join(case.deciding) or "无"
        print(f"  - {case.text}\n      {names[case.expected]} → {names[case.ranking[0]]}；{ranked}；{deciding}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
