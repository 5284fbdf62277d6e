"""Working days on the official calendar: 春节 and 国庆 2026 with their 调休, and the fallback."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import chinese_calendar
import pytest

from app.services import workdays
from app.services.workdays import add_working_days, is_workday, working_days_between


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _covered(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


# ---------------------------------------------------------------- the calendar facts the tests rely on


def test_the_2026_spring_festival_and_national_day_in_the_calendar() -> None:
    """Read from chinese_calendar itself: 春节 Feb 15-23 with 调休 Sat Feb 14 and Sat Feb 28;
    中秋 Sep 25-27; 国庆 Oct 1-7 with 调休 Sun Sep 20 and Sat Oct 10."""

    def named(table: dict[date, str], name: str) -> set[date]:
        return {d for d, holiday in table.items() if d.year == 2026 and holiday == name}

    assert named(chinese_calendar.holidays, "Spring Festival") == set(_days(date(2026, 2, 15), date(2026, 2, 23)))
    assert named(chinese_calendar.holidays, "National Day") == set(_days(date(2026, 10, 1), date(2026, 10, 7)))
    assert named(chinese_calendar.holidays, "Mid-autumn Festival") == set(_days(date(2026, 9, 25), date(2026, 9, 27)))
    assert named(chinese_calendar.workdays, "Spring Festival") == {date(2026, 2, 14), date(2026, 2, 28)}
    assert named(chinese_calendar.workdays, "National Day") == {date(2026, 9, 20), date(2026, 10, 10)}
    adjusted = {d for d in chinese_calendar.workdays if d.year == 2026 and d.month in (2, 3, 9, 10)}
    assert adjusted == {date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)}
    assert {d.weekday() for d in adjusted} <= {5, 6}  # all of them weekends


def test_is_workday_follows_the_calendar_including_adjusted_weekends() -> None:
    assert is_workday(date(2026, 2, 14)) == (True, False)  # Saturday, 调休 working day
    assert is_workday(date(2026, 2, 16)) == (False, False)  # Monday in 春节
    assert is_workday(date(2026, 9, 20)) == (True, False)  # Sunday, 调休 working day
    assert is_workday(date(2026, 10, 5)) == (False, False)  # Monday in 国庆
    assert is_workday(date(2026, 11, 21)) == (False, False)  # an ordinary Saturday


# ---------------------------------------------------------------- deadlines across 春节 2026


def test_one_working_day_from_the_friday_before_spring_festival_is_the_adjusted_saturday() -> None:
    assert add_working_days(date(2026, 2, 13), 1).day == date(2026, 2, 14)


def test_one_working_day_from_the_adjusted_saturday_skips_the_whole_holiday() -> None:
    result = add_working_days(date(2026, 2, 14), 1)
    assert result.day == date(2026, 2, 24)
    assert not result.fallback


def test_five_working_days_across_spring_festival() -> None:
    # Thu Feb 12 → Fri 13 (1), Sat 14 (2, 调休), Tue 24 (3), Wed 25 (4), Thu 26 (5)
    assert add_working_days(date(2026, 2, 12), 5).day == date(2026, 2, 26)


def test_ten_working_days_counts_the_adjusted_saturday_after_the_holiday() -> None:
    # Mon Feb 23 (holiday) → 24, 25, 26, 27, Sat 28 (调休), Mar 2, 3, 4, 5, 6
    assert add_working_days(date(2026, 2, 23), 10).day == date(2026, 3, 6)


def test_thirty_working_days_across_spring_festival() -> None:
    start = date(2026, 2, 2)
    result = add_working_days(start, 30)
    # Cross-check day by day against the calendar: 30 working days in between, the last one a working day.
    assert working_days_between(start, result.day) == (30, False)
    assert chinese_calendar.is_workday(result.day)
    # Feb 3-6 (4), 9-13 (9), Sat 14 (10), 24-27 (14), Sat 28 (15), Mar 2-6, 9-13, 16-20 (30)
    assert result.day == date(2026, 3, 20)


# ---------------------------------------------------------------- deadlines across 国庆 2026


def test_one_working_day_before_national_day_is_after_the_holiday() -> None:
    assert add_working_days(date(2026, 9, 30), 1).day == date(2026, 10, 8)


def test_the_adjusted_sunday_before_national_day_counts() -> None:
    assert add_working_days(date(2026, 9, 18), 1).day == date(2026, 9, 20)  # Fri → Sun 调休
    assert add_working_days(date(2026, 10, 9), 1).day == date(2026, 10, 10)  # Fri → Sat 调休


def test_fifteen_working_days_across_mid_autumn_and_national_day() -> None:
    # Thu Sep 24 → (中秋 Fri 25-Sun 27) 28, 29, 30, (国庆) Oct 8, 9, Sat 10 (调休), 12-16, 19, 20, 21, 22
    assert add_working_days(date(2026, 9, 24), 15).day == date(2026, 10, 22)


# ---------------------------------------------------------------- counting rules


def test_zero_working_days_is_the_start_day_and_negative_is_refused() -> None:
    assert add_working_days(date(2026, 2, 16), 0).day == date(2026, 2, 16)
    with pytest.raises(ValueError, match="工作日数"):
        add_working_days(date(2026, 2, 16), -1)


def test_working_days_between() -> None:
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == (2, False)  # Sat 14 and Tue 24
    assert working_days_between(date(2026, 2, 24), date(2026, 2, 13)) == (0, False)
    assert working_days_between(date(2026, 2, 24), date(2026, 2, 24)) == (0, False)


# ---------------------------------------------------------------- years the package does not cover


@pytest.fixture
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workdays, "_warned_years", set())


def test_an_uncovered_year_falls_back_to_monday_to_friday_and_says_so(
    fresh_warnings: None, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2040, 1, 2))  # the package really does not know 2040
    caplog.set_level(logging.WARNING, logger="backend.workdays")
    result = add_working_days(date(2040, 1, 6), 1)  # Friday
    assert result == workdays.WorkdayResult(date(2040, 1, 9), True)  # Monday, marked as a fallback
    assert add_working_days(date(2040, 1, 2), 10) == workdays.WorkdayResult(date(2040, 1, 16), True)
    assert is_workday(date(2040, 1, 1)) == (False, True)  # a Sunday
    assert is_workday(date(2040, 1, 2)) == (True, True)  # a Monday (the real 元旦 arrangement is unknown)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "2040" in r.getMessage()]
    assert len(warnings) == 1  # once per year, not once per day


def test_a_deadline_running_into_an_uncovered_year_is_marked() -> None:
    first_uncovered = next(year for year in range(2026, 2100) if not _covered(year))
    start = date(first_uncovered - 1, 12, 20)
    result = add_working_days(start, 30)
    assert result.day.year == first_uncovered
    assert result.fallback
    # Inside covered years nothing is marked.
    assert not add_working_days(date(first_uncovered - 1, 3, 2), 30).fallback


def test_years_before_the_calendar_also_fall_back(fresh_warnings: None) -> None:
    result = add_working_days(date(2003, 1, 3), 1)  # Friday
    assert result == workdays.WorkdayResult(date(2003, 1, 6), True)
