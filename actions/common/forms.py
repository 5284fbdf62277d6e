"""Base of the form validators: counts failed answers and, after a few, offers a way out."""

from __future__ import annotations

import abc
from typing import Any, Dict, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.clients.backend import BackendError, BackendUnavailable, get_client
from actions.common import choices, render

MAX_FAILURES = 2
"""From the second answer in a row that is not understood, the options come back with a way out."""


class BaseFormValidator(FormValidationAction, abc.ABC):
    """Abstract, so the action server registers only the concrete validators."""

    failures_slot = "guide_failures"

    @abc.abstractmethod
    def name(self) -> str: ...

    async def failed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, response: str, **variables: Any
    ) -> Dict[str, Any]:
        """Explain the failure; from the second in a row on, offer "不办了" and the hotline.

        The form then asks its question again, with its options as buttons, so the user never
        gets the same apology twice with nothing new to do.
        """
        failures = int(tracker.get_slot(self.failures_slot) or 0) + 1
        if failures >= MAX_FAILURES:
            dispatcher.utter_message(
                response="utter_too_many_failures",
                contact=await service_center_block(),
                buttons=[choices.stop_button()],
            )
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
