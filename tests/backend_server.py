"""Start the real backend (its own venv, its own SQLite database) for bot-side tests."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Optional

ROOT = Path(__file__).resolve().parents[1]
BACKEND_PY = ROOT / "backend" / ".venv" / "bin" / "python"
SERVICE_TOKEN = "bot-tests-service-token-0001"
AGENT_TOKEN = "bot-tests-agent-token-00001"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 60.0, process: Optional[subprocess.Popen] = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not come up in {timeout}s")


@contextmanager
def running_backend(tmp: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env: Dict[str, str] = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'backend.db'}",
        "PUBLIC_BASE_URL": base,
        "BACKEND_PORT": str(port),
        "BACKEND_SERVICE_TOKEN": SERVICE_TOKEN,
        "AGENT_TOKENS": f"agent:{AGENT_TOKEN}",
    }
    subprocess.run([str(BACKEND_PY), "-m", "app.cli", "setup"], cwd=ROOT / "backend", env=env, check=True)
    process = subprocess.Popen(
        [str(BACKEND_PY), "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT / "backend",
        env=env,
    )
    try:
        wait_for(base + "/health", process=process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
