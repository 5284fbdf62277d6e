"""Bodies of POST /api/ratings (好差评)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
"""The five levels of 国办发〔2019〕51号 (政务服务“好差评”制度)."""

Context = Literal["checklist", "ticket", "policy", "conversation"]
Channel = Literal["web", "wechat", "hotline"]


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session: str | None = Field(default=None, max_length=128, description="网页挂件的会话凭证（由 webchat 渠道签发）")
    conversation_id: str | None = Field(
        default=None, min_length=1, max_length=128, description="会话编号（仅限动作服务器等持口令的调用方）"
    )
    channel: Channel | None = None
    score: int = Field(ge=1, le=5, strict=True, description="5 非常满意 … 1 非常不满意")
    comment: str | None = Field(default=None, max_length=500)
    ticket_number: str | None = Field(default=None, pattern=r"^QY\d{12,13}$")
    context: Context = "conversation"


class RatingOut(BaseModel):
    id: int
    created_at: datetime
    conversation_id: str
    channel: str
    score: int
    level: str
    comment: str | None
    ticket_number: str | None
    context: str
    offer_appeal: bool
    """不满意 or worse: the widget offers to file an appeal."""
