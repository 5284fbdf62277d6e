"""Typed client of the backend API. Every failure is a typed exception, never a dict.

The session is created on first use inside the running event loop (never at
import) and reused, so each call costs one HTTP request.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote

import aiohttp

DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=4)
"""Below WeChat's 5-second window, so a slow backend cannot cost the user their answer."""


class BackendError(Exception):
    """The backend answered with an error it explains (4xx)."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(f"backend {status}: {detail}")
        self.status = status
        self.detail = detail


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

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        try:
            async with self._session.request(method, self.base_url + path, **kwargs) as response:
                if response.status >= 500:
                    raise BackendUnavailable(f"{method} {path}: HTTP {response.status}")
                body = await response.json(content_type=None)
                if response.status == 404:
                    raise NotFound(404, (body or {}).get("detail"))
                if response.status >= 400:
                    raise BackendError(response.status, (body or {}).get("detail"))
                return body
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise BackendUnavailable(f"{method} {path}: {type(error).__name__}") from error

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def search_bundles(self, text: str) -> Dict[str, Any]:
        return await self._request("GET", "/api/bundles/search", params={"q": text[:2000]})

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

    async def ticket_status(self, number: str, phone_last4: str) -> Dict[str, Any]:
        path = f"/api/tickets/{quote(number, safe='')}/status"
        return await self._request("GET", path, params={"phone_last4": phone_last4})

    async def search_policies(self, text: str) -> Dict[str, Any]:
        return await self._request("GET", "/api/policies/search", params={"q": text[:2000]})

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
        params = {"q": text[:2000]}
        if topic:
            params["topic"] = topic
        return await self._request("GET", "/api/contact", params=params)


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
