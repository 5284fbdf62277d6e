"""Session start puts knowledge/service.yml's hotlines into slots; the loader refuses a bad file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest
import yaml
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import service
from actions.session.actions import ActionSessionStart
from tests.conftest import make_tracker

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


async def test_session_start_sets_the_hotlines_and_carries_slots_over(domain: Dict[str, Any]) -> None:
    tracker = make_tracker("", slots={"industry": "餐饮", "service_hotlines": "旧号码"})
    events = await ActionSessionStart().run(CollectingDispatcher(), tracker, domain)
    assert events[0] == SessionStarted() and events[-1] == ActionExecuted("action_listen")
    assert SlotSet("industry", "餐饮") in events
    assert SlotSet("service_hotlines", "企业诉求专线 023-79242258，政务服务便民热线 12345") in events
    assert SlotSet("service_hotlines", "旧号码") not in events
    assert SlotSet("appeal_hotline", "企业诉求专线 023-79242258") in events
    assert SlotSet("service_region", "重庆市黔江区") in events


def test_every_response_naming_a_hotline_takes_it_from_the_slots(domain: Dict[str, Any]) -> None:
    """No number of the sample county is written into the domain: a deployment replaces knowledge/ only."""
    texts = [v["text"] for variants in domain["responses"].values() for v in variants if "text" in v]
    assert not [t for t in texts if "023-79242258" in t or "12345" in t]
    unavailable = domain["responses"]["utter_service_unavailable"][0]["text"]
    assert "{service_hotlines}" in unavailable
    assert set(domain["slots"]) >= {"service_hotlines", "appeal_hotline", "service_region"}


def test_the_repository_service_file_is_valid() -> None:
    info = service.load(KNOWLEDGE)
    assert info.center == "重庆市黔江区行政服务中心" and len(info.hotlines) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"region": "某区", "center": "中心", "hotlines": []}, "hotlines"),
        ({"region": "某区", "center": "中心", "hotlines": [{"name": "专线", "number": "1"}]}, "appeal"),
        ({"center": "中心", "hotlines": [{"name": "专线", "number": "1", "appeal": True}]}, "region"),
        ("not a mapping", "映射"),
    ],
)
def test_a_bad_service_file_is_refused(tmp_path: Path, data: Any, message: str) -> None:
    (tmp_path / "service.yml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(service.ServiceFileError, match=message):
        service.load(tmp_path)
    with pytest.raises(service.ServiceFileError, match="无法读取"):
        service.load(tmp_path / "missing")
