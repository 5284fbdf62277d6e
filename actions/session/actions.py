"""Session start: carry slots over as Rasa does, and put the deployment's hotlines into slots.

Responses such as ``utter_service_unavailable`` name ``{service_hotlines}``; Rasa fills response
variables from slots, so every place that utters them gets the numbers of ``knowledge/service.yml``
without the backend (which may be the thing that is down).
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import service

SERVICE_SLOTS = ("service_hotlines", "appeal_hotline", "service_region")

service.load()  # a malformed knowledge/service.yml stops the action server at start, not mid-conversation


def service_slots(info: service.Service) -> List[EventType]:
    return [
        SlotSet("service_hotlines", info.hotline_text),
        SlotSet("appeal_hotline", info.appeal_hotline_text),
        SlotSet("service_region", info.region),
    ]


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        config: Dict[str, Any] = domain.get("session_config") or {}
        if config.get("carry_over_slots_to_new_session", True):
            events += [
                SlotSet(name, value)
                for name, value in tracker.current_slot_values().items()
                if value is not None and name not in SERVICE_SLOTS
            ]
        events += service_slots(service.load())
        events.append(ActionExecuted("action_listen"))
        return events
