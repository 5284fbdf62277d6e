"""Settings from the environment, validated once at start-up.

No secret has a default: without ``ADMIN_TOKEN`` the admin endpoints answer 503.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[3]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str = Field(default=f"sqlite:///{REPO_ROOT / '.data' / 'backend.db'}")
    knowledge_dir: Path = REPO_ROOT / "knowledge"
    backend_port: int = 8000
    public_base_url: str = ""
    """Base of links sent to users (checklist pages); defaults to http://localhost:BACKEND_PORT."""
    admin_token: str | None = None
    log_level: str = "INFO"
    backend_service_token: str | None = None
    """Ticket API: the action server (files tickets, reads them by number)."""
    agent_tokens: str | None = None
    """Ticket API: hotline agents, comma-separated ``name:token`` pairs (a bare token: one agent)."""
    department_tokens: str | None = None
    """Ticket API: departments, comma-separated ``department_id:token`` pairs (own tickets only)."""
    rasa_port: int = 5005
    rasa_url: str = ""
    """The console's Rasa HTTP API; defaults to http://127.0.0.1:RASA_PORT."""
    rasa_auth_token: str | None = None
    """Rasa's ``--auth-token``: the console sends it as ``?token=``."""
    rasa_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    console_session_minutes: int = Field(default=480, ge=5, le=1440)
    """A console sign-in lasts this long (default one working day)."""
    console_secure_cookie: bool = False
    """Always mark the console cookie Secure (it is also Secure when X-Forwarded-Proto is https)."""

    @field_validator("backend_service_token", "agent_tokens", "department_tokens")
    @classmethod
    def _ticket_tokens(cls, value: str | None) -> str | None:
        for item in filter(None, (part.strip() for part in (value or "").split(","))):
            name, separator, token = item.partition(":")
            if len((token if separator else name).strip()) < 16 or (separator and not name.strip()):
                raise ValueError("工单接口口令至少16个字符；多个口令用逗号分隔，每项为 名称:口令")
        return value or None

    @field_validator("database_url")
    @classmethod
    def _driver(cls, value: str) -> str:
        # One driver for PostgreSQL everywhere: psycopg 3.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @property
    def rasa_base_url(self) -> str:
        return (self.rasa_url or f"http://127.0.0.1:{self.rasa_port}").rstrip("/")

    @property
    def base_url(self) -> str:
        return (self.public_base_url or f"http://localhost:{self.backend_port}").rstrip("/")


@lru_cache
def get_settings() -> Settings:
    return Settings()
