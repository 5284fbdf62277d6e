"""Rasa's SQL tracker store, with personal data masked at rest once an appeal is over.

Why a tracker-store wrapper (``endpoints*.yml``: ``type: bot.tracker_store.MaskingSQLTrackerStore``)
and not an event-broker filter: the broker only sees copies of events on their way out;
the tracker store is where the caller's text and slot values stay. Why only once the
appeal is over (``action_submit_appeal`` or ``action_appeal_reset`` ran): until then the
form's slots are rebuilt from the stored events on every message, and a masked mobile
would be filed as the callback number. Once the appeal is in the outbox (which blanks it
once delivered) the conversation keeps no readable 手机号 / 身份证号 / 统一社会信用代码:
every stored event of that conversation — user text, parse data, slot values, bot
replies — is decoded, masked string by string (``actions.common.pii``, the same rules as
the backend) and written back, in the same turn.

Conversations that never reach the appeal's end are not rewritten: mobile numbers in
them are whatever the user typed to the bot outside a form. The engine is created with
``hide_parameters``, so a failing statement never prints a stored value into the log.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Iterable

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.common.pii import install_log_masking, mask_text

log = logging.getLogger(__name__)
APPEAL_ENDS = frozenset({"action_submit_appeal", "action_appeal_reset"})

install_log_masking()  # the Rasa server imports this module when it starts: mask its logs from then on


def masked(value: Any) -> Any:
    """``value`` (decoded JSON) with every string masked."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [masked(v) for v in value]
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    return value


def appeal_ended_this_turn(events: Iterable[Any]) -> bool:
    """An appeal was submitted or dropped since the latest user message."""
    for event in reversed(list(events)):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name in APPEAL_ENDS:
            return True
    return False


class MaskingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        engine: Any = getattr(self, "engine")  # noqa: B009 - typed Any: rasa is not type-checked here
        url = engine.url
        engine.dispose()
        self.engine = sa.create_engine(url, hide_parameters=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        if appeal_ended_this_turn(tracker.events):
            changed = self.mask_conversation(tracker.sender_id)
            log.info("tracker store: personal data masked in %d stored event(s) of a finished appeal", changed)

    def mask_conversation(self, sender_id: str) -> int:
        """Mask every stored event of one conversation; the number of events changed."""
        table = self.SQLEvent
        changed = 0
        with self.session_scope() as session:
            for row in session.query(table).filter(table.sender_id == sender_id).all():
                data = json.loads(row.data or "null")
                clean = masked(data)
                if clean != data:
                    row.data = json.dumps(clean)
                    changed += 1
            session.commit()
        return changed
