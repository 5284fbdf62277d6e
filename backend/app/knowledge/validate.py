"""``python -m app.knowledge.validate [DIR]``: check knowledge/ and print every problem."""

from __future__ import annotations

import sys
from pathlib import Path

from app.knowledge.loader import KnowledgeError, default_knowledge_dir, load_knowledge


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else default_knowledge_dir()
    try:
        kb = load_knowledge(root)
    except KnowledgeError as error:
        print(f"knowledge/ 有 {len(error.problems)} 个问题：", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(
        f"knowledge/ 校验通过：{len(kb.industries)} 个行业，{len(kb.bundles)} 个套餐，"
        f"{len(kb.matters)} 个事项，{len(kb.materials)} 种材料，{len(kb.departments)} 个部门"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
