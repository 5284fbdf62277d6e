"""Widget files and the demo page: CORS for other portals, gzip, ETag, no path escape, a strict CSP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api.routes.widget import WEB_DIR
from app.core.config import Settings, get_settings
from app.core.widget_config import WidgetSettings, get_widget_settings
from app.main import create_app


@pytest.fixture(scope="module")
def widget_client(settings: Settings) -> Iterator[TestClient]:
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: settings
    app.dependency_overrides[get_widget_settings] = lambda: WidgetSettings(rasa_port=5999)
    with TestClient(app) as client:
        yield client


def test_embed_script_is_served_gzipped_with_cors(widget_client: TestClient) -> None:
    response = widget_client.get("/widget.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.content == (WEB_DIR / "widget" / "loader.js").read_bytes()  # httpx decodes gzip
    again = widget_client.get("/widget.js", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


def test_modules_and_styles_are_served_from_web(widget_client: TestClient) -> None:
    module = widget_client.get("/web/widget/app.js")
    assert module.status_code == 200 and "export function start" in module.text
    style = widget_client.get("/web/widget/widget.css")
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize(
    "path", ["/web/../backend/app/main.py", "/web/%2e%2e/.env", "/web/widget/missing.js", "/web/widget/"]
)
def test_nothing_outside_web_and_only_known_types(widget_client: TestClient, path: str) -> None:
    assert widget_client.get(path).status_code == 404


def test_demo_page_has_a_strict_csp_and_the_one_line_embed(widget_client: TestClient) -> None:
    response = widget_client.get("/chat")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "connect-src 'self' ws://testserver:5999" in csp
    html = response.text
    assert '<script src="/widget.js" data-server="ws://testserver:5999/webhooks/webchat/websocket"' in html
    assert "<style" not in html and "onclick" not in html and "<script>" not in html


def test_configured_server_url_is_used(settings: Settings) -> None:
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: settings
    url = "wss://zwfw.example.gov.cn/webhooks/webchat/websocket"
    app.dependency_overrides[get_widget_settings] = lambda: WidgetSettings(webchat_server_url=url)
    with TestClient(app) as client:
        response = client.get("/chat")
    assert f'data-server="{url}"' in response.text
    assert "connect-src 'self' wss://zwfw.example.gov.cn;" in response.headers["content-security-policy"]
