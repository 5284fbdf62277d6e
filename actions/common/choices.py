"""Every choice the bot offers carries a structured payload, and comes back the same however it is given.

A button's payload is ``/inform{"choice": "<token>"}``: Rasa takes it without NLU, as intent ``inform``
with the entity ``choice``. The WeChat channel sends the same payload when the user replies with the
button's number. Typed replies work too: the option's title, its number ("2", "第二个", "选2").

Tokens: ``guide:<question id>:<json value>``, ``bundle:<bundle id>``, ``policy:<field>:<json value>``,
``category:<category id>`` (``category-list``: show them all), ``policy-skip:<field>``, ``confirm:submit``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

import cn2an
from rasa_sdk import Tracker

from actions.common.replies import normalize

ENTITY = "choice"
Option = Tuple[str, str]
"""(title shown, token)."""

_ORDINAL = re.compile(r"(?:第|选|选择|选第)?(\d{1,2}|[一二两三四五六七八九十]{1,3})(?:个|项|种|号|条|类|家)?")
_PAYLOAD = re.compile(r"^/inform\s*(\{.*\})\s*$", re.S)
STOP_PAYLOAD = "/stop"


def payload(token: str) -> str:
    return "/inform" + json.dumps({ENTITY: token}, ensure_ascii=False)


def button(title: str, token: str) -> Dict[str, str]:
    return {"title": title, "payload": payload(token)}


def buttons(options: Sequence[Option]) -> List[Dict[str, str]]:
    return [button(title, token) for title, token in options]


def stop_button(title: str = "不办了") -> Dict[str, str]:
    return {"title": title, "payload": STOP_PAYLOAD}


def value_token(prefix: str, key: str, value: Any) -> str:
    return f"{prefix}:{key}:{json.dumps(value, ensure_ascii=False)}"


def parse_value_token(token: str, prefix: str) -> Optional[Tuple[str, Any]]:
    """``guide:sells_alcohol:true`` → ("sells_alcohol", True); None if it is not such a token."""
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != prefix:
        return None
    try:
        return parts[1], json.loads(parts[2])
    except ValueError:
        return None


def chosen(tracker: Tracker, text: str = "") -> Optional[str]:
    """The token of the button the user clicked (the ``choice`` entity), if the last message was one."""
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == ENTITY and isinstance(entity.get("value"), str):
            return str(entity["value"])
    match = _PAYLOAD.match(text or (tracker.latest_message or {}).get("text") or "")
    if match:
        try:
            value = json.loads(match.group(1)).get(ENTITY)
        except (ValueError, AttributeError):
            return None
        return value if isinstance(value, str) else None
    return None


def ordinal(text: str) -> Optional[int]:
    """The position a reply picks from a numbered list: "2", "第二个", "选2", "2号" → 2."""
    plain = re.sub(r"[\s,，。.!！~～]+", "", normalize(text))
    match = _ORDINAL.fullmatch(plain)
    if not match:
        return None
    raw = match.group(1)
    try:
        value = int(raw) if raw.isdigit() else int(cn2an.cn2an(raw.replace("两", "二"), "normal"))
    except ValueError:
        return None
    return value if value >= 1 else None


def _plain(text: str) -> str:
    return re.sub(r"[\s,，。.!！?？~～、:：;；]+", "", normalize(text))


def pick(tracker: Tracker, text: str, options: Sequence[Option]) -> Optional[str]:
    """The token of the option the reply names: the button clicked, its number, or its exact title."""
    tokens = [token for _title, token in options]
    clicked = chosen(tracker, text)
    if clicked is not None:
        return clicked if clicked in tokens else None
    index = ordinal(text)
    if index is not None:
        return tokens[index - 1] if 1 <= index <= len(tokens) else None
    plain = _plain(text)
    return next((token for title, token in options if plain and _plain(title) == plain), None)
