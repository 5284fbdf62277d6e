"""Looking up an appeal (诉求链): the ticket number or 查询码 and the mobile's last four digits."""

from __future__ import annotations

import re
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appeal import delivery
from actions.clients.backend import BackendError, BackendUnavailable, NotFound, get_client
from actions.common import validators
from actions.common.forms import BaseFormValidator


class ValidateTicketForm(BaseFormValidator):
    failures_slot = "appeal_failures"

    def name(self) -> str:
        return "validate_ticket_form"

    async def validate_ticket_id(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        text = str(slot_value or "").upper()
        match = re.search(r"QY\d{12,13}|CX[2-9A-HJ-NP-Z]{8}", text)
        if match:
            return {"ticket_id": match.group(0), "appeal_failures": 0.0}
        # No number: the appeals this conversation filed (or still holds) are known here.
        entries = await delivery.find(tracker.sender_id)
        delivered = [e for e in entries if e.ticket_number]
        if delivered:
            dispatcher.utter_message(
                response="utter_ticket_yours", numbers="、".join(e.ticket_number or "" for e in delivered[:3])
            )
            return {"ticket_id": delivered[0].ticket_number, "appeal_failures": 0.0}
        waiting = [e for e in entries if e.pending]
        if waiting:
            dispatcher.utter_message(response="utter_appeal_still_queued", reference=waiting[0].reference)
        return {"ticket_id": None, **await self.failed(dispatcher, tracker, "utter_ticket_invalid_number")}

    async def validate_phone_last4(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        text = str(slot_value or "")
        full = validators.mobile(text)
        digits = full[-4:] if full else validators.last4(text)
        if digits is None:
            return {"phone_last4": None, **await self.failed(dispatcher, tracker, "utter_ticket_invalid_last4")}
        return {"phone_last4": digits, "appeal_failures": 0.0}


class ActionCheckTicket(Action):
    """check_ticket: the state, department, deadline and history of a ticket, in plain Chinese."""

    def name(self) -> str:
        return "action_check_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        number, digits = tracker.get_slot("ticket_id"), tracker.get_slot("phone_last4")
        done = [SlotSet("phone_last4", None), SlotSet("appeal_failures", 0.0)]
        queued = await delivery.by_reference(str(number)) if str(number).startswith("CX") else None
        if queued is not None and queued.pending:
            # Still in the outbox: the backend does not know it yet, and must not answer "not found".
            dispatcher.utter_message(response="utter_appeal_still_queued", reference=queued.reference)
            return done
        try:
            status = await get_client().ticket_status(str(number), str(digits), client_id=tracker.sender_id)
        except NotFound:
            dispatcher.utter_message(response="utter_ticket_not_found")
            return [*done, SlotSet("ticket_id", None)]
        except BackendError as error:
            response = "utter_ticket_locked" if error.status == 429 else "utter_ticket_not_found"
            dispatcher.utter_message(response=response)
            return done
        except BackendUnavailable:
            dispatcher.utter_message(response="utter_service_unavailable")
            return done
        history = "\n".join(f"· {str(t['at'])[:16].replace('T', ' ')} {t['state_label']}" for t in status["timeline"])
        overdue = "（已超过办理时限，已督办）" if status.get("overdue") else ""
        extension = f"\n延期原因：{status['extension_reason']}" if status.get("extension_reason") else ""
        dispatcher.utter_message(
            response="utter_ticket_status",
            number=status["number"],
            state=status["state_label"],
            category=status["category"],
            department=status["department"],
            deadline=str(status["deadline"]),
            overdue=overdue,
            extension=extension,
            history=history,
        )
        return done
