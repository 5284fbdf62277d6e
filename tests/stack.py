"""Start the real services for tests and benchmarks: the backend, the action server and Rasa.

Each service is a subprocess of this interpreter's environment (the backend of its own venv) on a
free loopback port, with its output in ``<name>.log`` of a directory of the run's own, which also
holds the backend's SQLite database, the outbox and Rasa's ``.data/``::

    with Services(tmp) as services:
        services.start_backend()
        services.start_actions()
        services.start_rasa(token="a-token")
        services.wait_ready()
        ...  # services.rasa_url, services.backend_url

Leaving the ``with`` block stops every service (terminate, then kill after a timeout); when it is
left by an error (a service that would not start, say), the tail of every log is printed first.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Dict, Iterator, List, Mapping, Optional, Sequence, Type

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BACKEND_PY = ROOT / "backend" / ".venv" / "bin" / "python"
MODEL = ROOT / "models" / "current.tar.gz"
ENDPOINTS = ROOT / "endpoints.yml"
CREDENTIALS = ROOT / "credentials.yml"
SERVICE_TOKEN = "bot-tests-service-token-0001"
AGENT_TOKEN = "bot-tests-agent-token-00001"

RASA_SERVER = (str(BIN / "python"), "-m", "bot.rasa_server")
ACTION_SERVER = (str(BIN / "python"), "-m", "rasa_sdk")
"""The SDK alone, as the Procfile starts it: ``rasa run actions`` would import all of Rasa (130 vs 53 MB)."""
"""How the Procfile starts Rasa (``rasa`` with the action-response schema checked once)."""

READY_TIMEOUTS = {"backend": 60.0, "actions": 120.0, "rasa": 300.0}
"""Seconds each readiness URL of a service may take to answer, unless ``Services(ready_timeout=…)``."""

TAIL_CHARS = 4000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 60.0, process: Optional[subprocess.Popen] = None) -> None:
    """Until ``url`` answers 200; fails early when ``process`` exits."""
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


def spawn(
    args: Sequence[str], env: Mapping[str, str], log: Path, cwd: Path = ROOT, append: bool = False
) -> subprocess.Popen:
    """``args`` with exactly ``env``, stdout and stderr written (or ``append``-ed) to ``log``."""
    with log.open("ab" if append else "wb") as handle:
        return subprocess.Popen(list(args), cwd=cwd, env=dict(env), stdout=handle, stderr=subprocess.STDOUT)


def tail(log: Path, chars: int = TAIL_CHARS) -> str:
    return log.read_text("utf-8", "replace")[-chars:] if log.exists() else "(no log)"


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    log: Path
    ready_urls: Sequence[str]
    timeout: float
    started: float = field(default_factory=time.monotonic)
    ready_seconds: Optional[float] = None
    """Seconds from its start until its last readiness URL answered."""

    def wait_ready(self) -> float:
        for url in self.ready_urls:
            wait_for(url, timeout=self.timeout, process=self.process)
        self.ready_seconds = time.monotonic() - self.started
        return self.ready_seconds

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()

    def stop(self, timeout: float = 30.0) -> None:
        """Terminate, and kill what is still running after ``timeout`` seconds."""
        self.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


class Services:
    """The services of one run, on ports chosen when it is made (so that each can be told the others')."""

    def __init__(self, tmp: Path, ready_timeout: Optional[float] = None) -> None:
        self.tmp = tmp
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.ready_timeout = ready_timeout
        self.backend_port, self.actions_port, self.rasa_port = free_port(), free_port(), free_port()
        self.services: List[Service] = []

    @property
    def backend_url(self) -> str:
        return f"http://127.0.0.1:{self.backend_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def backend_db(self) -> Path:
        return self.tmp / "backend.db"

    # ---------------------------------------------------------------- environments

    def backend_env(
        self, service_token: str = SERVICE_TOKEN, agent_tokens: str = f"agent:{AGENT_TOKEN}"
    ) -> Dict[str, str]:
        """What the backend is told (over the caller's environment): a fresh SQLite database, its port and tokens."""
        return {
            "DATABASE_URL": f"sqlite:///{self.backend_db}",
            "PUBLIC_BASE_URL": self.backend_url,
            "BACKEND_PORT": str(self.backend_port),
            "BACKEND_SERVICE_TOKEN": service_token,
            "AGENT_TOKENS": agent_tokens,
        }

    def bot_env(self, service_token: str = SERVICE_TOKEN, action_endpoint: Optional[str] = None) -> Dict[str, str]:
        """What the action server and Rasa are told: the backend, the action server, the outbox."""
        return {
            "BACKEND_URL": self.backend_url,
            "ACTION_ENDPOINT_URL": action_endpoint or f"{self.actions_url}/webhook",
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONPATH": str(ROOT),
            "BACKEND_SERVICE_TOKEN": service_token,
            "OUTBOX_PATH": str(self.tmp / "outbox.db"),
        }

    # ---------------------------------------------------------------- starting

    def start(
        self,
        name: str,
        args: Sequence[str],
        env: Mapping[str, str],
        ready: Sequence[str],
        cwd: Path,
        append: bool = False,
    ) -> Service:
        """``args`` with the caller's environment and ``env`` over it, logged to ``<name>.log``."""
        log = self.tmp / f"{name}.log"
        timeout = self.ready_timeout or READY_TIMEOUTS.get(name, 60.0)
        service = Service(name, spawn(args, {**os.environ, **env}, log, cwd, append), log, ready, timeout)
        self.services.append(service)
        return service

    def start_backend(self, env: Optional[Mapping[str, str]] = None, uvicorn_args: Sequence[str] = ()) -> Service:
        """Migrate its database and load knowledge/ (``app.cli setup``), then serve; ``env`` defaults to
        ``backend_env()``. The output of both goes to backend.log."""
        env = self.backend_env() if env is None else env
        log = self.tmp / "backend.log"
        with log.open("wb") as handle:
            setup = subprocess.run(
                [str(BACKEND_PY), "-m", "app.cli", "setup"],
                cwd=ROOT / "backend",
                env={**os.environ, **env},
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        if setup.returncode != 0:
            raise RuntimeError(f"backend setup exited with {setup.returncode}:\n{tail(log)}")
        args = [str(BACKEND_PY), "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]
        args += ["--port", str(self.backend_port), *uvicorn_args]
        return self.start("backend", args, env, [self.backend_url + "/health"], ROOT / "backend", append=True)

    def start_actions(self, env: Optional[Mapping[str, str]] = None) -> Service:
        """``python -m rasa_sdk`` as the Procfile starts it; ``env`` defaults to ``bot_env()``."""
        args = [*ACTION_SERVER, "--actions", "actions", "--port", str(self.actions_port)]
        env = self.bot_env() if env is None else env
        return self.start("actions", args, env, [self.actions_url + "/health"], ROOT)

    def start_rasa(
        self,
        env: Optional[Mapping[str, str]] = None,
        *,
        token: str,
        model: Path = MODEL,
        endpoints: Optional[Path] = ENDPOINTS,
        credentials: Optional[Path] = CREDENTIALS,
        entry: Sequence[str] = RASA_SERVER,
        extra_args: Sequence[str] = (),
        also_ready: Sequence[str] = (),
        cwd: Optional[Path] = None,
    ) -> Service:
        """Rasa with the HTTP API behind ``token``, as the Procfile starts it (``entry``, by default
        ``python -m bot.rasa_server``). It runs in ``cwd`` (the run's directory): endpoints.yml keeps
        its SQLite tracker store in .data/ there. Ready when ``/``, ``/status?token=`` and the paths
        ``also_ready`` answer. ``env`` defaults to ``bot_env()``."""
        if not model.exists():
            raise RuntimeError(f"no trained model at {model}: run `make train` first")
        cwd = self.tmp if cwd is None else cwd
        (cwd / ".data").mkdir(exist_ok=True)
        args = [*entry, "run", "--enable-api", "--auth-token", token, "--port", str(self.rasa_port)]
        args += ["--model", str(model)]
        if endpoints is not None:
            args += ["--endpoints", str(endpoints)]
        if credentials is not None:
            args += ["--credentials", str(credentials)]
        ready = [f"{self.rasa_url}/", f"{self.rasa_url}/status?token={token}"]
        ready += [self.rasa_url + path for path in also_ready]
        env = self.bot_env() if env is None else env
        return self.start("rasa", [*args, *extra_args], env, ready, cwd)

    # ---------------------------------------------------------------- running

    def wait_ready(self) -> None:
        """Every service started and not yet ready, in the order they were started."""
        for service in self.services:
            if service.ready_seconds is None:
                service.wait_ready()

    def pids(self) -> Dict[str, int]:
        return {service.name: service.process.pid for service in self.services}

    def ready_seconds(self) -> Dict[str, Optional[float]]:
        return {service.name: service.ready_seconds for service in self.services}

    def print_logs(self, chars: int = TAIL_CHARS) -> None:
        for service in self.services:
            print(f"--- {service.log.name} ---\n" + tail(service.log, chars))

    def stop(self, timeout: float = 30.0) -> None:
        """All at once, the last started first; killed when still running after ``timeout`` seconds."""
        for service in reversed(self.services):
            service.terminate()
        for service in reversed(self.services):
            service.stop(timeout)

    def __enter__(self) -> Services:
        return self

    def __exit__(
        self, kind: Optional[Type[BaseException]], error: Optional[BaseException], trace: Optional[TracebackType]
    ) -> None:
        try:
            if isinstance(error, Exception):
                self.print_logs()
        finally:
            self.stop()


@contextmanager
def running_backend(tmp: Path) -> Iterator[str]:
    """The backend alone (fresh SQLite database in ``tmp``, knowledge loaded); its base URL."""
    with Services(tmp) as services:
        services.start_backend()
        services.wait_ready()
        yield services.backend_url


@contextmanager
def throwaway_stores(database_prefix: str, redis_lock_db: str) -> Iterator[Dict[str, str]]:
    """What endpoints.production.yml reads: a throw-away PostgreSQL database (on TEST_POSTGRES_URL's
    server) for the tracker store, dropped afterwards, and the local Redis (database ``redis_lock_db``)
    for the lock store."""
    admin = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    parsed = urllib.parse.urlparse(admin)
    name = f"{database_prefix}_{uuid.uuid4().hex[:10]}"
    connection = psycopg2.connect(admin)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {
            "TRACKER_DB_HOST": parsed.hostname or "127.0.0.1",
            "TRACKER_DB_PORT": str(parsed.port or 5432),
            "TRACKER_DB_NAME": name,
            "TRACKER_DB_USER": parsed.username or "postgres",
            "TRACKER_DB_PASSWORD": parsed.password or "",
            "REDIS_HOST": os.environ.get("TEST_REDIS_HOST", "127.0.0.1"),
            "REDIS_PORT": os.environ.get("TEST_REDIS_PORT", "6379"),
            "REDIS_LOCK_DB": redis_lock_db,
            "REDIS_PASSWORD": "",
        }
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()
