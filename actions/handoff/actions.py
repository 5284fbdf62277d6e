"""Contacts and hand-offs: windows, phones and hours from the knowledge base."""

from __future__ import annotations

import abc
from typing import Dict, List, Optional, Tuple

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
    buttons: Tuple[Dict[str, str], ...] = ()

    @abc.abstractmethod
    def name(self) -> str: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        try:
            department = await get_client().contact(topic=self.topic)
        except (BackendUnavailable, BackendError):
            dispatcher.utter_message(response="utter_service_unavailable")
            return []
        dispatcher.utter_message(
            response=self.response, contact=render.contact_block(department), buttons=list(self.buttons)
        )
        return []


class ActionHandoff(_Referral):
    """request_human: until a live handoff exists, say honestly how to reach a person, and offer to file an appeal."""

    response, topic = "utter_handoff", "appeal"
    buttons = ({"title": "登记为企业诉求", "payload": "/file_appeal"}, {"title": "不用了", "payload": "/deny"})

    def name(self) -> str:
        return "action_handoff"
