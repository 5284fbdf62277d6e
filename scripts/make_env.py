"""Create .env from .env.example on first run, filling every secret with a fresh random value.

Secrets never have defaults in code; this gives a new installation working, unique ones.
An existing .env keeps every value it has; a secret added to .env.example later (e.g. WEBCHAT_SECRET)
is appended to it with a fresh value, so an older installation still starts.
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
        return _add_missing_secrets(target)
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


def _add_missing_secrets(target: Path) -> int:
    present = {line.split("=", 1)[0].strip() for line in target.read_text(encoding="utf-8").splitlines() if "=" in line}
    missing = [
        line[: -len(SECRET_MARK) - 1]
        for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
        if line.endswith("=" + SECRET_MARK) and not line.startswith("#")
    ]
    missing = [name for name in missing if name not in present]
    if missing:
        with target.open("a", encoding="utf-8") as handle:
            handle.write("".join(f"{name}={secrets.token_urlsafe(32)}\n" for name in missing))
        print(f"已在 .env 中补充新口令：{'、'.join(missing)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
