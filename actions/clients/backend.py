"""Typed client of the backend API. Every failure is a typed exception, never a dict.

The session is created on first use inside the running event loop (never at
import) and reused, so each call costs one HTTP request.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote

import aiohttp

from actions.common import budget

DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=4)
"""Below WeChat's 5-second window, so a slow backend cannot cost the user their answer."""


MIN_CALL_SECONDS = 0.05
"""Less left of the turn's budget than this: the call is not started."""


class BackendError(Exception):
    """The backend answered with an error it explains (4xx)."""

    def __init__(self, status: int, detail: Any, body: Any = None) -> None:
        super().__init__(f"backend {status}")  # no detail: it may quote what the user typed
        self.status = status
        self.detail = detail
        self.body = body
        """The whole error body (a 422 carries ``problems``)."""


class NotFound(BackendError):
    pass


class BackendUnavailable(Exception):
    """The backend could not be reached, timed out or failed (5xx)."""


class BackendClient:
    def __init__(
        self,
        base_url: Optional[str] = None,
        timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
        service_token: Optional[str] = None,
    ) -> None:
        self.base_url = (base_url or os.environ.get("BACKEND_URL") or "http://127.0.0.1:8000").rstrip("/")
        self.timeout = timeout
        self.service_token = service_token or os.environ.get("BACKEND_SERVICE_TOKEN")
        self._session: Optional[aiohttp.ClientSession] = None

    def _auth(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.service_token}"} if self.service_token else {}

    def _timeout(self, method: str, path: str) -> aiohttp.ClientTimeout:
        """The client's timeout, cut to what is left of the turn's budget (``actions/common/budget.py``)."""
        left = budget.remaining()
        if left is None:
            return self.timeout
        if left <= MIN_CALL_SECONDS:
            raise BackendUnavailable(f"{method} {path}: turn budget spent")
        return aiohttp.ClientTimeout(total=min(self.timeout.total or left, left))

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        timeout = self._timeout(method, path)
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        try:
            async with self._session.request(method, self.base_url + path, timeout=timeout, **kwargs) as response:
                if response.status >= 500:
                    raise BackendUnavailable(f"{method} {path}: HTTP {response.status}")
                body = await response.json(content_type=None)
                if response.status == 404:
                    raise NotFound(404, (body or {}).get("detail"), body)
                if response.status >= 400:
                    raise BackendError(response.status, (body or {}).get("detail"), body)
                return body
        except (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError, ValueError) as error:
            # asyncio.TimeoutError is not the built-in TimeoutError before Python 3.11.
            raise BackendUnavailable(f"{method} {path}: {type(error).__name__}") from error

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def search_bundles(self, text: str) -> Dict[str, Any]:
        # What the user typed travels in the body: query strings end up in access logs.
        return await self._request("POST", "/api/bundles/search", json={"q": text[:2000]})

    async def bundles(self) -> List[Dict[str, Any]]:
        return await self._request("GET", "/api/bundles")

    async def bundle(self, bundle_id: str) -> Dict[str, Any]:
        return await self._request("GET", f"/api/bundles/{quote(bundle_id, safe='')}")

    async def advance(
        self,
        bundle_id: str,
        answers: Dict[str, Any],
        text: str,
        pending_question: Optional[str],
        choice: Optional[Tuple[str, Any]] = None,
    ) -> Dict[str, Any]:
        """One step of the bundle's question tree; ``choice`` is an option picked by button (question, value)."""
        body: Dict[str, Any] = {
            "bundle_id": bundle_id,
            "answers": answers,
            "text": text[:2000],
            "pending_question": pending_question,
        }
        if choice is not None:
            body["choice"] = {"question_id": choice[0], "value": choice[1]}
        return await self._request("POST", "/api/guide/advance", json=body)

    async def route(self, text: str) -> Dict[str, Any]:
        """What answers a question: one matter (with its 办事指南), a bundle, or a policy named outright."""
        return await self._request("POST", "/api/guide/route", json={"text": text[:2000]})

    async def matter(self, matter_id: str) -> Dict[str, Any]:
        return await self._request("GET", f"/api/matters/{quote(matter_id, safe='')}")

    async def checklist(self, bundle_id: str, answers: Dict[str, Any]) -> Dict[str, Any]:
        return await self._request("POST", "/api/guide/checklist", json={"bundle_id": bundle_id, "answers": answers})

    async def classify_appeal(self, description: str) -> Dict[str, Any]:
        return await self._request(
            "POST", "/api/tickets/classify", json={"description": description[:2000]}, headers=self._auth()
        )

    async def appeal_categories(self) -> List[Dict[str, Any]]:
        return await self._request("GET", "/api/appeal-categories")

    async def create_ticket(self, payload: Dict[str, Any], idempotency_key: str) -> Dict[str, Any]:
        headers = {**self._auth(), "Idempotency-Key": idempotency_key}
        return await self._request("POST", "/api/tickets", json=payload, headers=headers)

    async def ticket_status(self, number: str, phone_last4: str, client_id: Optional[str] = None) -> Dict[str, Any]:
        """``client_id`` (the conversation) keys the lookup's rate limit: all chat users share our IP."""
        path = f"/api/tickets/{quote(number, safe='')}/status"
        headers = {**self._auth(), "X-Client-Id": client_id[:128]} if client_id else {}
        return await self._request("GET", path, params={"phone_last4": phone_last4}, headers=headers)

    async def hand_over_dead_letter(
        self, idempotency_key: str, reference: str, payload: Dict[str, Any], status: int, detail: Any
    ) -> Dict[str, Any]:
        """Give an appeal the ticket API refused to the backend's dead-letter queue (staff fix it there)."""
        body = {
            "idempotency_key": idempotency_key,
            "reference": reference,
            "payload": payload,
            "status_code": status,
            "detail": detail,
        }
        return await self._request("POST", "/api/dead-letters", json=body, headers=self._auth())

    async def search_policies(self, text: str) -> Dict[str, Any]:
        return await self._request("POST", "/api/policies/search", json={"q": text[:2000]})

    async def match_policies(
        self, profile: Dict[str, Any], theme: Optional[str] = None, question_limit: int = 5
    ) -> Dict[str, Any]:
        body: Dict[str, Any] = {"profile": profile, "question_limit": question_limit}
        if theme:
            body["theme"] = theme
        return await self._request("POST", "/api/policies/match", json=body)

    async def policy(self, policy_id: str) -> Dict[str, Any]:
        return await self._request("GET", f"/api/policies/{quote(policy_id, safe='')}")

    async def contact(self, text: str = "", topic: Optional[str] = None) -> Dict[str, Any]:
        return await self._request("POST", "/api/contact", json={"q": text[:2000], "topic": topic})


_client: Optional[BackendClient] = None


def get_client() -> BackendClient:
    global _client
    if _client is None:
        _client = BackendClient()
    return _client


def set_client(client: Optional[BackendClient]) -> None:
    """Tests point the actions at their own backend."""
    global _client
    _client = client
