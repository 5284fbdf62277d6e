"""Personal data never reaches a log line of the backend.

:func:`install_log_masking` replaces the log-record factory, so every record the process
creates — our loggers, uvicorn's access and error logs, SQLAlchemy, anything imported —
has its 手机号, 身份证号 and 统一社会信用代码 masked (``app.services.identifiers.mask_text``)
before any handler or formatter sees it, tracebacks included. uvicorn's access formatter
unpacks the record's arguments, so those are masked one by one (the query string is one).
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from app.services.identifiers import mask_text

_installed = False


def _mask_record(record: logging.LogRecord) -> None:
    if record.name.startswith("uvicorn.access") and isinstance(record.args, tuple):
        record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in record.args)
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


def install_log_masking() -> None:
    """Mask every record created from now on in this process (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _mask_record(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
