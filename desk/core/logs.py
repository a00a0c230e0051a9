"""Logging for the desk: rotating files in the data folder, never personal data.

Every record passes a redaction filter that masks anything shaped like a resident ID
number, a mobile number or a bank account before it reaches a file, and uncaught
exceptions (crash reports) go through the same filter. Code should not log personal data
in the first place — this is the safety net.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import traceback
from pathlib import Path
from types import TracebackType

_ID = re.compile(r"(?<![0-9])([1-9]\d{5})(\d{8})(\d{3}[\dXx])(?![0-9])")
_ID15 = re.compile(r"(?<![0-9])([1-9]\d{5})(\d{6})(\d{3})(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9]\d)(\d{4})(\d{4})(?![0-9])")
_LONG_DIGITS = re.compile(r"(?<![0-9])(\d{4})\d{8,11}(\d{4})(?![0-9])")


def redact(text: str) -> str:
    """Mask ID numbers, mobiles and account-like digit runs in ``text``."""
    text = _ID.sub(lambda m: f"{m.group(1)}********{m.group(3)[-4:]}", text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = _LONG_DIGITS.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    return _ID15.sub(lambda m: f"{m.group(1)}******{m.group(3)}", text)


class RedactFilter(logging.Filter):
    """Rewrites each record's message (with its arguments and traceback) redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + "".join(traceback.format_exception(*record.exc_info))
            record.exc_info = None
            record.exc_text = None
        record.msg = redact(message)
        record.args = None
        return True


def configure(logs_dir: Path, *, level: int = logging.INFO) -> logging.Handler:
    """Log to ``logs_dir/desk.log`` (rotated, 5 × 1 MB), redacted; returns the handler."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(logs_dir / "desk.log", maxBytes=1_000_000,
                                                   backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def install_crash_hook(logs_dir: Path) -> None:
    """Write uncaught exceptions to ``logs_dir/crash.log``, redacted."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        text = redact("".join(traceback.format_exception(kind, exc, tb)))
        try:
            with open(logs_dir / "crash.log", "a", encoding="utf-8") as fh:
                fh.write(text + "\n")
        except OSError:
            pass
        sys.__excepthook__(kind, exc, tb)

    sys.excepthook = hook
