"""Configuration validated at start: tokens are secret, distinct and long enough; one China-time clock."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core import clock
from app.core.config import Settings


def test_one_token_for_two_roles_stops_the_service_at_start() -> None:
    token = "a-shared-token-0123456789"
    with pytest.raises(ValidationError, match="同一个口令"):
        Settings(backend_service_token=token, agent_tokens=f"alice:{token}")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="ADMIN_TOKEN 至少16个字符"):
        Settings(admin_token="short")  # type: ignore[arg-type]


def test_tokens_are_secret_in_reprs() -> None:
    settings = Settings(backend_service_token="s" * 20, admin_token="x" * 20)  # type: ignore[arg-type]
    assert "s" * 20 not in repr(settings) and "x" * 20 not in repr(settings)


def test_a_bad_configuration_stops_uvicorn_with_a_clear_message(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "BACKEND_SERVICE_TOKEN": "a-shared-token-0123456789",
        "AGENT_TOKENS": "a-shared-token-0123456789",
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
    result = subprocess.run(
        [sys.executable, "-c", "import app.main"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "后端配置有误，服务未启动" in result.stderr and "同一个口令" in result.stderr
    assert "a-shared-token-0123456789" not in result.stderr


def test_today_is_the_china_date_even_on_a_utc_host(monkeypatch: pytest.MonkeyPatch) -> None:
    # 2026-12-01 23:30 UTC is already 2 December in Beijing; date.today() on a UTC host says the 1st.
    monkeypatch.setattr(clock, "current_time", lambda: datetime(2026, 12, 1, 23, 30, tzinfo=UTC))
    assert clock.china_today() == date(2026, 12, 2)
    assert clock.china_date(datetime(2026, 12, 1, 15, 59, tzinfo=UTC)) == date(2026, 12, 1)
    assert clock.china_date(datetime(2026, 12, 1, 16, 0)) == date(2026, 12, 2)  # naive = UTC, as stored
