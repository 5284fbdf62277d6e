"""Start the three services (or the stock bot) for a benchmark run and time how long each takes to be ready.

The services are started as the tests start them (tests/stack.py); each one's ``ready_seconds`` is from
its start until it answered.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional

from tests.stack import BIN, RASA_SERVER, ROOT, Services

TOKEN = "bench-http-api-token"  # noqa: S105 - a throw-away stack on loopback ports
SERVICE_TOKEN = "bench-service-token-000001"  # noqa: S105 - as above
READY_TIMEOUT = 600.0
"""Seconds a service may take to answer: a benchmark may start on a machine busy with other work."""

PLAIN_RASA = [str(BIN / "rasa")]
"""Plain ``rasa``, to compare with how the Procfile starts ours (``python -m bot.rasa_server``)."""


@contextmanager
def full_stack(
    tmp: Path,
    model: Path,
    rasa_extra: Optional[List[str]] = None,
    entry: Optional[List[str]] = None,
    stores: Optional[Dict[str, str]] = None,
) -> Iterator[Services]:
    """Backend (fresh SQLite database, knowledge loaded), action server and Rasa, as ``make run`` starts them."""
    with Services(tmp, ready_timeout=READY_TIMEOUT) as services:
        env = {  # one environment for the three, as `make run` gives them
            **services.backend_env(service_token=SERVICE_TOKEN, agent_tokens=f"agent:{SERVICE_TOKEN}-agent"),
            **services.bot_env(service_token=SERVICE_TOKEN),
            "LOG_LEVEL": "WARNING",
            **(stores or {}),
        }
        uvicorn_args = ["--no-access-log", *os.environ.get("BENCH_UVICORN_ARGS", "").split()]
        services.start_backend(env, uvicorn_args=uvicorn_args)
        services.start_actions(env)
        services.start_rasa(
            env,
            token=TOKEN,
            model=model,
            endpoints=ROOT / ("endpoints.production.yml" if stores else "endpoints.yml"),
            entry=entry or RASA_SERVER,
            extra_args=rasa_extra or [],
        )
        services.wait_ready()
        yield services


@contextmanager
def stock_stack(tmp: Path, model: Path) -> Iterator[Services]:
    """The ``rasa init`` bot as Rasa ships it: default (in-memory) stores, no action server."""
    with Services(tmp, ready_timeout=READY_TIMEOUT) as services:
        env = {"RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT)}
        services.start_rasa(env, token=TOKEN, model=model, endpoints=None, credentials=None, entry=PLAIN_RASA)
        services.wait_ready()
        yield services
