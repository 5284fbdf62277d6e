"""Personal data (手机号, 身份证号, 统一社会信用代码) kept out of every log line of the bot's processes.

The same patterns as the backend's ``app.services.identifiers.mask_text`` (the two
environments share no code); ``tests/shared_values/identifiers.yml`` is read by both
test suites and proves they mask the same values.

:func:`install_log_masking` replaces the log-record factory, so *every* record of the
process (Rasa, Sanic, aiohttp, SQLAlchemy, our own) is masked when it is created,
whatever logger or handler it goes to, tracebacks included.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

_ID_CARD = re.compile(
    r"(?<![0-9A-Za-z])(\d{3})\d{3}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}([\dXx])(?![0-9A-Za-z])"
)
_USCC = re.compile(r"(?<![0-9A-Za-z])([0-9A-HJ-NP-RTUW-Y]{4})[0-9A-Z]{10}([0-9A-Z]{4})(?![0-9A-Za-z])", re.I)
_MOBILE = re.compile(r"(?<![\d+])(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?\d{4}[\s-]?(\d{4})(?!\d)")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－", "0123456789+-")


def mask_text(text: str) -> str:
    """Free text with every mobile number, 身份证号 and 统一社会信用代码 masked."""
    if not text:
        return text
    text = text.translate(_FULL_WIDTH)
    text = _ID_CARD.sub(lambda m: m.group(1) + "*" * 14 + m.group(2), text)
    text = _USCC.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    return _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), text)


def _masked_arg(value: Any) -> Any:
    return mask_text(value) if isinstance(value, str) else value


def _mask_record(record: logging.LogRecord) -> None:
    if record.name.startswith("uvicorn.access") and isinstance(record.args, tuple):
        # uvicorn's access formatter unpacks the arguments: mask them one by one.
        record.args = tuple(_masked_arg(a) for a in record.args)
    else:
        try:
            message = record.getMessage()
        except Exception:
            return
        record.msg, record.args = mask_text(message), None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = mask_text("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        record.exc_info = None
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)


_INSTALLED = False


def install_log_masking() -> None:
    """Mask every log record this process creates (idempotent)."""
    global _INSTALLED
    if _INSTALLED:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _mask_record(record)
        return record

    logging.setLogRecordFactory(factory)
    _INSTALLED = True
