"""Frames of the widget protocol, built from Rasa messages and from tracker events (history replay).

Server → widget frames are JSON objects with a ``type``:
``bot`` {text, buttons, card}, ``user`` {id, text} (a message sent from another tab),
``typing`` {on}, ``ack`` {id, duplicate}, ``session`` {session, conversation_id, history, new},
``error`` {code, message}. The card is the ``data.card`` of a custom json_message
(see actions/common/cards.py); anything else a bot message carries is dropped, so
server HTML never reaches the page.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional

MAX_HISTORY = 200
"""Messages replayed on reconnect (the latest ones)."""
MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def card_of(custom: Any) -> Optional[Dict[str, Any]]:
    if isinstance(custom, dict) and isinstance(custom.get("data"), dict):
        card = custom["data"].get("card")
        if isinstance(card, dict) and isinstance(card.get("type"), str):
            return card
    return None


def _buttons(raw: Any) -> List[Dict[str, str]]:
    buttons = []
    for button in raw or []:
        if isinstance(button, dict) and button.get("title"):
            title = str(button["title"])
            buttons.append({"title": title, "payload": str(button.get("payload") or title)})
    return buttons


def bot_frame(message: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """One frame for one Rasa bot message (text, buttons or quick replies, a card); None if empty."""
    frame: Dict[str, Any] = {"type": "bot"}
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        frame["text"] = text
    buttons = _buttons(message.get("buttons") or message.get("quick_replies"))
    if buttons:
        frame["buttons"] = buttons
    card = card_of(message.get("custom"))
    if card is not None:
        frame["card"] = card
    if isinstance(message.get("image"), str) and message["image"].startswith(("https://", "http://")):
        frame["image"] = message["image"]
    return frame if len(frame) > 1 else None


def user_frame(text: str, message_id: Optional[str], display: Optional[str] = None) -> Dict[str, Any]:
    frame: Dict[str, Any] = {"type": "user", "text": display or text}
    if message_id:
        frame["id"] = message_id
    return frame


def history(events: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The visible conversation from serialized tracker events: user and bot messages, in order."""
    frames: List[Dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = event.get("text")
            if not isinstance(text, str) or not text or text.startswith("/session_start"):
                continue
            metadata = event.get("metadata") or {}
            display = metadata.get("display") if isinstance(metadata, dict) else None
            frames.append(user_frame(text, event.get("message_id"), display if isinstance(display, str) else None))
        elif kind == "bot":
            message = {**(event.get("data") or {}), "text": event.get("text")}
            frame = bot_frame(message)
            if frame is not None:
                frames.append(frame)
        elif kind == "restart":
            frames.clear()
    return frames[-MAX_HISTORY:]


def message_ids(events: Iterable[Dict[str, Any]]) -> set[str]:
    """Ids of user messages already in the conversation: a re-sent queued message is not processed twice."""
    return {str(e["message_id"]) for e in events if e.get("event") == "user" and e.get("message_id")}
