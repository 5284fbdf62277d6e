"""The backend service: knowledge API, guide engine, printable pages."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.deps import SessionDep
from app.api.routes import admin, guide, knowledge, matters, pages, queries
from app.api.routes import dead_letters as dead_letter_routes
from app.api.routes import policies as policy_routes
from app.api.routes import ratings as rating_routes
from app.api.routes import tickets as ticket_routes
from app.api.routes import widget as widget_routes
from app.console import assist as console_assist
from app.console import pages as console_pages
from app.console.security import CsrfRejected, NotAllowed, SignInRequired, secure_headers
from app.core.config import REPO_ROOT, Settings, get_settings, startup_problems
from app.core.db import session_factory
from app.core.logging import install_log_masking
from app.services.catalog import KnowledgeNotLoaded, get_catalog

log = logging.getLogger("backend")


def _warm_catalog() -> None:
    """Build the knowledge indexes (matchers, jieba) before the first user waits for them."""
    try:
        with session_factory(get_settings().database_url)() as session:
            get_catalog(session)
    except (KnowledgeNotLoaded, SQLAlchemyError):
        log.warning("知识库尚未载入（make knowledge）：首个请求时再建立索引")


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    await run_in_threadpool(_warm_catalog)
    yield


def _settings_or_exit() -> Settings:
    try:
        return get_settings()
    except ValidationError as error:
        lines = "\n".join(f"  - {line}" for line in startup_problems(error))
        message = f"后端配置有误，服务未启动：\n{lines}\n请修改 .env（见 .env.example 与 README）后重启。"
        print(message, file=sys.stderr, flush=True)
        raise SystemExit(2) from None


def create_app() -> FastAPI:
    install_log_masking()
    settings = _settings_or_exit()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    app = FastAPI(title="企业服务智能导办助手 · 后端", version="1.0.0", lifespan=_lifespan)
    for router in (knowledge.router, guide.router, matters.router, admin.router, pages.router):
        app.include_router(router)
    app.include_router(ticket_routes.router)
    app.include_router(policy_routes.router)
    app.include_router(rating_routes.router)
    app.include_router(widget_routes.router)
    app.include_router(dead_letter_routes.router)
    app.include_router(queries.router)
    app.include_router(console_pages.router)
    app.include_router(console_assist.router)
    app.mount("/console/static", StaticFiles(directory=REPO_ROOT / "web" / "console"), name="console-static")

    def _console_refusal(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/console/api/"):
            return JSONResponse(status_code=status, content={"detail": message})
        page = HTMLResponse(
            f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>工作台</title>'
            f'<p>{message}</p><p><a href="/console">返回工作台</a></p></html>',
            status_code=status,
        )
        secure_headers(page)
        return page

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, _exc: SignInRequired) -> Response:
        if request.url.path.startswith("/console/api/") or request.method != "GET":
            return _console_refusal(request, 401, "登录已过期，请重新登录工作台")
        return RedirectResponse("/console", status_code=303)

    @app.exception_handler(CsrfRejected)
    async def _csrf(request: Request, _exc: CsrfRejected) -> Response:
        return _console_refusal(request, 403, "请求缺少有效的安全校验码（CSRF），请刷新页面后重试")

    @app.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, exc: NotAllowed) -> Response:
        return _console_refusal(request, 403, exc.message)

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
