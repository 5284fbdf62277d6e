"""Personal identifiers on tickets: validation, normalisation and masking.

- 统一社会信用代码 (USCC, GB 32100-2015): checked by python-stdnum's ``cn.uscc`` — the
  action server uses the same library, and ``tests/shared_values/identifiers.yml`` (read by
  both test suites) proves the two sides accept and refuse the same codes. 18 characters;
  the first 8 digits (登记管理部门、机构类别、行政区划码), then the 31-character set
  ``0-9 A-H J-N P-R T U W-Y`` (no I, O, S, V, Z); the 18th is the check character.
- Mobile numbers: ``1[3-9]\\d{9}``, accepted with spaces, dashes, full-width digits
  or a +86 prefix and stored as the 11 bare digits.
- Masking: ``138****1234``; a USCC keeps its first 4 and last 4 characters; free text
  (descriptions, log lines) has every mobile, 身份证号 and USCC-shaped token masked.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {char: value for value, char in enumerate(USCC_CHARSET)}
MOBILE_PATTERN = re.compile(r"1[3-9]\d{9}")


def _ascii(value: str) -> str:
    """Full-width letters and digits to ASCII (NFKC), without surrounding blanks."""
    return unicodedata.normalize("NFKC", value or "").strip()


def uscc_check_character(first17: str) -> str:
    """The 18th character of a USCC whose first 17 characters are ``first17``."""
    if len(first17) != 17 or any(char not in _USCC_VALUES for char in first17):
        raise ValueError("统一社会信用代码前17位含有不允许的字符")
    return str(stdnum_uscc.calc_check_digit(first17))


def normalize_credit_code(value: str) -> str:
    """The code in canonical form (upper case, no blanks); ValueError with a Chinese message otherwise."""
    code = re.sub(r"[\s-]", "", _ascii(value)).upper()
    try:
        return str(stdnum_uscc.validate(code))
    except InvalidLength:
        raise ValueError(f"统一社会信用代码应为18位，实际为{len(code)}位") from None
    except InvalidChecksum:
        raise ValueError("统一社会信用代码校验位不正确，请核对后重新输入") from None
    except ValidationError:
        raise ValueError("统一社会信用代码格式不正确（前8位须为数字，且不能含 I、O、S、V、Z）") from None


def is_valid_credit_code(value: str) -> bool:
    try:
        normalize_credit_code(value)
    except ValueError:
        return False
    return True


def normalize_mobile(value: str) -> str:
    """Eleven bare digits; ValueError with a Chinese message when it is not a mainland mobile number."""
    digits = re.sub(r"[\s\-()（）]", "", _ascii(value))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not MOBILE_PATTERN.fullmatch(digits):
        raise ValueError("手机号码格式不正确，应为11位手机号（1开头，第二位为3-9）")
    return digits


def mask_mobile(mobile: str) -> str:
    """``13812341234`` → ``138****1234``."""
    if len(mobile) < 8:
        return "*" * len(mobile)
    return mobile[:3] + "*" * (len(mobile) - 7) + mobile[-4:]


def mask_credit_code(code: str | None) -> str | None:
    """``91350100M000100Y43`` → ``9135**********0Y43``."""
    if code is None:
        return None
    if len(code) < 10:
        return "*" * len(code)
    return code[:4] + "*" * (len(code) - 8) + code[-4:]


_ID_CARD_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])(\d{3})\d{3}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}([\dXx])(?![0-9A-Za-z])"
)
_USCC_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])([0-9A-HJ-NP-RTUW-Y]{4})[0-9A-Z]{10}([0-9A-Z]{4})(?![0-9A-Za-z])", re.I)
_MOBILE_IN_TEXT = re.compile(r"(?<![\d+])(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?\d{4}[\s-]?(\d{4})(?!\d)")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９＋－", "0123456789+-")


def mask_text(text: str) -> str:
    """Free text with every mobile number, 身份证号 and 统一社会信用代码 masked."""
    if not text:
        return text
    text = text.translate(_FULL_WIDTH_DIGITS)
    text = _ID_CARD_IN_TEXT.sub(lambda m: m.group(1) + "*" * 14 + m.group(2), text)
    text = _USCC_IN_TEXT.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    return _MOBILE_IN_TEXT.sub(lambda m: m.group(1) + "****" + m.group(2), text)


class MaskingFilter(logging.Filter):
    """Masks personal data in every record of the logger it is attached to."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        return True


def masked_logger(name: str) -> logging.Logger:
    """A logger whose records never carry a readable mobile number, ID number or USCC."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, MaskingFilter) for f in logger.filters):
        logger.addFilter(MaskingFilter())
    return logger
