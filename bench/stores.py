"""PostgreSQL tracker store and Redis lock store for a benchmark of the production endpoints."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Dict

from tests.stack import throwaway_stores

REDIS_LOCK_DB = "7"
"""A Redis database of the benchmark's own; senders are random, so locks never meet another run's."""


def production_stores() -> AbstractContextManager[Dict[str, str]]:
    """A throw-away PostgreSQL database (TEST_POSTGRES_URL's server) and the local Redis, as env vars."""
    return throwaway_stores("guide_bench", REDIS_LOCK_DB)
