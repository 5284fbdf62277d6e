"""The whole product with a simulated 公众号 account, for ``make wechat-sim`` and ``make bench-wechat``.

Generates a throw-away Token, EncodingAESKey, AppID and AppSecret, starts the fake WeChat API server,
then runs the services of the Procfile (as ``make run`` does) on free ports with the WeChat channel
pointed at the fake. Service logs go to ``.data/wechat-sim.log``.
"""

from __future__ import annotations

import base64
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, Optional

from channels.config import WeChatConfig
from channels.wechat_fake_api import FakeServerThread, FakeWeChatApi

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / ".data" / "wechat-sim.log"


@dataclass(frozen=True)
class SimStack:
    config: WeChatConfig
    fake: FakeWeChatApi
    rasa_url: str
    backend_url: str

    @property
    def webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/wechat/webhook"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"服务启动失败，见日志 {LOG}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local URL we built
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} 在 {timeout:.0f} 秒内没有启动，见日志 {LOG}")


def simulated_account(safe_mode: bool = True, passive_seconds: float = 4.0) -> WeChatConfig:
    return WeChatConfig(
        token=secrets.token_hex(8),
        app_id="wx" + secrets.token_hex(8),
        app_secret=secrets.token_hex(16),
        encoding_aes_key=base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=") if safe_mode else None,
        api_base="",
        passive_seconds=passive_seconds,
        redis_url=os.environ.get("REDIS_URL") or None,
    )


@contextmanager
def running_stack(config: WeChatConfig, extra_env: Optional[Dict[str, str]] = None) -> Iterator[SimStack]:
    fake = FakeWeChatApi(str(config.app_id), str(config.app_secret))
    with FakeServerThread(fake) as api:
        rasa_port, actions_port, backend_port = _free_port(), _free_port(), _free_port()
        backend = f"http://127.0.0.1:{backend_port}"
        env = {
            **os.environ,
            "RASA_PORT": str(rasa_port),
            "ACTIONS_PORT": str(actions_port),
            "BACKEND_PORT": str(backend_port),
            "BACKEND_URL": backend,
            "PUBLIC_BASE_URL": backend,
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
            "RASA_AUTH_TOKEN": os.environ.get("RASA_AUTH_TOKEN") or secrets.token_hex(16),
            "RASA_ENDPOINTS": os.environ.get("RASA_ENDPOINTS", "endpoints.yml"),
            "PYTHONPATH": str(ROOT),
            "WECHAT_TOKEN": config.token,
            "WECHAT_APP_ID": str(config.app_id),
            "WECHAT_APP_SECRET": str(config.app_secret),
            "WECHAT_API_BASE": api.url,
            "WECHAT_PASSIVE_SECONDS": str(config.passive_seconds),
            **({"WECHAT_ENCODING_AES_KEY": config.encoding_aes_key} if config.encoding_aes_key else {}),
            **(extra_env or {}),
        }
        if not config.encoding_aes_key:
            env.pop("WECHAT_ENCODING_AES_KEY", None)
        LOG.parent.mkdir(exist_ok=True)
        with LOG.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 - fixed argument list
                # the environment is complete here (make exports .env); honcho must not re-read .env over it
                [str(ROOT / ".venv" / "bin" / "honcho"), "start", "-f", "Procfile", "-e", os.devnull],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait(f"{backend}/health", process, 120)
            _wait(f"http://127.0.0.1:{rasa_port}/webhooks/wechat/", process, 300)
            yield SimStack(config, fake, f"http://127.0.0.1:{rasa_port}", backend)
        finally:
            os.killpg(process.pid, signal.SIGTERM)  # honcho and the services it started, nothing else
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
