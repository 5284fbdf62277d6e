"""Chinese text as people type it: 繁體, full-width characters, Chinese numerals.

The bot side has its own copy of the normalisation (it must not import the
backend); both are pinned by the same table test cases.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), 繁→简, lower-case, collapsed spaces."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _t2s().convert(text)
    return re.sub(r"\s+", " ", text).strip().lower()


_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
_CN_NUMBER = "[零〇一二两俩三四五六七八九十百千万亿]+"
NUMBER_PATTERN = re.compile(rf"(\d+(?:\.\d+)?)([万亿])?|({_CN_NUMBER})")


def chinese_to_number(text: str) -> float | None:
    """``三十`` → 30, ``一百二十`` → 120, ``两千五`` → 2500, ``1.5`` → 1.5."""
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    if any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        return None
    if all(ch in _DIGITS for ch in text):  # 一二〇 read digit by digit
        return float("".join(str(_DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, None
    last_unit, zero_after_unit = 1, False
    for ch in text:
        if ch in _DIGITS:
            if _DIGITS[ch] == 0:
                zero_after_unit = True
            digit = _DIGITS[ch]
        else:
            unit = _UNITS[ch]
            if unit >= 10_000:
                section = (section + (digit or 0)) * unit
                total += section
                section, digit = 0, None
            else:
                section += (1 if digit is None else digit) * unit
                digit = None
            last_unit, zero_after_unit = unit, False
    if digit is not None:
        # 两千五 → 2500, 一万二 → 12000: a bare trailing digit counts in the unit below the
        # last one; after 零 (一千零五) it is a plain digit.
        section += digit if zero_after_unit or last_unit == 1 else digit * last_unit // 10
    return float(total + section)


def numbers_in(text: str) -> list[tuple[float, int, int]]:
    """Every number in ``text`` with its span: (value, start, end)."""
    found = []
    for match in NUMBER_PATTERN.finditer(text):
        if match.group(1) is not None:  # "120", "2万", "1.5亿"
            value: float | None = float(match.group(1)) * (_UNITS[match.group(2)] if match.group(2) else 1)
        else:
            value = chinese_to_number(match.group(3))
        if value is not None:
            found.append((value, match.start(), match.end()))
    return found
