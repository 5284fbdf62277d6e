"""Base of the form validators: counts failed answers and, after a few, offers a way out."""

from __future__ import annotations

import abc
from typing import Any, Dict, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.clients.backend import BackendError, BackendUnavailable, get_client
from actions.common import render

MAX_FAILURES = 3


class BaseFormValidator(FormValidationAction, abc.ABC):
    """Abstract, so the action server registers only the concrete validators."""

    failures_slot = "guide_failures"

    @abc.abstractmethod
    def name(self) -> str: ...

    async def failed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, response: str, **variables: Any
    ) -> Dict[str, Any]:
        """Explain the failure; from the third one on, offer to stop or call the hotline."""
        failures = int(tracker.get_slot(self.failures_slot) or 0) + 1
        if failures >= MAX_FAILURES:
            dispatcher.utter_message(response="utter_too_many_failures", contact=await service_center_block())
        else:
            dispatcher.utter_message(response=response, **variables)
        return {self.failures_slot: float(failures)}


async def service_center_block(topic: Optional[str] = None) -> str:
    """The contact to offer when the assistant cannot help; a fixed line if even that fails."""
    try:
        return render.contact_block(await get_client().contact(topic=topic))
    except (BackendUnavailable, BackendError):
        return "政务服务便民热线 12345"


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""
