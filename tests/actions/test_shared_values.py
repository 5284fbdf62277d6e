"""The bot's checks against the table the backend's tests read too (tests/shared_values/identifiers.yml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest
import yaml

from actions.common import pii, validators

TABLE: Dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "shared_values" / "identifiers.yml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("code", TABLE["uscc"]["valid"])
def test_valid_credit_codes_are_accepted(code: str) -> None:
    assert validators.uscc(code) == code
    assert validators.uscc(code.lower()) == code


@pytest.mark.parametrize("case", TABLE["uscc"]["invalid"], ids=lambda c: c["why"])
def test_invalid_credit_codes_are_refused(case: Dict[str, str]) -> None:
    assert validators.uscc(case["code"]) is None


@pytest.mark.parametrize("case", TABLE["mobile"]["valid"], ids=lambda c: c["raw"])
def test_valid_mobiles_are_normalised(case: Dict[str, str]) -> None:
    assert validators.mobile(case["raw"]) == case["normalized"]


@pytest.mark.parametrize("raw", TABLE["mobile"]["invalid"])
def test_invalid_mobiles_are_refused(raw: str) -> None:
    assert validators.mobile(raw) is None


@pytest.mark.parametrize("case", TABLE["masking"]["hide"], ids=lambda c: c["text"][:12])
def test_masking_hides_every_secret(case: Dict[str, Any]) -> None:
    masked = pii.mask_text(case["text"])
    for secret in case["secrets"]:
        assert secret not in masked


@pytest.mark.parametrize("text", TABLE["masking"]["keep"])
def test_masking_keeps_what_is_not_personal(text: str) -> None:
    assert pii.mask_text(text) == text
