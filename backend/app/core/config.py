"""Settings from the environment, validated once at start-up.

No secret has a default: without ``ADMIN_TOKEN`` the admin endpoints answer 503. Tokens
are ``SecretStr`` (never printed in a repr or a log line); a token shorter than 16
characters, or one token given to two roles, stops the service at start with a message
that names the variable.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[3]
MIN_TOKEN_LENGTH = 16
TICKET_TOKEN_FIELDS = ("backend_service_token", "agent_tokens", "department_tokens")


def secret(value: SecretStr | str | None) -> str | None:
    """The plain value of a token setting (None when unset)."""
    if value is None:
        return None
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def token_items(raw: SecretStr | str | None) -> list[tuple[str, str]]:
    """``name:token`` pairs of a token list; a bare token has the name ''."""
    pairs = []
    for item in (secret(raw) or "").split(","):
        item = item.strip()
        if not item:
            continue
        name, separator, token = item.partition(":")
        pairs.append((name.strip(), token.strip()) if separator else ("", name))
    return pairs


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str = Field(default=f"sqlite:///{REPO_ROOT / '.data' / 'backend.db'}")
    knowledge_dir: Path = REPO_ROOT / "knowledge"
    backend_port: int = 8000
    public_base_url: str = ""
    """Base of links sent to users (checklist pages); defaults to http://localhost:BACKEND_PORT."""
    admin_token: SecretStr | None = None
    log_level: str = "INFO"
    backend_service_token: SecretStr | None = None
    """Ticket API: the action server (files tickets, reads them by number)."""
    agent_tokens: SecretStr | None = None
    """Ticket API: hotline agents, comma-separated ``name:token`` pairs (a bare token: one agent)."""
    department_tokens: SecretStr | None = None
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
    redis_url: str | None = None
    """Shared counters of the public ticket lookup (every replica sees the same failures); unset: in-process."""

    @field_validator("backend_service_token", "agent_tokens", "department_tokens")
    @classmethod
    def _ticket_tokens(cls, value: SecretStr | None) -> SecretStr | None:
        raw = secret(value) or ""
        for item in filter(None, (part.strip() for part in raw.split(","))):
            name, separator, token = item.partition(":")
            if len((token if separator else name).strip()) < MIN_TOKEN_LENGTH or (separator and not name.strip()):
                raise ValueError("工单接口口令至少16个字符；多个口令用逗号分隔，每项为 名称:口令")
        return value if raw.strip() else None

    @field_validator("admin_token")
    @classmethod
    def _admin_token(cls, value: SecretStr | None) -> SecretStr | None:
        raw = (secret(value) or "").strip()
        if raw and len(raw) < MIN_TOKEN_LENGTH:
            raise ValueError("ADMIN_TOKEN 至少16个字符")
        return value if raw else None

    @model_validator(mode="after")
    def _distinct_tokens(self) -> Settings:
        seen: dict[str, str] = {}
        tokens = [("ADMIN_TOKEN", secret(self.admin_token))]
        for field in TICKET_TOKEN_FIELDS:
            tokens += [(field.upper(), token) for _, token in token_items(getattr(self, field))]
        for variable, token in tokens:
            if not token:
                continue
            if token in seen:
                raise ValueError(f"{seen[token]} 与 {variable} 使用了同一个口令：每个身份须有自己的口令")
            seen[token] = variable
        return self

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


def startup_problems(error: ValidationError) -> list[str]:
    """The configuration errors as lines that name the variable (no value is echoed)."""
    lines = []
    for item in error.errors():
        variable = ".".join(str(part) for part in item["loc"]).upper() or "配置"
        lines.append(f"{variable}: {str(item['msg']).removeprefix('Value error, ')}")
    return lines


@lru_cache
def get_settings() -> Settings:
    return Settings()
