"""Settings of the web widget's backend side, from the environment, validated once.

``WEBCHAT_SECRET`` is the same secret the Rasa webchat channel signs its session tokens
with: the backend checks a rating's token with it, so only a real widget conversation can
be rated. No default: without it web ratings answer 503.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class WidgetSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    webchat_secret: str | None = Field(default=None, min_length=16)
    webchat_server_url: str = ""
    """The WebSocket the widget connects to; empty: ws://<host of the request>:RASA_PORT/webhooks/webchat/websocket."""
    webchat_allowed_origins: str = ""
    """Comma-separated portal origins allowed to call POST /api/ratings from a browser; empty: any."""
    rasa_port: int = 5005

    @field_validator("webchat_server_url")
    @classmethod
    def _websocket_url(cls, value: str) -> str:
        if value and not value.startswith(("ws://", "wss://")):
            raise ValueError("WEBCHAT_SERVER_URL 必须以 ws:// 或 wss:// 开头")
        return value

    @property
    def origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.webchat_allowed_origins.split(",") if o.strip()]


@lru_cache
def get_widget_settings() -> WidgetSettings:
    return WidgetSettings()
