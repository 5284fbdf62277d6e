"""Checks the web widget's session tokens, as channels/webchat_session.py signs them.

Token: ``web-<32 hex>.<base64url HMAC-SHA256(WEBCHAT_SECRET, "webchat-session-v1:" + id)>``.
The two sides live in different environments (the bot's and the backend's); the shared
test vector in tests/channels/test_webchat_session.py and backend/tests/test_ratings.py
proves they agree.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

_CONVERSATION = re.compile(r"web-[0-9a-f]{32}")
_DOMAIN = b"webchat-session-v1:"


def sign(secret: str, conversation_id: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), _DOMAIN + conversation_id.encode("ascii"), hashlib.sha256).digest()
    return f"{conversation_id}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode('ascii')}"


def verify(secret: str, token: str) -> str | None:
    """The conversation id of a genuine token, else None."""
    conversation_id, dot, _ = token.partition(".")
    if not dot or len(token) > 128 or not _CONVERSATION.fullmatch(conversation_id):
        return None
    return conversation_id if hmac.compare_digest(sign(secret, conversation_id), token) else None
