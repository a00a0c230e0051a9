"""The stolen-laptop check after a real window session (issue 7): a protected desk is
used through the window — a case saved, its receipt previewed, its detail revealed on
purpose, logs written, a crash recorded, the day's backup taken on exit — then every file
under the data folder *and* the temp folder the app used is searched for the residents'
names, ID numbers and phones. None may be there."""

from __future__ import annotations

import copy
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from desk.core.app import DeskContext

PASSWORD = "qiliyi-2026"
SECRETS = [("司马懿鑫", "420105199001011235", "13912340987"),
           ("诸葛瑾瑶", "420105198512120025", "15807165432")]


def _blob(*folders: Path) -> bytes:
    return b"".join(p.read_bytes() for f in folders for p in f.rglob("*") if p.is_file())


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_nothing_readable_after_a_window_session(qtbot: Any, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from desk.core.logs import configure, install_crash_hook
    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    systmp = tmp_path / "systmp"
    systmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(systmp))
    monkeypatch.setattr(tempfile, "tempdir", str(systmp))
    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data), password=PASSWORD)
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    handler = configure(ctx.paths.logs)
    old_hook = sys.excepthook
    install_crash_hook(ctx.paths.logs)
    try:
        app = make_app()
        style.apply(app, False, False)
        win = MainWindow(ctx)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        cases = []
        for name, idn, phone in SECRETS:
            sub = copy.deepcopy(ctx.catalog.get("MZ-GLJT").example)
            sub.update(applicant_name=name, applicant_id=idn, applicant_phone=phone)
            cases.append(ctx.cases.submit("MZ-GLJT", sub, ctx.actor()))
        # the receipt preview renders a real PDF (in memory)
        win.show_receipt(cases[0], fresh=True)
        page = win.page("receipt")
        qtbot.waitUntil(lambda: page.panel.preview.page_count > 0 and not win.tasks.busy,
                        timeout=20_000)
        win.show_case(cases[1]["uuid"])
        detail = win.page("detail")
        qtbot.waitUntil(lambda: detail.case is not None
                        and detail.case["uuid"] == cases[1]["uuid"])
        detail.show_full("核对居民身份")
        assert SECRETS[1][1] in detail.body.toPlainText()
        # what careless code might log, and a crash carrying the resident's numbers
        logging.getLogger("desk.test").warning("saved %s %s", SECRETS[0][1], SECRETS[0][2])
        try:
            raise ValueError(f"bad id {SECRETS[1][1]} phone {SECRETS[1][2]}")
        except ValueError:
            sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
        win.tasks.shutdown()
        win.close()
    finally:
        sys.excepthook = old_hook
        logging.getLogger().removeHandler(handler)
        handler.close()
    ctx.close(maintenance=True)  # the day's encrypted backup, as on exit
    assert list(ctx.paths.backups.iterdir()), "no backup taken"
    assert "bad id" in (ctx.paths.logs / "crash.log").read_text(encoding="utf-8")
    assert "saved" in (ctx.paths.logs / "desk.log").read_text(encoding="utf-8")  # redacted
    blob = _blob(data, systmp)
    for secret in SECRETS:
        for s in secret:
            for enc in ("utf-8", "utf-16-le", "utf-16-be"):
                assert s.encode(enc) not in blob, (s, enc)
    assert b"SQLite format 3" not in blob
