"""Bot-side fixtures: a real backend process, trackers and the domain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Iterator, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.clients.backend import BackendClient, set_client
from tests.stack import SERVICE_TOKEN, running_backend

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def backend_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_backend(tmp_path_factory.mktemp("backend")) as url:
        yield url


@pytest.fixture
async def backend(backend_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    monkeypatch.setenv("OUTBOX_PATH", str(tmp_path / "outbox.db"))
    monkeypatch.delenv("DATABASE_URL", raising=False)  # the embedded SQLite outbox
    client = BackendClient(backend_url, service_token=SERVICE_TOKEN)
    set_client(client)
    yield backend_url
    set_client(None)
    await client.close()


@pytest.fixture
async def backend_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    monkeypatch.setenv("OUTBOX_PATH", str(tmp_path / "outbox.db"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    client = BackendClient("http://127.0.0.1:9", service_token=SERVICE_TOKEN)  # nothing listens on port 9
    set_client(client)
    yield
    set_client(None)
    await client.close()


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    merged: Dict[str, Any] = {}
    for path in sorted((ROOT / "domain").glob("*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, value in part.items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            else:
                merged[key] = value
    return merged


def make_tracker(
    text: str,
    intent: str = "inform",
    slots: Optional[Dict[str, Any]] = None,
    active_loop: Optional[str] = None,
    validating: Optional[Dict[str, Any]] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
) -> Tracker:
    """A tracker whose last user message is ``text``; ``validating`` are slot candidates of a form."""
    events: List[Dict[str, Any]] = [
        {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": 1.0}}}
    ]
    events += [SlotSet(k, v) for k, v in (validating or {}).items()]
    all_slots = {**(slots or {}), **(validating or {})}
    return Tracker(
        sender_id="test-user",
        slots=all_slots,
        latest_message={"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def click(button: Dict[str, str], **kwargs: Any) -> Tracker:
    """The tracker Rasa builds when a button is clicked: its payload as text, intent and entities parsed."""
    payload = button["payload"]
    name, _, body = payload.lstrip("/").partition("{")
    entities = [{"entity": k, "value": v} for k, v in (json.loads("{" + body) if body else {}).items()]
    return make_tracker(payload, intent=name, entities=entities, **kwargs)
