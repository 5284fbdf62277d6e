"""好差评 API: five levels, tokens from the widget's channel, ticket ownership, Chinese 422s, rate limit, CORS."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.config import Settings, get_settings
from app.core.db import session_factory
from app.core.widget_config import WidgetSettings, get_widget_settings
from app.main import create_app
from app.models.ratings import Rating
from app.services import webchat_sessions
from tests.conftest import TICKET_TOKENS, ticket_body, ticket_headers

SECRET = "test-webchat-secret-0123456789"
# The shared vector: tests/channels/test_webchat_session.py asserts the bot side signs the same.
VECTOR_SECRET = "vector-secret-0123456789"
VECTOR_ID = "web-00112233445566778899aabbccddeeff"
VECTOR_TOKEN = "web-00112233445566778899aabbccddeeff.dal0titfsBh1F_ElLnfuVPAFrEJPy1xvthvlueUYCkU"


def token() -> tuple[str, str]:
    conversation_id = "web-" + uuid.uuid4().hex
    return conversation_id, webchat_sessions.sign(SECRET, conversation_id)


@pytest.fixture(scope="module")
def rating_client(ticket_settings: Settings) -> Iterator[TestClient]:
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: ticket_settings
    app.dependency_overrides[get_widget_settings] = lambda: WidgetSettings(webchat_secret=SECRET)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def stored(settings: Settings, conversation_id: str) -> list[Rating]:
    session = session_factory(settings.database_url)()
    try:
        return list(session.scalars(select(Rating).where(Rating.conversation_id == conversation_id)))
    finally:
        session.close()


def test_shared_token_vector() -> None:
    assert webchat_sessions.sign(VECTOR_SECRET, VECTOR_ID) == VECTOR_TOKEN
    assert webchat_sessions.verify(VECTOR_SECRET, VECTOR_TOKEN) == VECTOR_ID
    assert webchat_sessions.verify("another-secret-0123456789", VECTOR_TOKEN) is None


def test_widget_rating_is_stored_with_its_conversation(rating_client: TestClient, ticket_settings: Settings) -> None:
    conversation_id, session = token()
    response = rating_client.post(
        "/api/ratings", json={"session": session, "score": 4, "context": "checklist", "comment": "  清楚  "}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["conversation_id"] == conversation_id and body["channel"] == "web"
    assert body["level"] == "满意" and body["offer_appeal"] is False
    [row] = stored(ticket_settings, conversation_id)
    assert (row.score, row.context, row.comment, row.ticket_number) == (4, "checklist", "清楚", None)


@pytest.mark.parametrize(
    ("score", "level", "appeal"),
    [(5, "非常满意", False), (3, "基本满意", False), (2, "不满意", True), (1, "非常不满意", True)],
)
def test_five_levels_and_the_appeal_offer(rating_client: TestClient, score: int, level: str, appeal: bool) -> None:
    response = rating_client.post("/api/ratings", json={"session": token()[1], "score": score})
    assert response.status_code == 201
    assert response.json()["level"] == level and response.json()["offer_appeal"] is appeal


def test_forged_or_foreign_tokens_are_refused(rating_client: TestClient) -> None:
    conversation_id, _ = token()
    forged = webchat_sessions.sign("not-the-server-secret-123", conversation_id)
    for session in (forged, conversation_id, conversation_id + ".", "x" * 128):
        response = rating_client.post("/api/ratings", json={"session": session, "score": 5})
        assert response.status_code == 422
        assert response.json()["detail"] == "会话凭证无效，请刷新页面后再评价"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"score": 6}, "评价等级：必须是 1 到 5 的整数"),
        ({"score": 0}, "评价等级：必须是 1 到 5 的整数"),
        ({"score": "5"}, "评价等级：必须是 1 到 5 的整数"),
        ({}, "评价等级：必须填写"),
        ({"score": 5, "comment": "长" * 501}, "意见建议：太长了（最多 500 个字）"),
        ({"score": 5, "ticket_number": "12345'; DROP TABLE ratings;--"}, "工单号：格式不正确"),
        ({"score": 5, "context": "<script>"}, "评价对象：取值不在允许范围内"),
        ({"score": 5, "admin": True}, "admin：不是可以提交的字段"),
    ],
)
def test_bad_input_gets_a_clear_chinese_422(rating_client: TestClient, body: dict[str, object], expected: str) -> None:
    response = rating_client.post("/api/ratings", json={"session": token()[1], **body})
    assert response.status_code == 422
    assert expected in response.json()["detail"]


def test_malformed_json_gets_a_422(rating_client: TestClient) -> None:
    response = rating_client.post("/api/ratings", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["detail"] == "请求内容不是有效的 JSON"
    response = rating_client.post("/api/ratings", json=[1, 2])
    assert response.status_code == 422 and response.json()["detail"] == "请求内容应为 JSON 对象"


def test_ticket_rating_needs_the_conversations_own_ticket(rating_client: TestClient, ticket_settings: Settings) -> None:
    conversation_id, session = token()
    headers = ticket_headers("service", f"rating-{uuid.uuid4()}")
    filed = rating_client.post(
        "/api/tickets", json=ticket_body(channel="web", sender_id=conversation_id), headers=headers
    )
    assert filed.status_code == 201, filed.text
    number = filed.json()["number"]
    missing = rating_client.post("/api/ratings", json={"session": session, "score": 5, "context": "ticket"})
    assert missing.status_code == 422 and "请提供工单号" in missing.json()["detail"]
    other = rating_client.post("/api/ratings", json={"session": token()[1], "score": 1, "ticket_number": number})
    assert other.status_code == 422 and other.json()["detail"] == "工单号与本次对话不符，请核对后再评价"
    unknown = rating_client.post(
        "/api/ratings", json={"session": session, "score": 1, "ticket_number": "QY209901010001"}
    )
    assert unknown.status_code == 422 and unknown.json()["detail"] == other.json()["detail"]
    ok = rating_client.post(
        "/api/ratings", json={"session": session, "score": 2, "context": "ticket", "ticket_number": number}
    )
    assert ok.status_code == 201 and ok.json()["offer_appeal"] is True
    [row] = stored(ticket_settings, conversation_id)
    assert row.ticket_number == number and row.context == "ticket"


def test_one_conversation_cannot_flood_ratings(rating_client: TestClient, ticket_settings: Settings) -> None:
    conversation_id, session = token()
    answers = [rating_client.post("/api/ratings", json={"session": session, "score": 5}).status_code for _ in range(6)]
    assert answers == [201] * 5 + [429]
    assert len(stored(ticket_settings, conversation_id)) == 5
    too_many = rating_client.post("/api/ratings", json={"session": session, "score": 5})
    assert too_many.json()["detail"] == "评价提交过于频繁，请稍后再试"
    assert rating_client.post("/api/ratings", json={"session": token()[1], "score": 5}).status_code == 201


def test_service_callers_name_the_conversation(rating_client: TestClient, ticket_settings: Settings) -> None:
    body = {"conversation_id": "wx-openid-rating", "channel": "wechat", "score": 3}
    assert rating_client.post("/api/ratings", json=body).status_code == 401
    authorized = {"Authorization": f"Bearer {TICKET_TOKENS['service']}"}
    response = rating_client.post("/api/ratings", json=body, headers=authorized)
    assert response.status_code == 201 and response.json()["channel"] == "wechat"
    incomplete = rating_client.post("/api/ratings", json={"score": 3}, headers=authorized)
    assert incomplete.status_code == 422


def test_a_portal_page_can_call_it_across_origins(rating_client: TestClient) -> None:
    origin = {"Origin": "https://zwfw.example.gov.cn"}
    preflight = rating_client.options(
        "/api/ratings",
        headers={**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-headers"] == "Content-Type"
    # Errors carry the header too, so the widget can show the reason.
    bad = rating_client.post("/api/ratings", json={"session": token()[1], "score": 9}, headers=origin)
    assert bad.status_code == 422 and bad.headers["access-control-allow-origin"] == "*"


def test_allowed_origins_restrict_browsers(ticket_settings: Settings) -> None:
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: ticket_settings
    app.dependency_overrides[get_widget_settings] = lambda: WidgetSettings(
        webchat_secret=SECRET, webchat_allowed_origins="https://zwfw.example.gov.cn"
    )
    with TestClient(app) as client:
        good = client.post(
            "/api/ratings", json={"session": token()[1], "score": 5}, headers={"Origin": "https://zwfw.example.gov.cn"}
        )
        assert good.headers["access-control-allow-origin"] == "https://zwfw.example.gov.cn"
        evil = client.post(
            "/api/ratings", json={"session": token()[1], "score": 5}, headers={"Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in evil.headers


def test_without_the_secret_web_ratings_are_unavailable(ticket_settings: Settings) -> None:
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: ticket_settings
    app.dependency_overrides[get_widget_settings] = lambda: WidgetSettings()
    with TestClient(app) as client:
        response = client.post("/api/ratings", json={"session": token()[1], "score": 5})
        assert response.status_code == 503 and "WEBCHAT_SECRET" in response.json()["detail"]
