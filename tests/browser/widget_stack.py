"""The three services for the widget's browser tests, started once per module: the backend (serving
/chat and the widget), the action server, and Rasa with the webchat channel, all on free ports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from tests.backend_server import ROOT, SERVICE_TOKEN, free_port, running_backend, wait_for

MODEL = ROOT / "models" / "current.tar.gz"
RASA_TOKEN = "widget-test-token"
WEBCHAT_SECRET = "widget-test-webchat-secret-0123456789"
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Stack:
    backend: str
    rasa: str
    websocket: str
    backend_db: Path


def _start(args: List[str], env: Dict[str, str], log: Path, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=cwd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _warm_up(backend: str, rasa: str) -> None:
    """One guide turn before the tests: the first one loads the catalog, jieba and the model's graph,
    which on a busy machine can take longer than the action server waits for the backend."""
    with urllib.request.urlopen(backend + "/api/bundles/search?q=%E7%81%AB%E9%94%85%E5%BA%97", timeout=120):
        pass
    body = json.dumps({"sender": "warm-up", "message": "我想开一家火锅店"}).encode()
    request = urllib.request.Request(
        rasa + "/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=120):
        pass


@contextmanager
def running_stack(tmp: Path) -> Iterator[Stack]:
    if not MODEL.exists():
        raise RuntimeError("no trained model: run `make train` first")
    (tmp / ".data").mkdir(exist_ok=True)
    rasa_port, actions_port = free_port(), free_port()
    saved = {k: os.environ.get(k) for k in ("WEBCHAT_SECRET", "RASA_PORT")}
    os.environ.update({"WEBCHAT_SECRET": WEBCHAT_SECRET, "RASA_PORT": str(rasa_port)})  # read by the backend
    try:
        with running_backend(tmp) as backend:
            env = {
                **os.environ,
                "BACKEND_URL": backend,
                "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
                "RASA_TELEMETRY_ENABLED": "false",
                "PYTHONPATH": str(ROOT),
                "BACKEND_SERVICE_TOKEN": SERVICE_TOKEN,
                "OUTBOX_PATH": str(tmp / "outbox.db"),
            }
            actions = _start(
                [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(actions_port)],
                env,
                tmp / "actions.log",
                ROOT,
            )
            rasa = _start(
                [
                    str(BIN / "python"),
                    "-m",
                    "bot.rasa_server",  # as the Procfile starts Rasa
                    "run",
                    "--enable-api",
                    "--auth-token",
                    RASA_TOKEN,
                    "--port",
                    str(rasa_port),
                    "--model",
                    str(MODEL),
                    "--endpoints",
                    str(ROOT / "endpoints.yml"),
                    "--credentials",
                    str(ROOT / "credentials.yml"),
                ],
                env,
                tmp / "rasa.log",
                tmp,  # endpoints.yml keeps its SQLite tracker store in .data/ of the working directory
            )
            try:
                wait_for(f"http://127.0.0.1:{actions_port}/health", timeout=120, process=actions)
                wait_for(f"http://127.0.0.1:{rasa_port}/status?token={RASA_TOKEN}", timeout=300, process=rasa)
                _warm_up(backend, f"http://127.0.0.1:{rasa_port}")
                yield Stack(
                    backend=backend,
                    rasa=f"http://127.0.0.1:{rasa_port}",
                    websocket=f"ws://127.0.0.1:{rasa_port}/webhooks/webchat/websocket",
                    backend_db=tmp / "backend.db",
                )
            except Exception:
                for name in ("rasa.log", "actions.log"):
                    print(f"--- {name} ---\n" + (tmp / name).read_text("utf-8", "replace")[-4000:])
                raise
            finally:
                for process in (rasa, actions):
                    process.terminate()
                for process in (rasa, actions):
                    process.wait(timeout=30)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session", name="widget_stack")
def widget_stack_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One stack for every widget test module (imported by them as a fixture)."""
    with running_stack(tmp_path_factory.mktemp("widget")) as running:
        yield running
