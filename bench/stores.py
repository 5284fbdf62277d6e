"""PostgreSQL tracker store and Redis lock store for a benchmark of the production endpoints."""

from __future__ import annotations

import os
import urllib.parse
import uuid
from contextlib import contextmanager
from typing import Dict, Iterator

import psycopg2

REDIS_LOCK_DB = "7"
"""A Redis database of the benchmark's own; senders are random, so locks never meet another run's."""


@contextmanager
def production_stores() -> Iterator[Dict[str, str]]:
    """A throw-away PostgreSQL database (TEST_POSTGRES_URL's server) and the local Redis, as env vars."""
    admin = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    parsed = urllib.parse.urlparse(admin)
    name = f"guide_bench_{uuid.uuid4().hex[:10]}"
    connection = psycopg2.connect(admin)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {
            "TRACKER_DB_HOST": parsed.hostname or "127.0.0.1",
            "TRACKER_DB_PORT": str(parsed.port or 5432),
            "TRACKER_DB_NAME": name,
            "TRACKER_DB_USER": parsed.username or "postgres",
            "TRACKER_DB_PASSWORD": parsed.password or "",
            "REDIS_HOST": os.environ.get("TEST_REDIS_HOST", "127.0.0.1"),
            "REDIS_PORT": os.environ.get("TEST_REDIS_PORT", "6379"),
            "REDIS_LOCK_DB": REDIS_LOCK_DB,
            "REDIS_PASSWORD": "",
        }
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()
