"""Start the three services (or the stock bot) for a benchmark run and time how long each takes to be ready."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BACKEND_PY = ROOT / "backend" / ".venv" / "bin" / "python"
TOKEN = "bench-http-api-token"  # noqa: S105 - a throw-away stack on loopback ports
SERVICE_TOKEN = "bench-service-token-000001"  # noqa: S105 - as above


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own http:// URLs
            return bool(response.status == 200)
    except OSError:
        return False


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    health: str
    started: float
    ready_seconds: Optional[float] = None

    def wait_ready(self, timeout: float) -> float:
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode} before it was ready")
            if _answers(self.health):
                self.ready_seconds = time.monotonic() - self.started
                return self.ready_seconds
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready in {timeout:.0f}s ({self.health})")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@dataclass
class Stack:
    rasa_url: str
    services: List[Service] = field(default_factory=list)

    def pids(self) -> Dict[str, int]:
        return {service.name: service.process.pid for service in self.services}

    def ready(self) -> Dict[str, Optional[float]]:
        return {service.name: service.ready_seconds for service in self.services}


def _start(name: str, args: List[str], env: Dict[str, str], log: Path, health: str, cwd: Path) -> Service:
    handle = log.open("wb")
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT)  # noqa: S603
    handle.close()
    return Service(name, process, health, time.monotonic())


OUR_RASA = [sys.executable, "-m", "bot.rasa_server"]
"""How the Procfile starts our Rasa (``rasa`` with the action-response schema checked once)."""
PLAIN_RASA = [str(BIN / "rasa")]


def _rasa_args(port: int, model: Path, endpoints: Optional[Path], extra: List[str], entry: List[str]) -> List[str]:
    args = [*entry, "run", "--enable-api", "--auth-token", TOKEN, "--port", str(port)]
    args += ["--model", str(model)]
    if endpoints is not None:
        args += ["--endpoints", str(endpoints), "--credentials", str(ROOT / "credentials.yml")]
    return args + extra


def _base_env() -> Dict[str, str]:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT)}


@contextmanager
def full_stack(
    tmp: Path,
    model: Path,
    rasa_extra: Optional[List[str]] = None,
    entry: Optional[List[str]] = None,
    stores: Optional[Dict[str, str]] = None,
) -> Iterator[Stack]:
    """Backend (fresh SQLite database, knowledge loaded), action server and Rasa, as ``make run`` starts them."""
    (tmp / ".data").mkdir(parents=True, exist_ok=True)
    backend_port, actions_port, rasa_port = free_port(), free_port(), free_port()
    backend = f"http://127.0.0.1:{backend_port}"
    env = {
        **_base_env(),
        "DATABASE_URL": f"sqlite:///{tmp / 'backend.db'}",
        "PUBLIC_BASE_URL": backend,
        "BACKEND_PORT": str(backend_port),
        "BACKEND_URL": backend,
        "BACKEND_SERVICE_TOKEN": SERVICE_TOKEN,
        "AGENT_TOKENS": f"agent:{SERVICE_TOKEN}-agent",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "OUTBOX_PATH": str(tmp / "outbox.db"),
        "LOG_LEVEL": "WARNING",
        **(stores or {}),
    }
    endpoints = ROOT / ("endpoints.production.yml" if stores else "endpoints.yml")
    subprocess.run(  # noqa: S603 - fixed argument list
        [str(BACKEND_PY), "-m", "app.cli", "setup"],
        cwd=ROOT / "backend",
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    stack = Stack(f"http://127.0.0.1:{rasa_port}")
    with ExitStack() as cleanup:
        backend_args = [str(BACKEND_PY), "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]
        backend_args += ["--port", str(backend_port), "--no-access-log"]
        backend_args += os.environ.get("BENCH_UVICORN_ARGS", "").split()
        services = [
            _start("backend", backend_args, env, tmp / "backend.log", backend + "/health", ROOT / "backend"),
            _start(
                "actions",
                [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(actions_port)],
                env,
                tmp / "actions.log",
                f"http://127.0.0.1:{actions_port}/health",
                ROOT,
            ),
            _start(
                "rasa",
                _rasa_args(rasa_port, model, endpoints, rasa_extra or [], entry or OUR_RASA),
                env,
                tmp / "rasa.log",
                f"{stack.rasa_url}/status?token={TOKEN}",
                tmp,  # endpoints.yml keeps its SQLite tracker store in .data/, inside tmp
            ),
        ]
        for service in services:
            cleanup.callback(service.stop)
        stack.services = services
        for service in services:
            service.wait_ready(timeout=600)
        yield stack


@contextmanager
def stock_stack(tmp: Path, model: Path) -> Iterator[Stack]:
    """The ``rasa init`` bot as Rasa ships it: default (in-memory) stores, no action server."""
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    stack = Stack(f"http://127.0.0.1:{port}")
    service = _start(
        "rasa",
        _rasa_args(port, model, None, [], PLAIN_RASA),
        _base_env(),
        tmp / "rasa.log",
        f"{stack.rasa_url}/status?token={TOKEN}",
        tmp,
    )
    stack.services = [service]
    try:
        service.wait_ready(timeout=600)
        yield stack
    finally:
        service.stop()
