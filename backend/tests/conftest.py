"""Fixtures: every API test runs on SQLite and on a real PostgreSQL database.

PostgreSQL comes from TEST_POSTGRES_URL (default: the server on this machine and
in CI, postgresql://postgres@127.0.0.1:5432/test); each test session creates a
throw-away database there and drops it at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.cli import migrate
from app.core.clock import current_time
from app.core.config import Settings, get_settings
from app.core.db import session_factory
from app.main import create_app
from app.services.lookup_limits import limiter_for
from app.services.publishing import publish_from_disk

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
BASE_URL = "https://zwfw.example.gov.cn"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    admin = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"guide_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0]
    yield f"postgresql+psycopg://{base.split('://', 1)[1]}/{name}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'backend.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    migrate(url)
    session = session_factory(url)()
    try:
        publish_from_disk(session, KNOWLEDGE)
    finally:
        session.close()
    return url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, public_base_url=BASE_URL, admin_token="test-admin-token")


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: settings
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


# ---------------------------------------------------------------- tickets (诉求链)

TICKET_TOKENS = {
    "service": "test-service-token-0123456789",
    "agent": "test-agent-alice-token-0123456789",
    "agent_bob": "test-agent-bob-token-0123456789",
    "economy_information": "test-dept-economy-information-token",
    "human_resources": "test-dept-human-resources-token-01",
    "service_center": "test-dept-service-center-token-001",
}


class TicketClock:
    """The time the ticket API sees; by default 10:00 China time on Monday 2026-11-23."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

    def reset(self) -> None:
        self.now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

    def set_day(self, day: date) -> None:
        """10:00 China time on ``day``."""
        self.now = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


_TICKET_CLOCK = TicketClock()


def ticket_headers(who: str, key: str | None = None) -> dict[str, str]:
    """Authorization (and Idempotency-Key) headers for one of TICKET_TOKENS."""
    headers = {"Authorization": f"Bearer {TICKET_TOKENS[who]}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


def ticket_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "channel": "wechat",
        "sender_id": "wx-openid-0001",
        "enterprise_name": "重庆市黔江区某某食品有限公司",
        "credit_code": "91350100M000100Y43",
        "contact_name": "张经理",
        "mobile": "13812341234",
        "category": "factor_guarantee",
        "description": "我们厂用电报装拖了两个月还没装好，联系电话13912345678",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture(scope="session")
def ticket_settings(settings: Settings) -> Settings:
    # SecretStr, as the settings hold them when read from the environment (model_copy does not validate):
    # a plain str here once hid a console sign-in that failed in production.
    return settings.model_copy(
        update={
            "backend_service_token": SecretStr(TICKET_TOKENS["service"]),
            "agent_tokens": SecretStr(f"alice:{TICKET_TOKENS['agent']}, bob:{TICKET_TOKENS['agent_bob']}"),
            "department_tokens": SecretStr(
                ",".join(
                    f"{department}:{TICKET_TOKENS[department]}"
                    for department in ("economy_information", "human_resources", "service_center")
                )
            ),
        }
    )


@pytest.fixture(scope="session")
def ticket_client(ticket_settings: Settings) -> Iterator[TestClient]:
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: ticket_settings
    app.dependency_overrides[current_time] = _TICKET_CLOCK
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def ticket_clock() -> Iterator[TicketClock]:
    _TICKET_CLOCK.reset()
    limiter_for.cache_clear()  # in-process lookup counters: each test starts with none
    yield _TICKET_CLOCK
    _TICKET_CLOCK.reset()
