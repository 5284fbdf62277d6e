"""Which sockets are open for which conversation, so a message reaches every tab of it, now or later.

Bot replies, typing and messages pushed by the server later (Rasa's HTTP API with
``output_channel=webchat``, reminders, a human agent) are addressed to a conversation,
not to a socket: every open tab of that conversation gets them; with none open they
still are in the tracker and replayed on the next connect.
The registry is per process: with several Rasa replicas, route one conversation to one
replica (sticky sessions on the ``session`` token) for live push.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any, DefaultDict, Dict, Optional, Protocol, Set

log = logging.getLogger(__name__)


class Socket(Protocol):
    async def send(self, message: str) -> None: ...


class SocketRegistry:
    def __init__(self) -> None:
        self._sockets: DefaultDict[str, Set[Socket]] = defaultdict(set)

    def add(self, conversation_id: str, socket: Socket) -> None:
        self._sockets[conversation_id].add(socket)

    def remove(self, conversation_id: str, socket: Socket) -> None:
        sockets = self._sockets.get(conversation_id)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self._sockets[conversation_id]

    def count(self, conversation_id: str) -> int:
        return len(self._sockets.get(conversation_id, ()))

    async def send(self, conversation_id: str, frame: Dict[str, Any], exclude: Optional[Socket] = None) -> int:
        """Send ``frame`` to every open socket of the conversation; returns how many got it."""
        text = json.dumps(frame, ensure_ascii=False)
        delivered = 0
        for socket in list(self._sockets.get(conversation_id, ())):
            if socket is exclude:
                continue
            try:
                await socket.send(text)
                delivered += 1
            except Exception:
                log.debug("webchat socket gone while sending; dropped")
                self.remove(conversation_id, socket)
        return delivered
