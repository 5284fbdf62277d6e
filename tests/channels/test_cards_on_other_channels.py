"""A card message must not break Rasa's other channels: socket.io emits it, REST passes it through."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.channels.socketio import SocketIOOutput

from actions.common.cards import ticket_card

TICKET = {
    "number": "QY202612010001",
    "category": {"name": "水电气网等要素保障"},
    "department": {"name": "区经济信息委"},
    "deadline": "2026-12-15",
    "time_limit_working_days": 10,
}


class FakeSocketServer:
    def __init__(self) -> None:
        self.emitted: List[Tuple[str, Dict[str, Any]]] = []

    async def emit(self, event: str, data: Any = None, to: Any = None, room: Any = None, **kwargs: Any) -> None:
        # python-socketio's AsyncServer.emit signature: an unknown keyword would raise TypeError.
        assert not kwargs
        self.emitted.append((event, {"data": data, "room": room}))


async def test_socketio_emits_the_card_as_the_event_payload() -> None:
    server = FakeSocketServer()
    output = SocketIOOutput(server, "bot_uttered")  # type: ignore[arg-type]
    await output.send_response("socket-1", {"custom": ticket_card(TICKET)})
    [(event, sent)] = server.emitted
    assert event == "bot_uttered" and sent["room"] == "socket-1"
    assert sent["data"]["card"]["number"] == "QY202612010001"


async def test_rest_returns_the_card_as_custom() -> None:
    output = CollectingOutputChannel()
    await output.send_response("rest-user", {"text": "您的诉求已受理", "custom": ticket_card(TICKET)})
    assert [m.get("text") for m in output.messages] == ["您的诉求已受理", None]
    assert output.messages[1]["custom"]["data"]["card"]["type"] == "ticket"
