"""The ticket state machine: states, actions, roles, their labels, and which action leads where.

State machine (every arrow is a row in ``ticket_events``)::

    received 已受理 ─assign→ assigned 已转办 ─start→ in_progress 办理中 ─answer→ answered 已反馈
      ─visit→ visited 已回访 ─close→ closed 已销号

    assign   received|assigned → assigned       (agent; 转办, or 改派 to another department)
    extend   assigned|in_progress|extended → extended   (reason and a later deadline required)
    answer   in_progress|extended → answered    (note = the reply given to the enterprise)
    visit    answered → visited                 (agent; satisfaction required); 不满意/非常不满意
             reopens at once: a second event visited → in_progress with a new deadline
    reopen   answered|visited → in_progress     (agent; reason required; new deadline)
    close    visited → closed                   (agent; only after a 回访 of 基本满意 or better)

``extended`` (已延期) is 办理中 under an extended deadline: it is open, can be answered,
and can be extended again; the latest reason is shown to the enterprise (延期须告知原因).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.repositories import tickets as repo

Role = Literal["service", "agent", "department"]
Action = Literal["assign", "start", "extend", "answer", "visit", "close", "reopen"]
State = Literal["received", "assigned", "in_progress", "extended", "answered", "visited", "closed"]

STATE_LABELS: dict[str, str] = {
    "received": "已受理",
    "assigned": "已转办",
    "in_progress": "办理中",
    "extended": "已延期",
    "answered": "已反馈",
    "visited": "已回访",
    "closed": "已销号",
}
ACTION_LABELS: dict[str, str] = {
    "create": "受理",
    "assign": "转办",
    "start": "开始办理",
    "extend": "延期",
    "answer": "反馈",
    "visit": "回访",
    "close": "销号",
    "reopen": "重新办理",
    "link": "关联来电",
}
ROLE_LABELS: dict[str, str] = {"service": "对话机器人", "agent": "坐席", "department": "承办部门"}
COMPLEXITY_LABELS: dict[str, str] = {
    "simple": "简单诉求（即办）",
    "general": "一般诉求（限时办结）",
    "complex": "复杂诉求（协调联办）",
}
CHANNEL_LABELS: dict[str, str] = {"wechat": "微信公众号", "web": "网页", "hotline": "热线"}
SATISFACTION_LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
SATISFIED = frozenset(SATISFACTION_LEVELS[:3])
OPEN_STATES = frozenset(repo.OPEN_STATES)


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str
    roles: frozenset[str]


TRANSITIONS: dict[str, Rule] = {
    "assign": Rule(frozenset({"received", "assigned"}), "assigned", frozenset({"agent"})),
    "start": Rule(frozenset({"assigned"}), "in_progress", frozenset({"agent", "department"})),
    "extend": Rule(frozenset({"assigned", "in_progress", "extended"}), "extended", frozenset({"agent", "department"})),
    "answer": Rule(frozenset({"in_progress", "extended"}), "answered", frozenset({"agent", "department"})),
    "visit": Rule(frozenset({"answered"}), "visited", frozenset({"agent"})),
    "close": Rule(frozenset({"visited"}), "closed", frozenset({"agent"})),
    "reopen": Rule(frozenset({"answered", "visited"}), "in_progress", frozenset({"agent"})),
}
