"""Generate NLU assets from knowledge/: the jieba user dictionary and the industry lookup.

``python -m bot.generate`` writes them; ``--check`` exits 1 when they are stale
(the test suite runs it, so a knowledge change without regeneration fails CI).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any, Iterable, List

import yaml

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
USERDICT = ROOT / "bot" / "jieba" / "userdict.txt"
LOOKUPS = ROOT / "data" / "nlu" / "lookups.yml"
HEADER = "# 由 bot/generate.py 从 knowledge/ 生成，请勿手改（make generate）。\n"

# Words of the request, common in every domain, that jieba splits badly.
EXTRA_WORDS = """
一件事 一次性告知 营业执照 转人工 人工客服 个体户 个体工商户 小微企业 中型企业 大型企业
统一社会信用代码 税收优惠 财政支持 费金减免 减税降费 贷款贴息 降低人工成本 融资
""".split()


SCALE_WORDS = ("个体户", "个体工商户", "小微企业", "小型企业", "微型企业", "中型企业", "大型企业")


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _clean(word: str) -> str:
    return re.sub(r"[\s“”\"'（）()《》]", "", word)


def _words(knowledge: Path) -> List[str]:
    words: List[str] = list(EXTRA_WORDS)
    for industry in _load(knowledge / "industries.yml")["industries"]:
        words += [industry["name"], *industry.get("aliases", [])]
    for department in _load(knowledge / "departments.yml")["departments"]:
        words += [department["short_name"], *department.get("aliases", [])]
    # Bundle aliases and option keywords are request phrases ("开药店", "开中介"): as single
    # tokens they would swallow the business word the NLU tags as an entity, so they stay out.
    for path in sorted((knowledge / "matters").glob("*.yml")):
        for matter in _load(path)["matters"]:
            name = re.sub(r"（.*?）", "", matter["name"])
            if len(name) <= 12:
                words.append(name)
    # The words people use for a matter (食经证, 特行证), except those holding an entity word.
    aliases = _load(knowledge / "matter_aliases.yml") or {}
    industry_words = [
        w for i in _load(knowledge / "industries.yml")["industries"] for w in (i["name"], *i.get("aliases", []))
    ]
    for names in aliases.values():
        words += [n for n in names if len(n) >= 3 and not any(e in n and e != n for e in industry_words)]
    # Policy names, short names and aliases ("稳岗返还", "六税两费") and the policy themes of 附件1;
    # a name that contains an entity word ("小微企业所得税", "个体户个税减半") stays out, so that
    # jieba still cuts out the company_scale / industry entity.
    entities = [*SCALE_WORDS]
    for industry in _load(knowledge / "industries.yml")["industries"]:
        entities += [industry["name"], *industry.get("aliases", [])]
    words += ["惠企政策", "免申即享", "申报指南", "政策计算器"]
    for path in sorted((knowledge / "policies").glob("*.yml")):
        for policy in _load(path)["policies"]:
            short = [policy["short_name"]] if policy.get("short_name") else []
            names = [policy["name"], *short, *policy.get("aliases", []), policy["theme"]]
            words += [n for n in names if not any(e in n and e != n for e in entities)]
    return words


def userdict(knowledge: Path = KNOWLEDGE) -> str:
    seen = sorted({w for w in (_clean(w) for w in _words(knowledge)) if 2 <= len(w) <= 16})
    # A high frequency makes jieba keep these words whole ("火锅店", not "火锅/店").
    # No comment line: jieba would read it as a word.
    return "".join(f"{word} 2000 n\n" for word in seen)


def lookups(knowledge: Path = KNOWLEDGE) -> str:
    industries = _load(knowledge / "industries.yml")["industries"]
    values = sorted({n for i in industries for n in (i["name"], *i.get("aliases", []))})
    parts = [HEADER, 'version: "3.1"\n', "nlu:\n", "  - lookup: industry\n", _block(values)]
    for industry in industries:
        synonyms = [a for a in industry.get("aliases", []) if a != industry["name"]]
        if synonyms:
            parts += [f"  - synonym: {industry['name']}\n", _block(synonyms)]
    return "".join(parts)


def _block(items: Iterable[str]) -> str:
    return "    examples: |\n" + "".join(f"      - {item}\n" for item in items)


def main(argv: List[str]) -> int:
    outputs = {USERDICT: userdict(), LOOKUPS: lookups()}
    if "--check" in argv:
        stale = [
            str(p.relative_to(ROOT)) for p, text in outputs.items() if not p.exists() or p.read_text("utf-8") != text
        ]
        if stale:
            print(f"过期的生成文件（请运行 make generate）：{', '.join(stale)}", file=sys.stderr)
            return 1
        return 0
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"已生成 {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
