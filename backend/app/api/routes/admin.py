"""Staff operations. Protected by ADMIN_TOKEN; disabled when it is not set."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException

from app.api.deps import SessionDep, SettingsDep
from app.core.config import Settings, secret
from app.knowledge.loader import KnowledgeError
from app.schemas.knowledge import ReloadOut
from app.services.publishing import publish_from_disk

router = APIRouter(prefix="/api/admin", tags=["admin"])


def require_admin(settings: SettingsDep, authorization: Annotated[str | None, Header()] = None) -> Settings:
    admin_token = secret(settings.admin_token)
    if not admin_token:
        raise HTTPException(status_code=503, detail="未配置 ADMIN_TOKEN，管理接口已停用")
    supplied = (authorization or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(supplied.encode(), admin_token.encode()):
        raise HTTPException(status_code=401, detail="管理口令无效", headers={"WWW-Authenticate": "Bearer"})
    return settings


@router.post("/knowledge/reload", response_model=ReloadOut)
def reload_knowledge(session: SessionDep, settings: Annotated[Settings, Depends(require_admin)]) -> ReloadOut:
    """Publish knowledge/ as it is on disk now; takes effect without retraining the bot."""
    try:
        result = publish_from_disk(session, settings.knowledge_dir)
    except KnowledgeError as error:
        session.rollback()
        raise HTTPException(
            status_code=422, detail={"message": "知识库校验未通过，未作任何更改", "problems": error.problems}
        ) from None
    return ReloadOut(changed=result.changed, version=result.version, summary=result.summary)
