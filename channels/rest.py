"""Rasa's REST channel (``POST /webhooks/rest/webhook``, ``{"sender", "message"}``) within the turn budget.

The same endpoint, request and answer as ``rasa.core.channels.rest.RestInput``. Two things differ:

- every message is stamped with its deadline (``channels/budget.py``);
- the answer is sent by the deadline: what the turn has said so far, or, when it said nothing,
  one clear sentence ("系统繁忙……请稍后再试"). A turn that ends with no message at all (its
  action failed) gets a sentence too, instead of an empty list.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request

from channels import budget

log = logging.getLogger(__name__)


class _Counting:
    """What a turn has sent so far, for the collecting and the streaming output channel alike."""

    def __init__(self, output: Any) -> None:
        self.output = output
        self.sent = 0
        original = output.send_response

        async def send_response(recipient_id: str, message: Dict[str, Any]) -> None:
            self.sent += 1
            await original(recipient_id, message)

        output.send_response = send_response


class BudgetedRestInput(RestInput):
    """``rest`` in credentials.yml's place: ``channels.rest.BudgetedRestInput``."""

    def __init__(self, budget_seconds: Optional[float] = None) -> None:
        self.budget_seconds = budget.budget_seconds() if budget_seconds is None else budget_seconds
        self.late = budget.late_text()

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> BudgetedRestInput:
        return cls()

    def get_metadata(self, request: Request) -> Optional[Dict[str, Any]]:
        body = request.json if isinstance(request.json, dict) else {}
        return budget.stamp(body.get("metadata"), self.budget_seconds)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def within_budget(message: UserMessage) -> None:
            await self.answer(message, on_new_message)

        return super().blueprint(within_budget)

    async def answer(self, message: UserMessage, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Run the turn; by its deadline the output channel holds what the user is answered."""
        output = message.output_channel or CollectingOutputChannel()
        counter = _Counting(output)
        deadline = float((message.metadata or {}).get(budget.DEADLINE_KEY) or 0) or None
        if deadline is None:  # not stamped (cannot happen through get_metadata): no cut-off
            await on_new_message(message)
        else:

            async def late() -> None:
                if counter.sent == 0:
                    await output.send_text_message(message.sender_id, self.late)
                    counter.sent += 1
                # Whatever the turn says after this is not sent: the answer has gone.
                output.send_response = _discard

            try:
                await budget.answer_within(on_new_message(message), deadline, late)
            except Exception:  # the user still gets a sentence; the log never holds their text
                log.exception("rest.turn.failed")
        if counter.sent == 0:
            await output.send_text_message(message.sender_id, self.late)


async def _discard(recipient_id: str, message: Dict[str, Any]) -> None:
    return None
