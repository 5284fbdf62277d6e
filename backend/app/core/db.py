"""Engine and sessions, created on first use (never at import).

``hide_parameters``: a failed statement's error message (and any echo) never shows the bound
values — a ticket's mobile number or credit code would otherwise land in the log.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from fastapi import Depends
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings, get_settings


@lru_cache
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


@lru_cache
def _session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=engine_for(url), expire_on_commit=False)


def session_factory(url: str) -> sessionmaker[Session]:
    return _session_factory(url)


def get_session(settings: Settings = Depends(get_settings)) -> Iterator[Session]:
    session = _session_factory(settings.database_url)()
    try:
        yield session
    finally:
        session.close()
