"""The stolen-laptop check after a real window session (issue 7): a protected desk is
used through the window — a case saved, its receipt previewed, its detail revealed on
purpose, logs written, a crash recorded, the day's backup taken on exit — then every file
under the data folder *and* the temp folder the app used is searched for the residents'
names, ID numbers and phones. None may be there."""

from __future__ import annotations

import copy
import json
import logging
import os
import subprocess
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
        detail.show_full("核对居民身份")  # audited on the background helper, then shown
        qtbot.waitUntil(lambda: SECRETS[1][1] in detail.body.toPlainText(), timeout=10_000)
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


def _cli(data: Path, systmp: Path, *args: str, stdin: str = "",
         password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_PASSWORD")}
    env["TMPDIR"] = str(systmp)
    if password:
        env["DOORSTEP_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "desk.cli", "--data-dir", str(data), *args],
                          input=stdin, env=env, capture_output=True, text=True, timeout=300,
                          check=False)


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_protect_while_the_window_is_open_then_restore_and_protect(
        qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12: an unprotected desk used through the window. ``protect`` from another
    process is refused while the window is open (and the window keeps saving); once it is
    closed, an older backup is restored (the replaced store kept aside) and the desk is
    protected: then nothing under the data folder or the temp folder is readable — not
    the set-aside copy, not a backup, not a temporary file."""
    from desk.core import maintenance
    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    systmp = tmp_path / "systmp"
    systmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(systmp))
    monkeypatch.setattr(tempfile, "tempdir", str(systmp))
    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()

    def save(name: str, idn: str, phone: str) -> dict[str, Any]:
        sub = copy.deepcopy(ctx.catalog.get("MZ-GLJT").example)
        sub.update(applicant_name=name, applicant_id=idn, applicant_phone=phone)
        return ctx.cases.submit("MZ-GLJT", sub, ctx.actor())

    app = make_app()
    style.apply(app, False, False)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    first = save(*SECRETS[0])
    backup = maintenance.make_backup(ctx.store, ctx.paths)
    refused = _cli(data, systmp, "protect", stdin=PASSWORD + "\n")
    assert refused.returncode == 1, refused.stdout
    assert "办事台正在使用中，请先关闭窗口" in refused.stderr
    assert "Traceback" not in refused.stderr
    second = save(*SECRETS[1])  # acknowledged after the refused protect: kept
    win.show_case(second["uuid"])
    detail = win.page("detail")
    qtbot.waitUntil(lambda: detail.case is not None
                    and detail.case["uuid"] == second["uuid"])
    win.tasks.shutdown()
    win.close()
    ctx.close(maintenance=True)
    restored = _cli(data, systmp, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    aside = Path(json.loads(restored.stdout)["previous_kept_as"])
    assert SECRETS[1][1].encode() in aside.read_bytes()  # plain before protect
    protected = _cli(data, systmp, "protect", stdin=PASSWORD + "\n")
    assert protected.returncode == 0, protected.stderr
    blob = _blob(data, systmp)
    for secret in SECRETS:
        for s in secret:
            for enc in ("utf-8", "utf-16-le", "utf-16-be"):
                assert s.encode(enc) not in blob, (s, enc)
    assert b"SQLite format 3" not in blob
    # with the key everything is still there: the restored store and the set-aside copy
    again = DeskContext.open(str(data), password=PASSWORD)
    try:
        assert [r["uuid"] for r in again.store.search.list_cases()] == [first["uuid"]]
        assert maintenance.check_backup(aside, again.store.key) == 2
    finally:
        again.close()
