"""The bot's processes mask personal data in every log record; a bad service token stops them at start."""

from __future__ import annotations

import logging

import pytest

from actions.common.pii import install_log_masking
from actions.config import check_environment

SECRETS = ("13812345678", "110101199003071234", "91350100M000100Y43")


def test_every_record_is_masked_whatever_the_logger(caplog: pytest.LogCaptureFixture) -> None:
    install_log_masking()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("rasa.core.processor").debug("Received user message '电话%s 身份证%s 代码%s'", *SECRETS)
        try:
            raise RuntimeError(f"backend refused {SECRETS[0]}")
        except RuntimeError:
            logging.getLogger("sanic.error").exception("failed")
    text = caplog.text
    for secret in SECRETS:
        assert secret not in text
    assert "138****5678" in text and "RuntimeError" in text


def test_a_short_service_token_stops_the_action_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BACKEND_SERVICE_TOKEN", "short")
    with pytest.raises(SystemExit):
        check_environment()
    assert "BACKEND_SERVICE_TOKEN 至少16个字符" in capsys.readouterr().err
    monkeypatch.setenv("BACKEND_SERVICE_TOKEN", "a-long-enough-service-token")
    check_environment()
