"""The backend service: knowledge API, guide engine, printable pages."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.deps import SessionDep
from app.api.routes import admin, guide, knowledge, pages
from app.api.routes import policies as policy_routes
from app.api.routes import ratings as rating_routes
from app.api.routes import tickets as ticket_routes
from app.api.routes import widget as widget_routes
from app.core.config import get_settings
from app.services.catalog import KnowledgeNotLoaded

log = logging.getLogger("backend")


def create_app() -> FastAPI:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    app = FastAPI(title="企业服务智能导办助手 · 后端", version="1.0.0")
    for router in (knowledge.router, guide.router, admin.router, pages.router):
        app.include_router(router)
    app.include_router(ticket_routes.router)
    app.include_router(policy_routes.router)
    app.include_router(rating_routes.router)
    app.include_router(widget_routes.router)

    @app.get("/health", tags=["ops"])
    def health(session: SessionDep) -> dict[str, str]:
        session.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.exception_handler(KnowledgeNotLoaded)
    async def _not_loaded(_request: Request, _exc: KnowledgeNotLoaded) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": "知识库尚未载入，请先运行 make knowledge"})

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
            problems.append(f"{where}: {error.get('msg', '')}")
        return JSONResponse(status_code=422, content={"detail": "请求内容不符合要求", "problems": problems})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail
        if exc.status_code == 404 and detail == "Not Found":
            detail = "没有这个地址"
        elif exc.status_code == 405:
            detail = "不支持这种请求方式"
        return JSONResponse(status_code=exc.status_code, content={"detail": detail}, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error: %s", type(exc).__name__)
        return JSONResponse(status_code=500, content={"detail": "服务暂时出现问题，请稍后再试"})

    return app


app = create_app()
