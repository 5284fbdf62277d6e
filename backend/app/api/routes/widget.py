"""The web widget's files and the demo portal page.

- ``GET /widget.js``: the embed script (web/widget/loader.js); it loads the widget's modules
  and stylesheet from ``/web/widget/``.
- ``GET /web/{path}``: static files of web/ with CORS (a portal on another origin imports the
  modules), gzip when the browser accepts it, and an ETag.
- ``GET /chat``: a demo portal page with the widget open, under a strict Content-Security-Policy
  (no inline script or style), as a portal embedding the widget would run it.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from app.core.config import REPO_ROOT
from app.core.widget_config import WidgetSettings, get_widget_settings

router = APIRouter(tags=["widget"])
WEB_DIR = REPO_ROOT / "web"
LOADER = WEB_DIR / "widget" / "loader.js"
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
}
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "templates")
WidgetSettingsDep = Annotated[WidgetSettings, Depends(get_widget_settings)]


@dataclass(frozen=True)
class _Asset:
    body: bytes
    gzipped: bytes
    etag: str


_cache: dict[tuple[Path, int], _Asset] = {}


def _asset(path: Path) -> _Asset:
    key = (path, path.stat().st_mtime_ns)
    asset = _cache.get(key)
    if asset is None:
        body = path.read_bytes()
        asset = _Asset(body, gzip.compress(body, 9, mtime=0), '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
        _cache[key] = asset
    return asset


def _serve(request: Request, path: Path) -> Response:
    media_type = TYPES.get(path.suffix)
    if media_type is None or not path.is_file():
        raise HTTPException(status_code=404, detail="没有这个文件")
    asset = _asset(path)
    headers = {
        "ETag": asset.etag,
        "Cache-Control": "no-cache",
        "Vary": "Accept-Encoding",
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    body = asset.body
    if "gzip" in request.headers.get("accept-encoding", ""):
        body, headers["Content-Encoding"] = asset.gzipped, "gzip"
    return Response(content=body, media_type=media_type, headers=headers)


@router.get("/widget.js", include_in_schema=False)
def widget_script(request: Request) -> Response:
    return _serve(request, LOADER)


@router.get("/web/{path:path}", include_in_schema=False)
def web_file(path: str, request: Request) -> Response:
    target = (WEB_DIR / path).resolve()
    if not target.is_relative_to(WEB_DIR.resolve()):
        raise HTTPException(status_code=404, detail="没有这个文件")
    return _serve(request, target)


def server_url(request: Request, widget: WidgetSettings) -> str:
    if widget.webchat_server_url:
        return widget.webchat_server_url
    scheme = "wss" if request.url.scheme == "https" else "ws"
    host = request.url.hostname or "localhost"
    return f"{scheme}://{host}:{widget.rasa_port}/webhooks/webchat/websocket"


def content_security_policy(websocket: str) -> str:
    parts = urlsplit(websocket)
    socket_origin = f"{parts.scheme}://{parts.netloc}"
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src 'self' {socket_origin}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


@router.get("/chat", response_class=HTMLResponse, include_in_schema=False)
def chat_page(request: Request, widget: WidgetSettingsDep) -> HTMLResponse:
    websocket = server_url(request, widget)
    response = templates.TemplateResponse(request, "chat.html", {"server": websocket})
    response.headers["Content-Security-Policy"] = content_security_policy(websocket)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
