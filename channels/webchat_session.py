"""Signed session ids of the web widget.

The server mints every conversation id (128 random bits) and hands the widget a token
``<conversation id>.<HMAC-SHA256 of it with WEBCHAT_SECRET>``. A client can keep and
present its own token, but cannot choose a conversation id or guess another user's:
a token that does not verify gets a fresh conversation, never someone else's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import Optional

PREFIX = "web-"
"""Conversation (Rasa sender) ids of this channel: ``web-`` + 32 hex digits."""
_CONVERSATION = re.compile(r"web-[0-9a-f]{32}")
_DOMAIN = b"webchat-session-v1:"
MIN_SECRET_LENGTH = 16


class SessionSecretMissing(RuntimeError):
    """WEBCHAT_SECRET is not set or too short: the channel refuses to start without it."""


class SessionSigner:
    def __init__(self, secret: Optional[str]) -> None:
        if not secret or len(secret) < MIN_SECRET_LENGTH:
            raise SessionSecretMissing(
                "WEBCHAT_SECRET 未设置或少于16个字符：网页挂件无法签发会话（运行 make env-file 或在 .env 中设置）"
            )
        self._key = secret.encode("utf-8")

    def _mac(self, conversation_id: str) -> str:
        digest = hmac.new(self._key, _DOMAIN + conversation_id.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def new(self) -> tuple[str, str]:
        """A fresh conversation id and its token."""
        conversation_id = PREFIX + secrets.token_hex(16)
        return conversation_id, self.token(conversation_id)

    def token(self, conversation_id: str) -> str:
        return f"{conversation_id}.{self._mac(conversation_id)}"

    def verify(self, token: object) -> Optional[str]:
        """The conversation id of a genuine token, else None (constant-time comparison)."""
        if not isinstance(token, str) or len(token) > 128:
            return None
        conversation_id, dot, mac = token.partition(".")
        if not dot or not _CONVERSATION.fullmatch(conversation_id):
            return None
        return conversation_id if hmac.compare_digest(mac, self._mac(conversation_id)) else None
