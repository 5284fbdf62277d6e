"""Working days on the official Chinese calendar (法定节假日 and 调休 included).

``chinese_calendar`` knows the State Council's holiday notices for the years it ships
with (1.11: 2004-2026). For a year it does not cover, counting falls back to
Monday-Friday: the result says so (``fallback=True``, stored on the ticket as
``calendar_fallback``) and a warning is logged once per year, so a deadline is never
missing and never silently wrong. Upgrading ``chinesecalendar`` after the State
Council publishes the next year's notice removes the fallback.

Counting rule: a time limit of N working days starts on the day after the start date
(期间开始之日不计入) and ends on the N-th working day after it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger("backend.workdays")
_warned_years: set[int] = set()

MAX_WORKING_DAYS = 366


@dataclass(frozen=True)
class WorkdayResult:
    day: date
    fallback: bool
    """True when at least one day was judged Monday-Friday because the calendar does not cover its year."""


def is_workday(day: date) -> tuple[bool, bool]:
    """(is a working day, judged by the Monday-Friday fallback)."""
    try:
        return bool(chinese_calendar.is_workday(day)), False
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning(
                "chinese_calendar 不含 %d 年的节假日安排，该年按周一至周五计算工作日（请升级 chinesecalendar）",
                day.year,
            )
        return day.weekday() < 5, True


def add_working_days(start: date, working_days: int) -> WorkdayResult:
    """The ``working_days``-th working day after ``start`` (0: ``start`` itself)."""
    if not 0 <= working_days <= MAX_WORKING_DAYS:
        raise ValueError(f"工作日数须在 0 到 {MAX_WORKING_DAYS} 之间")
    day, fallback, remaining = start, False, working_days
    while remaining:
        day += timedelta(days=1)
        workday, guessed = is_workday(day)
        fallback = fallback or guessed
        if workday:
            remaining -= 1
    return WorkdayResult(day, fallback)


def working_days_between(start: date, end: date) -> tuple[int, bool]:
    """Working days in (start, end]: how many working days after ``start`` ``end`` is (0 if not later)."""
    count, fallback, day = 0, False, start
    while day < end:
        day += timedelta(days=1)
        workday, guessed = is_workday(day)
        fallback = fallback or guessed
        count += workday
    return count, fallback
