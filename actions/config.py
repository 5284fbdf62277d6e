"""The action server's configuration, checked once at start.

``BACKEND_SERVICE_TOKEN`` may be unset (the ticket API then answers 503 and appeals wait in
the outbox), but a token shorter than 16 characters is a mistake that would only show as
401s later: the process stops at start and says so.
"""

from __future__ import annotations

import os
import sys

MIN_TOKEN_LENGTH = 16


def check_environment() -> None:
    token = os.environ.get("BACKEND_SERVICE_TOKEN", "").strip()
    if token and len(token) < MIN_TOKEN_LENGTH:
        print(
            f"动作服务器配置有误，未启动：BACKEND_SERVICE_TOKEN 至少{MIN_TOKEN_LENGTH}个字符"
            "（与后端的 BACKEND_SERVICE_TOKEN 相同，见 .env.example）",
            file=sys.stderr,
            flush=True,
        )
        raise SystemExit(2)
