"""Rasa's REST channel (``POST /webhooks/rest/webhook``, ``{"sender", "message"}``) within the turn budget.

The same endpoint, request and answer as ``rasa.core.channels.rest.RestInput``. Two things differ:

- every message is stamped with its deadline (``channels/budget.py``);
- the answer is sent by the deadline: what the turn has said so far, or, when it said nothing,
  one clear sentence ("系统繁忙……请稍后再发一次"). A turn that ends with no message at all (its
  action failed) gets a sentence too, instead of an empty list;
- what a late turn says after its answer has gone is kept for the user's next message: sending
  the same message again, as the sentence asks, is answered with it instead of a second turn
  (a confirmed appeal is not confirmed twice); another message gets it first, then its own answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional

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
        self.late_answer_heading = budget.late_answer_heading()
        self.late_answers = LateAnswers()

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
        sender = message.sender_id
        deadline = float((message.metadata or {}).get(budget.DEADLINE_KEY) or 0) or None
        pending = self.late_answers.get(sender)
        if pending is not None and pending.text == (message.text or "") and deadline is not None:
            # The same message again, as the late sentence asked: its answer, not a second turn.
            await asyncio.wait({pending.turn}, timeout=max(deadline - time.time(), 0.0))
            if not pending.turn.done():  # still running: the same sentence, the answer kept for later
                await output.send_text_message(sender, self.late)
                return
            self.late_answers.pop(sender)
            if await self._deliver(output, sender, pending):
                return
            pending = None  # the late turn failed or said nothing: this message is a turn of its own
        if pending is not None and pending.turn.done():
            self.late_answers.pop(sender)
            await self._deliver(output, sender, pending)  # first what the user has not seen, then this turn
        counter = _Counting(output)
        if deadline is None:  # not stamped (cannot happen through get_metadata): no cut-off
            await on_new_message(message)
        else:
            turn = asyncio.ensure_future(on_new_message(message))

            async def late() -> None:
                if counter.sent == 0:
                    await output.send_text_message(sender, self.late)
                    counter.sent += 1
                # What the turn says from now on is kept for the user's next message.
                kept = LateTurn(message.text or "", turn)
                self.late_answers.add(sender, kept)
                output.send_response = kept.keep

            try:
                await budget.answer_within(turn, deadline, late)
            except Exception:  # the user still gets a sentence; the log never holds their text
                log.exception("rest.turn.failed")
        if counter.sent == 0:
            await output.send_text_message(sender, self.late)

    async def _deliver(self, output: Any, sender: str, pending: LateTurn) -> bool:
        """Send what a late turn said after its answer had gone; whether there was anything."""
        if pending.turn.cancelled() or pending.turn.exception() is not None or not pending.messages:
            return False
        await output.send_text_message(sender, self.late_answer_heading)
        for said in pending.messages:
            await output.send_response(sender, said)
        return True


@dataclass
class LateTurn:
    """A turn that ran past its deadline: the message, the running turn, and what it said since."""

    text: str
    turn: asyncio.Future[Any]
    messages: List[Dict[str, Any]] = field(default_factory=list)
    at: float = field(default_factory=time.monotonic)

    async def keep(self, recipient_id: str, message: Dict[str, Any]) -> None:
        self.messages.append(message)


class LateAnswers:
    """Per conversation, the last late turn, for the user's next message (this process only).

    Bounded: kept ``KEEP_SECONDS``, at most ``MOST`` conversations. Behind a load balancer the
    next message may reach another replica, which has nothing to add: the answer is still in the
    conversation's tracker, and the widget and WeChat deliver late answers by push.
    """

    KEEP_SECONDS = 600.0
    MOST = 10_000

    def __init__(self) -> None:
        self._turns: OrderedDict[str, LateTurn] = OrderedDict()

    def add(self, sender: str, turn: LateTurn) -> None:
        self._turns.pop(sender, None)
        self._turns[sender] = turn
        while len(self._turns) > self.MOST:
            self._turns.popitem(last=False)

    def get(self, sender: str) -> Optional[LateTurn]:
        while self._turns:
            oldest = next(iter(self._turns.values()))
            if time.monotonic() - oldest.at <= self.KEEP_SECONDS:
                break
            self._turns.popitem(last=False)
        return self._turns.get(sender)

    def pop(self, sender: str) -> None:
        self._turns.pop(sender, None)
