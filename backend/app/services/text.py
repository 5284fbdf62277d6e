"""Chinese text as people type it: 繁體, full-width characters, Chinese numerals.

Chinese numerals are cn2an's. The bot side has its own normalisation (it must not import
the backend); both are pinned by the same table test cases.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import cn2an
from opencc import OpenCC


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), 繁→简, lower-case, collapsed spaces."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _t2s().convert(text)
    return re.sub(r"\s+", " ", text).strip().lower()


_CN_NUMBER = "[零〇一二两俩三四五六七八九十百千万亿]+"
NUMBER_PATTERN = re.compile(rf"(\d+(?:\.\d+)?)([万亿])?|({_CN_NUMBER})")
_ORDINAL = re.compile(r"(?:第|选|选择|选第)?\s*(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:个|项|种|号|条|类|家)?")


def chinese_to_number(text: str) -> float | None:
    """``三十`` → 30, ``一百二十`` → 120, ``两千五`` → 2500, ``一二〇`` → 120, ``1.5`` → 1.5 (cn2an)."""
    text = text.strip().replace("俩", "两")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    if not re.fullmatch(_CN_NUMBER, text):
        return None
    try:
        return float(cn2an.cn2an(text, "normal"))
    except ValueError:
        return None


def ordinal(text: str) -> int | None:
    """The position a reply picks from a numbered list: "2", "第二个", "选2", "2号" → 2."""
    plain = re.sub(r"[\s,，。.!！~～]+", "", normalize(text))
    match = _ORDINAL.fullmatch(plain)
    if not match:
        return None
    value = chinese_to_number(match.group(1))
    return int(value) if value is not None and value >= 1 else None


def numbers_in(text: str) -> list[tuple[float, int, int]]:
    """Every number in ``text`` with its span: (value, start, end)."""
    found = []
    for match in NUMBER_PATTERN.finditer(text):
        if match.group(1) is not None:  # "120", "2万", "1.5亿"
            value: float | None = float(match.group(1)) * {"万": 10_000, "亿": 100_000_000}.get(match.group(2) or "", 1)
        else:
            value = chinese_to_number(match.group(3))
        if value is not None:
            found.append((value, match.start(), match.end()))
    return found
