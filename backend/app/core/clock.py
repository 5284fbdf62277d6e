"""The one clock of the backend: instants in UTC, calendar days in China time (Asia/Shanghai).

Policy validity, application windows, ticket deadlines and every "today" come from here,
never from ``date.today()``: on a UTC host that is yesterday in Beijing until 08:00, and
an expired policy would be offered as current for those eight hours.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CHINA_TZ = ZoneInfo("Asia/Shanghai")


def current_time() -> datetime:
    """Now, in UTC (a FastAPI dependency, so tests can pin the clock)."""
    return datetime.now(UTC)


def china_date(moment: datetime) -> date:
    """The calendar day in China at ``moment`` (naive moments are UTC, as stored)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA_TZ).date()


def china_today() -> date:
    return china_date(current_time())
