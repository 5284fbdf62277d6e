"""POST /api/ratings: 好差评 from the web widget (any portal's origin) and from the action server.

The widget proves its conversation with the session token the Rasa webchat channel signed
(WEBCHAT_SECRET); other callers use the service or agent token and name the conversation.
The body is validated here (not by FastAPI's handler) so every answer, errors included,
carries the CORS headers a portal page needs to read it, with problems worded in Chinese.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from app.api.auth import authenticate
from app.api.deps import SessionDep, SettingsDep
from app.core.clock import current_time
from app.core.widget_config import WidgetSettings, get_widget_settings
from app.schemas.ratings import LEVELS, RatingIn, RatingOut
from app.services import ratings as service
from app.services import webchat_sessions

router = APIRouter(tags=["ratings"])
WidgetSettingsDep = Annotated[WidgetSettings, Depends(get_widget_settings)]

FIELDS = {
    "session": "会话凭证",
    "conversation_id": "会话编号",
    "channel": "渠道",
    "score": "评价等级",
    "comment": "意见建议",
    "ticket_number": "工单号",
    "context": "评价对象",
}
MESSAGES = {
    "missing": "必须填写",
    "int_type": "必须是 1 到 5 的整数（5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意）",
    "greater_than_equal": "必须是 1 到 5 的整数（5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意）",
    "less_than_equal": "必须是 1 到 5 的整数（5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意）",
    "string_too_long": "太长了",
    "string_too_short": "不能为空",
    "string_type": "必须是文字",
    "string_pattern_mismatch": "格式不正确（以 QY 开头，后接日期和序号，例如 QY202611220001）",
    "literal_error": "取值不在允许范围内",
    "extra_forbidden": "不是可以提交的字段",
}


def _cors(request: Request, widget: WidgetSettings) -> dict[str, str]:
    origin = request.headers.get("origin")
    if not origin:
        return {}
    allowed = widget.origins
    if allowed and origin.rstrip("/") not in allowed:
        return {}
    return {"Access-Control-Allow-Origin": origin if allowed else "*", "Vary": "Origin"}


def _answer(request: Request, widget: WidgetSettings, status: int, content: dict[str, Any]) -> JSONResponse:
    return JSONResponse(status_code=status, content=content, headers=_cors(request, widget))


def _problems(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        field = ".".join(str(p) for p in item.get("loc", ()))
        label = FIELDS.get(field, field or "请求")
        message = MESSAGES.get(item["type"], "不符合要求")
        if item["type"] == "string_too_long":
            message = f"太长了（最多 {item.get('ctx', {}).get('max_length', '')} 个字）"
        problems.append(f"{label}：{message}")
    return problems


@router.options("/api/ratings", include_in_schema=False)
def ratings_preflight(request: Request, widget: WidgetSettingsDep) -> Response:
    headers = _cors(request, widget)
    if headers:
        headers.update(
            {
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": "Content-Type",
                "Access-Control-Max-Age": "600",
            }
        )
    return Response(status_code=204, headers=headers)


@router.post("/api/ratings", status_code=201, response_model=RatingOut, responses={422: {}, 429: {}, 503: {}})
async def create_rating(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    widget: WidgetSettingsDep,
    now: Annotated[Any, Depends(current_time)],
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Store one 好差评 (five levels per 国办发〔2019〕51号); 不满意 or worse offers an appeal."""
    try:
        raw = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        return _answer(request, widget, 422, {"detail": "请求内容不是有效的 JSON"})
    if not isinstance(raw, dict):
        return _answer(request, widget, 422, {"detail": "请求内容应为 JSON 对象"})
    try:
        body = RatingIn.model_validate(raw)
    except ValidationError as error:
        problems = _problems(error)
        detail = "评价内容不符合要求：" + "；".join(problems)
        return _answer(request, widget, 422, {"detail": detail, "problems": problems})
    if body.session is not None:
        if not widget.webchat_secret:
            return _answer(request, widget, 503, {"detail": "未配置 WEBCHAT_SECRET，暂时不能接收网页评价"})
        conversation_id = webchat_sessions.verify(widget.webchat_secret, body.session)
        if conversation_id is None:
            return _answer(request, widget, 422, {"detail": "会话凭证无效，请刷新页面后再评价"})
        channel = "web"
    else:
        authenticate(settings, authorization)  # 401/503 for callers without a token
        if not body.conversation_id or not body.channel:
            return _answer(request, widget, 422, {"detail": "请提供会话凭证（session），或会话编号与渠道"})
        conversation_id, channel = body.conversation_id, body.channel
    new = service.NewRating(
        conversation_id=conversation_id,
        channel=channel,
        score=body.score,
        comment=body.comment,
        ticket_number=body.ticket_number,
        context=body.context,
    )
    try:
        row = service.record(session, new, now)
    except service.RatingRejected as rejected:
        return _answer(request, widget, rejected.status_code, {"detail": rejected.detail})
    out = RatingOut(
        id=row.id,
        created_at=row.created_at,
        conversation_id=row.conversation_id,
        channel=row.channel,
        score=row.score,
        level=LEVELS[row.score],
        comment=row.comment,
        ticket_number=row.ticket_number,
        context=row.context,
        offer_appeal=row.score <= 2,
    )
    return _answer(request, widget, 201, out.model_dump(mode="json"))
