"""A typed async client of Rasa's HTTP API (``rasa run --enable-api --auth-token``).

Endpoints (rasa/server.py, Rasa 3.6): ``POST /model/parse`` for intent, confidence,
ranking and entities; ``POST /webhooks/rest/webhook`` with a sender id per call for the
conversation's next step; ``GET /conversations/{id}/tracker`` for the slots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx


class RasaError(Exception):
    """Rasa could not be reached or answered with an error; ``message`` is for the agent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Parse:
    intent: str | None
    confidence: float
    ranking: list[tuple[str, float]]
    entities: list[dict[str, Any]]


@dataclass(frozen=True)
class BotMessage:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)


class RasaClient:
    def __init__(
        self, base_url: str, token: str | None, timeout: float, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._base = base_url.rstrip("/")
        self._params = {"token": token} if token else {}
        self._timeout = timeout
        self._transport = transport

    async def _request(self, method: str, path: str, params: dict[str, str] | None = None, **kwargs: Any) -> Any:
        try:
            async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport) as client:
                query = {**self._params, **(params or {})}
                response = await client.request(method, self._base + path, params=query, **kwargs)
        except httpx.HTTPError as error:
            raise RasaError(f"对话引擎暂时无法连接（{type(error).__name__}），可先手工填写工单") from None
        if response.status_code == 401 or response.status_code == 403:
            raise RasaError("对话引擎拒绝了访问口令（请核对 RASA_AUTH_TOKEN）")
        if response.status_code >= 400:
            raise RasaError(f"对话引擎返回错误（HTTP {response.status_code}），可先手工填写工单")
        try:
            return response.json()
        except ValueError:
            raise RasaError("对话引擎的回答无法解析") from None

    async def parse(self, text: str) -> Parse:
        data = await self._request("POST", "/model/parse", json={"text": text})
        intent = data.get("intent") or {}
        ranking = [(str(r.get("name")), float(r.get("confidence") or 0)) for r in data.get("intent_ranking") or []]
        entities = [
            {"entity": e.get("entity"), "value": e.get("value"), "text": data.get("text", "")[e["start"] : e["end"]]}
            if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)
            else {"entity": e.get("entity"), "value": e.get("value"), "text": str(e.get("value"))}
            for e in data.get("entities") or []
        ]
        return Parse(intent.get("name"), float(intent.get("confidence") or 0), ranking[:3], entities)

    async def send(self, sender: str, message: str) -> list[BotMessage]:
        data = await self._request("POST", "/webhooks/rest/webhook", json={"sender": sender, "message": message})
        messages = []
        for item in data if isinstance(data, list) else []:
            buttons = [
                {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                for b in item.get("buttons") or []
                if isinstance(b, dict)
            ]
            if item.get("text") or buttons:
                messages.append(BotMessage(str(item.get("text") or ""), buttons))
        return messages

    async def slots(self, sender: str) -> dict[str, Any]:
        path = f"/conversations/{quote(sender, safe='')}/tracker"
        data = await self._request("GET", path, params={"include_events": "NONE"})
        slots = data.get("slots") if isinstance(data, dict) else None
        return slots if isinstance(slots, dict) else {}
