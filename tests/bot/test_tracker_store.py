"""The tracker store keeps no readable mobile, ID or credit-code number once an appeal is over."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import MaskingSQLTrackerStore, appeal_ended_this_turn

SECRETS = ("13800138000", "9144030071526726XG", "110101199003071234")


def _stored(db: Path) -> str:
    with sqlite3.connect(db) as connection:
        return "\n".join(row[0] for row in connection.execute("SELECT data FROM events"))


async def test_an_appeal_is_masked_at_rest_once_it_is_submitted(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    slots = {name: {"type": "text", "mappings": [{"type": "custom"}]} for name in ("phone_number", "credit_code")}
    store = MaskingSQLTrackerStore(domain=Domain.from_dict({"slots": slots}), dialect="sqlite", db=str(db))
    tracker = DialogueStateTracker.from_events(
        "caller",
        slots=store.domain.slots,
        evts=[
            UserUttered("我的电话是13800138000，法人身份证110101199003071234", {"name": "inform", "confidence": 1.0}),
            SlotSet("phone_number", "13800138000"),
            UserUttered("代码 9144030071526726XG", {"name": "inform", "confidence": 1.0}),
            SlotSet("credit_code", "9144030071526726XG"),
        ],
    )
    await store.save(tracker)
    assert "13800138000" in _stored(db)  # the form still needs them: nothing is rewritten yet
    tracker.update(UserUttered("确认提交", {"name": "affirm", "confidence": 1.0}))
    tracker.update(ActionExecuted("action_submit_appeal"))
    tracker.update(BotUttered("您的诉求已受理，工单号：QY202612010001。"))
    await store.save(tracker)
    stored = _stored(db)
    for secret in SECRETS:
        assert secret not in stored
    assert "138****8000" in stored and "QY202612010001" in stored  # still readable for staff and the user
    restored = await store.retrieve("caller")
    assert restored is not None and restored.get_slot("phone_number") == "138****8000"


def test_only_the_end_of_an_appeal_in_this_turn_counts() -> None:
    ended = [UserUttered("确认"), ActionExecuted("action_submit_appeal")]
    assert appeal_ended_this_turn(ended)
    assert not appeal_ended_this_turn([*ended, UserUttered("你好"), ActionExecuted("utter_greet")])
    assert appeal_ended_this_turn([UserUttered("不办了"), ActionExecuted("action_appeal_reset")])
