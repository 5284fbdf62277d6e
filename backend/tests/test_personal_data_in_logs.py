"""No mobile, ID or credit-code number reaches a log line of the backend, and user text travels in bodies."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from uvicorn.logging import AccessFormatter, DefaultFormatter

from app.core.logging import install_log_masking

SECRETS = ("13812345678", "110101199003071234", "91350100M000100Y43")


def test_every_logger_and_the_access_log_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    install_log_masking()
    access = logging.getLogger("uvicorn.access")
    record = access.makeRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/contact?q=电话13812345678", "1.1", 200),
        None,
    )
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False).format(record)
    assert "/api/contact?q=" in line and "138****5678" in line and "13812345678" not in line
    with caplog.at_level(logging.INFO):
        logging.getLogger("anything.at.all").info("caller %s id %s code %s", *SECRETS)
        try:
            raise ValueError("bad mobile 13812345678")
        except ValueError:
            logging.getLogger("sqlalchemy.engine").exception("failed for 110101199003071234")
    text = caplog.text + DefaultFormatter("%(message)s").format(caplog.records[-1])
    for secret in SECRETS:
        assert secret not in text
    assert "138****5678" in text


def test_searches_take_the_users_text_in_a_post_body(client: TestClient) -> None:
    get = client.get("/api/bundles/search", params={"q": "我想开火锅店"}).json()
    post = client.post("/api/bundles/search", json={"q": "我想开火锅店"}).json()
    assert post == get and post["candidates"]
    contact = client.post("/api/contact", json={"q": "市场监管局电话", "topic": None})
    assert (
        contact.status_code == 200
        and contact.json() == client.get("/api/contact", params={"q": "市场监管局电话"}).json()
    )
    policies = client.post("/api/policies/search", json={"q": "稳岗返还", "today": "2026-11-23"})
    assert policies.status_code == 200
    assert policies.json() == client.get("/api/policies/search", params={"q": "稳岗返还", "today": "2026-11-23"}).json()
    assert client.post("/api/contact", json={"q": "x", "extra": 1}).status_code == 422
