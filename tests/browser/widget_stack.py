"""The three services for the widget's browser tests, started once per module: the backend (serving
/chat and the widget), the action server, and Rasa with the webchat channel, all on free ports."""

from __future__ import annotations

import json
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.stack import MODEL, Services

RASA_TOKEN = "widget-test-token"
WEBCHAT_SECRET = "widget-test-webchat-secret-0123456789"


@dataclass(frozen=True)
class Stack:
    backend: str
    rasa: str
    websocket: str
    backend_db: Path
    actions_pid: int


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
    with Services(tmp) as services:
        # the webchat channel signs sessions with the secret, the backend checks them and reads Rasa's port
        webchat = {"WEBCHAT_SECRET": WEBCHAT_SECRET, "RASA_PORT": str(services.rasa_port)}
        services.start_backend({**services.backend_env(), **webchat})
        services.wait_ready()
        env = {**services.bot_env(), **webchat}
        services.start_actions(env)
        services.start_rasa(env, token=RASA_TOKEN)
        services.wait_ready()
        _warm_up(services.backend_url, services.rasa_url)
        yield Stack(
            backend=services.backend_url,
            rasa=services.rasa_url,
            websocket=f"ws://127.0.0.1:{services.rasa_port}/webhooks/webchat/websocket",
            backend_db=services.backend_db,
            actions_pid=services.pids()["actions"],
        )


@pytest.fixture(scope="session", name="widget_stack")
def widget_stack_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One stack for every widget test module (imported by them as a fixture)."""
    with running_stack(tmp_path_factory.mktemp("widget")) as running:
        yield running
