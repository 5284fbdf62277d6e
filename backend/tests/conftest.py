"""Fixtures: every API test runs on SQLite and on a real PostgreSQL database.

PostgreSQL comes from TEST_POSTGRES_URL (default: the server on this machine and
in CI, postgresql://postgres@127.0.0.1:5432/test); each test session creates a
throw-away database there and drops it at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from app.cli import migrate
from app.core.config import Settings, get_settings
from app.core.db import session_factory
from app.main import create_app
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
