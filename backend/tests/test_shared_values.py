"""The backend's checks against the table the bot's tests read too (tests/shared_values/identifiers.yml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from app.services.identifiers import mask_text, normalize_credit_code, normalize_mobile

TABLE: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "tests" / "shared_values" / "identifiers.yml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("code", TABLE["uscc"]["valid"])
def test_valid_credit_codes_are_accepted(code: str) -> None:
    assert normalize_credit_code(code) == code
    assert normalize_credit_code(code.lower()) == code


@pytest.mark.parametrize("case", TABLE["uscc"]["invalid"], ids=lambda c: c["why"])
def test_invalid_credit_codes_are_refused_in_chinese(case: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="统一社会信用代码"):
        normalize_credit_code(case["code"])


@pytest.mark.parametrize("case", TABLE["mobile"]["valid"], ids=lambda c: c["raw"])
def test_valid_mobiles_are_normalised(case: dict[str, str]) -> None:
    assert normalize_mobile(case["raw"]) == case["normalized"]


@pytest.mark.parametrize("raw", TABLE["mobile"]["invalid"])
def test_invalid_mobiles_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="手机号码"):
        normalize_mobile(raw)


@pytest.mark.parametrize("case", TABLE["masking"]["hide"], ids=lambda c: c["text"][:12])
def test_masking_hides_every_secret(case: dict[str, Any]) -> None:
    masked = mask_text(case["text"])
    for secret in case["secrets"]:
        assert secret not in masked


@pytest.mark.parametrize("text", TABLE["masking"]["keep"])
def test_masking_keeps_what_is_not_personal(text: str) -> None:
    assert mask_text(text) == text
