"""统一社会信用代码 (GB 32100-2015), mobile numbers, and masking of personal data."""

from __future__ import annotations

import logging

import pytest

from app.services.identifiers import (
    USCC_CHARSET,
    is_valid_credit_code,
    mask_credit_code,
    mask_mobile,
    mask_text,
    masked_logger,
    normalize_credit_code,
    normalize_mobile,
    uscc_check_character,
)

VALID = "91350100M000100Y43"

# Published codes of well-known enterprises: independent evidence for the algorithm.
PUBLISHED = ["9144030071526726XG", "914403001922038216", "91330100799655058B", "91110000802100433B"]


# ---------------------------------------------------------------- 统一社会信用代码


def test_the_reference_code_is_valid_and_its_check_character_is_3() -> None:
    assert uscc_check_character(VALID[:17]) == "3"
    assert normalize_credit_code(VALID) == VALID
    assert is_valid_credit_code(VALID)


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code: str) -> None:
    assert is_valid_credit_code(code)


def test_every_other_check_character_is_refused() -> None:
    for char in USCC_CHARSET:
        if char != "3":
            with pytest.raises(ValueError, match="校验位"):
                normalize_credit_code(VALID[:17] + char)


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y34",  # last two swapped
        "91350100M000010Y43",  # two body characters swapped
        "92350100M000100Y43",  # one body character changed
        "91350101M000100Y43",  # region code changed
    ],
)
def test_altered_codes_fail_the_check_character(code: str) -> None:
    with pytest.raises(ValueError, match="校验位"):
        normalize_credit_code(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y4", "应为18位"),
        ("91350100M000100Y432", "应为18位"),
        ("", "应为18位"),
        ("91350100I000100Y43", "格式不正确"),  # I is not in the character set
        ("91350100O000100Y43", "格式不正确"),  # nor is O
        ("91350100S000100Y43", "格式不正确"),  # nor S, V, Z
        ("913501A0M000100Y43", "格式不正确"),  # the region code must be digits
        ("91350100M000100Y4!", "格式不正确"),
    ],
)
def test_malformed_codes_are_refused_with_a_reason(code: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalize_credit_code(code)
    assert not is_valid_credit_code(code)


def test_codes_are_normalised_as_people_type_them() -> None:
    assert normalize_credit_code(" 91350100m000100y43 ") == VALID  # lower case, blanks
    assert normalize_credit_code("９１３５０１００Ｍ０００１００Ｙ４３") == VALID  # full width
    assert normalize_credit_code("913501-00M000100Y43") == VALID


# ---------------------------------------------------------------- mobile numbers


@pytest.mark.parametrize(
    "raw",
    ["13812341234", "138 1234 1234", "138-1234-1234", "+86 138 1234 1234", "8613812341234", "１３８１２３４１２３４"],
)
def test_mobile_numbers_are_normalised(raw: str) -> None:
    assert normalize_mobile(raw) == "13812341234"


@pytest.mark.parametrize(
    "raw", ["12812341234", "10012341234", "1381234123", "138123412345", "23812341234", "023-79242258", "", "abc"]
)
def test_invalid_mobile_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="手机号码格式不正确"):
        normalize_mobile(raw)


@pytest.mark.parametrize("second", "3456789")
def test_every_allowed_second_digit(second: str) -> None:
    assert normalize_mobile(f"1{second}012345678") == f"1{second}012345678"


# ---------------------------------------------------------------- masking


def test_mask_mobile_and_code() -> None:
    assert mask_mobile("13812341234") == "138****1234"
    assert mask_credit_code(VALID) == "9135**********0Y43"
    assert mask_credit_code(None) is None


def test_mask_text_hides_every_identifier_in_free_text() -> None:
    text = "我电话138 1234 5678，备用+8613912345678，身份证110101199003071234，代码91350100M000100Y43"
    masked = mask_text(text)
    for secret in ("13812345678", "1234 5678", "13912345678", "110101199003071234", VALID):
        assert secret not in masked
    assert "138****5678" in masked
    assert "139****5678" in masked
    assert "9135**********0Y43" in masked


def test_mask_text_keeps_what_is_not_personal() -> None:
    text = "工单 QY202611230001，专线 023-79242258，拖了2个月，金额120000元"
    assert mask_text(text) == text


def test_mask_text_handles_full_width_digits() -> None:
    assert "1381234" not in mask_text("电话１３８１２３４５６７８")


def test_the_masked_logger_never_writes_a_mobile_number(caplog: pytest.LogCaptureFixture) -> None:
    log = masked_logger("backend.tests.masking")
    caplog.set_level(logging.INFO, logger="backend.tests.masking")
    log.info("filed for %s with code %s", "13812341234", VALID)
    log.info("description: 请回电13912345678")
    text = caplog.text
    assert "13812341234" not in text and VALID not in text and "13912345678" not in text
    assert "138****1234" in text and "139****5678" in text
    assert masked_logger("backend.tests.masking").filters == log.filters  # one filter, not one per call
    assert len(log.filters) == 1
