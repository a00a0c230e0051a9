"""No personal data in logs or crash reports."""

from __future__ import annotations

import logging
from pathlib import Path

from desk.core.logs import configure, redact


def test_redact() -> None:
    text = "申请人 420105194501010017 电话13871234567 卡号 6217002870012345678 旧证420105450101001"
    out = redact(text)
    for secret in ("420105194501010017", "13871234567", "6217002870012345678",
                   "420105450101001"):
        assert secret not in out
    assert "420105********0017" in out and "138****4567" in out


def test_log_file_is_redacted(tmp_path: Path) -> None:
    handler = configure(tmp_path)
    log = logging.getLogger("desk.test")
    try:
        log.warning("saving case for %s", "42010519450101001X")
        try:
            raise ValueError("bad phone 13907181234")
        except ValueError:
            log.exception("failed")
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    text = (tmp_path / "desk.log").read_text("utf-8")
    assert "42010519450101001X" not in text and "13907181234" not in text
    assert "420105********001X" in text and "ValueError" in text
