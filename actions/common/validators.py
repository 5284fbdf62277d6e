"""Pure validators of what users type in forms. Table-tested in tests/actions/test_validators.py."""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

from stdnum.cn import uscc as stdnum_uscc

SKIP_WORDS = ("没有", "没", "无", "不知道", "不清楚", "跳过", "略", "暂无", "不填", "个体户没有", "记不得")


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def mobile(text: str) -> Optional[str]:
    """The mainland mobile number in ``text`` ("138 0013 8000", "＋86 13800138000"), else None."""
    digits = re.sub(r"[\s\-—()（）]", "", _plain(text))
    digits = re.sub(r"^(\+?86)", "", digits)
    match = re.search(r"(?<!\d)(1[3-9]\d{9})(?!\d)", digits)
    return match.group(1) if match else None


def last4(text: str) -> Optional[str]:
    match = re.search(r"(?<!\d)(\d{4})(?!\d)", _plain(text))
    return match.group(1) if match else None


def uscc_is_valid(code: str) -> bool:
    """GB 32100-2015 统一社会信用代码, checked by python-stdnum's ``cn.uscc`` — the backend uses the same."""
    return bool(stdnum_uscc.is_valid(code.upper()))


def uscc(text: str) -> Optional[str]:
    """A valid 统一社会信用代码 found in ``text``, upper-cased; None if none or the check digit fails."""
    candidate = re.sub(r"[\s\-]", "", _plain(text)).upper()
    match = re.search(r"(?<![0-9A-Z])[0-9A-Z]{18}(?![0-9A-Z])", candidate)
    return match.group(0) if match and uscc_is_valid(match.group(0)) else None


def says_skip(text: str) -> bool:
    plain = re.sub(r"[\s,，。.!！]", "", _plain(text))
    return any(plain == w or plain.startswith(w) for w in SKIP_WORDS) and len(plain) <= 8


def enterprise_name(text: str) -> Optional[str]:
    prefix = r"^(我们|我)?(的)?(企业|公司|单位|店)?(的)?(名称|名字|全称)?(是|叫|为)?[:：]?"
    name = re.sub(prefix, "", _plain(text)).strip("。. ")
    return name if 2 <= len(name) <= 60 and re.search(r"[\u4e00-\u9fffA-Za-z]", name) else None


def person_name(text: str) -> Optional[str]:
    name = re.sub(r"^(我|联系人|我的名字)?(叫|是|姓名是|为)?[:：]?", "", _plain(text)).strip("。. ")
    return name if 1 <= len(name) <= 20 and re.fullmatch(r"[\u4e00-\u9fff·A-Za-z ]{1,20}", name) else None


def description(text: str) -> Optional[str]:
    """A complaint worth filing: some substance, at most 2000 characters."""
    content = re.sub(r"[\s\W_]+", "", _plain(text))
    return (text or "").strip()[:2000] if len(content) >= 6 else None  # the user's own words, unchanged


def mask_mobile(number: str) -> str:
    return number[:3] + "****" + number[-4:] if len(number) == 11 else "****"
