"""Create .env from .env.example on first run, filling every secret with a fresh random value.

Secrets never have defaults in code; this gives a new installation working, unique ones.
An existing .env is never touched.
"""

from __future__ import annotations

import re
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECRET_MARK = "__generate__"  # noqa: S105 - a marker, not a secret


def main() -> int:
    target = ROOT / ".env"
    if target.exists():
        return 0
    lines = []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("#"):
            # every marker gets its own token (DEPARTMENT_TOKENS has one per department)
            line = re.sub(re.escape(SECRET_MARK), lambda _m: secrets.token_urlsafe(32), line)
        lines.append(line)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target.chmod(0o600)
    print("已生成 .env（含随机生成的口令，请妥善保管；部署时按 README 修改）", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
