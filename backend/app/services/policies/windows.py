"""Validity (有效 / 未生效 / 已失效) and application windows (申报中, 即将截止 …) at a given ``today``."""

from __future__ import annotations

from datetime import date

from app.knowledge.policy_schema import Policy
from app.services.policies.results import Deadline, DeadlineStatus, Validity

CLOSING_SOON_DAYS = 15


def _fmt(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _month_day(year: int, value: str) -> date:
    month, day = (int(part) for part in value.split("-"))
    if month == 2 and day == 29:
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)


def validity(policy: Policy, today: date) -> Validity:
    if policy.effective_to is not None and today > policy.effective_to:
        return "已失效"
    if policy.effective_from is not None and today < policy.effective_from:
        return "未生效"
    return "有效"


def _window_deadline(start: date | None, end: date | None, today: date) -> Deadline:
    if start is not None and today < start:
        until = f"至{_fmt(end)}" if end else "起"
        return Deadline("未开始", f"申报期{_fmt(start)}{until}，尚未开始", opens_on=start, closes_on=end)
    if end is None:
        return Deadline("申报中", f"自{_fmt(start)}起受理" if start else "正在受理", opens_on=start)
    if today > end:
        return Deadline("已截止", f"申报期已于{_fmt(end)}截止", opens_on=start, closes_on=end)
    left = (end - today).days
    status: DeadlineStatus = "即将截止" if left <= CLOSING_SOON_DAYS else "申报中"
    text = f"申报截止日期{_fmt(end)}，" + ("今天截止" if left == 0 else f"还剩{left}天")
    return Deadline(status, text, opens_on=start, closes_on=end, days_left=left)


def _annual_deadline(policy: Policy, today: date) -> Deadline:
    """Several yearly windows: 申报中 when any is open (the one open longest leads: the enterprise can still
    apply there), otherwise the next one to open."""
    spans: list[tuple[date, date, str | None]] = []
    for window in policy.annual_windows:
        for year in (today.year, today.year + 1):
            start, end = _month_day(year, window.start), _month_day(year, window.end)
            if end >= today and (policy.effective_to is None or start <= policy.effective_to):
                spans.append((start, end, window.label))
                break
    if not spans:
        assert policy.effective_to is not None
        return Deadline("已截止", f"最后一个申报期已结束，政策将于{_fmt(policy.effective_to)}到期")
    open_now = sorted((s for s in spans if s[0] <= today), key=lambda s: s[1], reverse=True)
    start, end, label = open_now[0] if open_now else min(spans, key=lambda s: s[0])
    found = _window_deadline(start, end, today)
    if found.status == "未开始" and _window_passed(policy, today):
        until = f"{_fmt(start)}至{_fmt(end)}"
        found = Deadline("下一申报期", f"申报期{until}", opens_on=start, closes_on=end)
    if not label:
        return found
    return Deadline(found.status, f"{label}：{found.text}", found.opens_on, found.closes_on, found.days_left)


def _window_passed(policy: Policy, today: date) -> bool:
    """True when some yearly window already ran (in force) in the twelve months before ``today``."""
    for window in policy.annual_windows:
        for year in (today.year - 1, today.year):
            end = _month_day(year, window.end)
            start = _month_day(year, window.start)
            if end < today and (policy.effective_from is None or start >= policy.effective_from):
                return True
    return False


def deadline(policy: Policy, today: date) -> Deadline:
    """申报中 / 即将截止 (≤15 days) / 未开始 / 下一申报期 / 已截止 / 常年受理 / 以通知为准, at ``today``."""
    state = validity(policy, today)
    if state == "已失效":
        assert policy.effective_to is not None
        return Deadline("已截止", f"政策已于{_fmt(policy.effective_to)}到期失效", closes_on=policy.effective_to)
    if state == "未生效":
        assert policy.effective_from is not None
        return Deadline("未开始", f"政策自{_fmt(policy.effective_from)}起施行", opens_on=policy.effective_from)
    if policy.apply_from is not None or policy.apply_to is not None:
        return _window_deadline(policy.apply_from, policy.apply_to, today)
    if policy.annual_windows:
        return _annual_deadline(policy, today)
    if policy.year_round or policy.no_application:
        if policy.effective_to is not None:
            left = (policy.effective_to - today).days
            if left <= CLOSING_SOON_DAYS:
                text = f"政策将于{_fmt(policy.effective_to)}到期，还剩{left}天"
                return Deadline("即将截止", text, closes_on=policy.effective_to, days_left=left)
        text = "免申即享，符合条件自动享受" if policy.no_application else "常年受理"
        return Deadline("常年受理", text, closes_on=policy.effective_to)
    return Deadline("以通知为准", "申报时间以主管部门当年通知为准")
