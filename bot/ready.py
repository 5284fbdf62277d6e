"""Wait until the three services answer their health checks, then print where they are."""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 300


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own http:// URLs
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def main() -> int:
    rasa = f"http://localhost:{os.environ.get('RASA_PORT', '5005')}"
    actions = f"http://localhost:{os.environ.get('ACTIONS_PORT', '5055')}"
    backend = f"http://localhost:{os.environ.get('BACKEND_PORT', '8000')}"
    checks = {"Rasa": rasa + "/", "动作服务": actions + "/health", "后端": backend + "/health"}
    deadline = time.monotonic() + TIMEOUT_SECONDS
    pending = dict(checks)
    while pending and time.monotonic() < deadline:
        pending = {name: url for name, url in pending.items() if not _up(url)}
        if pending:
            time.sleep(1)
    if pending:
        print(f"以下服务在 {TIMEOUT_SECONDS} 秒内未就绪：{'、'.join(pending)}，请查看上面的日志。", file=sys.stderr)
        return 1
    print(
        "\n".join(
            [
                "",
                "全部服务已就绪：",
                f'  对话（REST）  POST {rasa}/webhooks/rest/webhook  {{"sender": "u1", "message": "我想开一家火锅店"}}',
                f"  网页挂件演示  {backend}/chat",
                f"  网页挂件通道  {rasa.replace('http', 'ws', 1)}/webhooks/webchat/websocket",
                f"  socket.io     {rasa}/socket.io",
                f"  动作服务      {actions}/health",
                f"  后端 API 文档 {backend}/docs",
                f"  一次性告知单  {backend}/guide/checklist/catering",
                "",
            ]
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
