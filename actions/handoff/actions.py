"""Contacts and hand-offs: windows, phones and hours from the knowledge base."""

from __future__ import annotations

import abc
from typing import List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.backend import BackendError, BackendUnavailable, get_client
from actions.common import render
from actions.common.forms import latest_text


class ActionContact(Action):
    """ask_contact: the department the user names, else the 政务服务中心."""

    def name(self) -> str:
        return "action_contact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        try:
            department = await get_client().contact(latest_text(tracker))
        except (BackendUnavailable, BackendError):
            dispatcher.utter_message(response="utter_service_unavailable")
            return []
        dispatcher.utter_message(response="utter_contact", **render.contact(department))
        return []


class _Referral(Action, abc.ABC):
    """Base: show the first contact for a topic. Abstract, so the action server skips it."""

    response: str = ""
    topic: Optional[str] = None

    @abc.abstractmethod
    def name(self) -> str: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        try:
            department = await get_client().contact(topic=self.topic)
        except (BackendUnavailable, BackendError):
            dispatcher.utter_message(response="utter_service_unavailable")
            return []
        dispatcher.utter_message(response=self.response, contact=render.contact_block(department))
        return []


class ActionHandoff(_Referral):
    """request_human: hand over to the service center's staff."""

    response, topic = "utter_handoff", "appeal"

    def name(self) -> str:
        return "action_handoff"
