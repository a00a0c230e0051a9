"""Issue 14 item 15 (start → lock screen, unlock → window): what the desk does before the
lock screen and between unlocking and the window's first paint.

- The store, catalog, sync client and window modules load on a thread of their own only
  once the lock screen has painted (before, their imports started ahead of the lock
  screen and competed with it), and are all loaded by the time the worker has typed.
- The window's start reads the clock's doubt off the UI thread (at 100,000 encrypted cases
  the read held the first paint).
- Until the lock screen has painted only its own modules and what they stand on are
  loaded (no json, hashlib, page or window module), and the application's style sheet
  holds only the lock screen's rules — drawn pixel for pixel as with the whole sheet.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from answers import Answers

from desk.core.app import DeskContext

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "qiliyi-2026"

_START = """
import json, os, sys
sys.path.insert(0, sys.argv[2])
from PySide6.QtCore import QEvent, QObject, QTimer
from desk.ui import main as ui_main
app = ui_main.make_app()
seen = {}
class Watch(QObject):
    def eventFilter(self, obj, event):
        if (event.type() == QEvent.Type.Paint and hasattr(obj, "window")
                and type(obj.window()).__name__ == "UnlockDialog" and "painted" not in seen):
            seen["painted"] = {m: m in sys.modules for m in WATCHED}
            QTimer.singleShot(0, lambda: typed(obj.window()))
        return False
WATCHED = ("desk.core.app", "sync.client.pin", "desk.ui.window", "desk.core.store",
           "desk.core.logs")
def typed(dlg):
    try:
        if not ui_main.warm_imports.done.wait(0):
            QTimer.singleShot(5, lambda: typed(dlg))
            return
    except Exception as exc:  # fail at once, not at the timeout
        print(repr(exc), file=sys.stderr, flush=True)
        os._exit(3)
    seen["typed"] = {m: m in sys.modules for m in WATCHED}
    dlg.password.setText(sys.argv[3])
    dlg.try_unlock()
watch = Watch()
app.installEventFilter(watch)
ctx = ui_main.open_desk(sys.argv[1])
seen["opened"] = ctx is not None and ctx.store.key is not None
print(json.dumps(seen))
ctx.close()
"""


def test_lock_screen_paints_before_the_heavy_imports_which_finish_while_typing(
        tmp_path: Path) -> None:
    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data), password=PASSWORD)
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    ctx.close()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DOORSTEP_PASSWORD", "DOORSTEP_PASSWORD_FILE")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    r = subprocess.run([sys.executable, "-c", _START, str(data), str(ROOT), PASSWORD],
                       env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    seen = json.loads(r.stdout.strip().splitlines()[-1])
    # nothing heavy is (being) imported when the lock screen first paints …
    assert not any(seen["painted"].values()), seen["painted"]
    # … and everything the unlock and the window need is loaded while the worker types
    assert all(seen["typed"].values()), seen["typed"]
    assert seen["opened"]


# the real start: ``doorstep-desk --data-dir DIR`` (desk.cli.main) until the lock screen
# has painted; what has been imported by then, and the application's event filters after
_REAL_START = """
import os, sys
BEFORE = set(sys.modules)  # (what the interpreter's start loaded, e.g. a site hook)
sys.path.insert(0, sys.argv[2])
from desk.cli import main
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from desk.ui import main as ui_main
_make_app = ui_main.make_app
def make_app(*a, **k):
    app = _make_app(*a, **k)
    app.installEventFilter(watch)
    return app
ui_main.make_app = make_app
seen = {}
class Watch(QObject):
    def eventFilter(self, obj, event):
        if (event.type() == QEvent.Type.Paint and hasattr(obj, "window")
                and type(obj.window()).__name__ == "UnlockDialog" and "painted" not in seen):
            seen["painted"] = sorted(m for m in sys.modules if m.startswith(HEAVY))
            seen["loaded"] = sorted(set(sys.modules) - BEFORE)
            seen["sheet"] = QApplication.instance().styleSheet()
            QTimer.singleShot(0, after)
        return False
HEAVY = ("forms.catalog", "forms.model", "forms.engine", "desk.cli.", "desk.core.app",
         "desk.core.store", "sync", "platformdirs", "dataclasses", "desk.ui.wheel",
         "desk.ui.keys", "reportlab")
def after(tries=[0]):
    keys, wheel = sys.modules.get("desk.ui.keys"), sys.modules.get("desk.ui.wheel")
    seen["filters"] = [wheel is not None and wheel._guard is not None,
                       keys is not None and keys._filter is not None]
    tries[0] += 1
    if seen["filters"] != [True, True] and tries[0] < 2000:  # (bounded: ~20 s)
        QTimer.singleShot(10, after)
        return
    import json
    print(json.dumps(seen), flush=True)
    os._exit(0)
watch = Watch()
main(["--data-dir", sys.argv[1]])
"""


def test_doorstep_desk_paints_the_lock_screen_before_the_catalog_and_the_parser(
        tmp_path: Path) -> None:
    """The window's start through the real entry point: the command line's declarations
    (which import the catalog's modules, ~180 ms) and the filters' Qt namespace (~22 ms)
    wait until the lock screen has painted; the filters are installed once it has."""
    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data), password=PASSWORD)
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    ctx.close()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DOORSTEP_PASSWORD", "DOORSTEP_PASSWORD_FILE")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    r = subprocess.run([sys.executable, "-c", _REAL_START, str(data), str(ROOT)],
                       env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    seen = json.loads(r.stdout.strip().splitlines()[-1])
    assert seen["painted"] == [], seen["painted"]
    assert seen["filters"] == [True, True]
    # the desk's modules loaded by then: the lock screen's and what it stands on, no page,
    # no window, no store (each a few ms of the start; bench/bench_desk_speed.py)
    ours = {m for m in seen["loaded"] if m.split(".")[0] in ("desk", "forms", "sync")}
    assert ours <= LOCK_SCREEN_MODULES, sorted(ours - LOCK_SCREEN_MODULES)
    # nor the standard library's heavier helpers the lock screen does not use (json: the
    # settings' preview is read by Qt's reader; hashlib: OpenSSL, for unpacking fonts)
    assert not set(seen["loaded"]) & NOT_BEFORE_LOCK, set(seen["loaded"]) & NOT_BEFORE_LOCK
    # and the application's style sheet holds only the lock screen's rules until unlocked
    from desk.ui import style
    assert seen["sheet"] == style.lock_stylesheet(False, False)


LOCK_SCREEN_MODULES = {
    "desk", "desk.cli", "desk.core", "desk.core.paths", "desk.core.resources", "desk.ui",
    "desk.ui.lock", "desk.ui.main", "desk.ui.style", "desk.ui.text", "forms",
    "forms.printing", "forms.printing.resources"}
NOT_BEFORE_LOCK = {"json", "hashlib", "_hashlib", "sqlite3", "dataclasses",
                   "platformdirs", "reportlab", "html", "xml.etree.ElementTree"}


def test_window_start_reads_the_clock_off_the_ui_thread(qtbot: Any, desk: Any) -> None:
    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    threads: list[str] = []
    day = desk.desk_day
    pending = day.pending

    def watched() -> Any:
        threads.append(threading.current_thread().name)
        return pending()

    day.pending = watched
    app = make_app()
    style.apply(app, False, False)
    win = MainWindow(desk, dialogs=Answers())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    try:
        # the window activated (as the window manager does at start, or back from the clock
        # settings) and the periodic check read the clock off the UI thread too: a fresh-venv
        # run saw the activation's check read it on the UI thread before the start's own
        from PySide6.QtCore import QEvent
        from PySide6.QtWidgets import QApplication
        QApplication.sendEvent(win, QEvent(QEvent.Type.WindowActivate))
        win.clock_notice.timer.timeout.emit()
        qtbot.waitUntil(lambda: len(threads) >= 3 and not win.tasks.busy, timeout=20_000)
        assert threading.main_thread().name not in threads, threads
        assert not win.clock_notice.blocking  # the clock is fine: nothing shown
    finally:
        win.tasks.shutdown()


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_unlock_thread_is_over_before_the_lock_screen_closes(qtbot: Any, tmp_path: Path) -> None:
    """The lock screen waits for its unlock thread once it answered, so that thread never
    drops the last reference to the screen (a QWidget deleted off the UI thread crashed
    the start-up bench just after unlocking, about one start in five)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desk.ui import lock
    from desk.ui import main as ui_main

    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data), password=PASSWORD)
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    ctx.close()
    seen: dict[str, Any] = {}

    def answer() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, lock.UnlockDialog):
            QTimer.singleShot(20, answer)
            return
        dlg.accepted.connect(lambda: seen.update(
            worker=dlg._worker, alive=[t.name for t in threading.enumerate()
                                       if t.name == "unlock" and t.is_alive()]))
        dlg.password.setText(PASSWORD)
        dlg.try_unlock()

    QTimer.singleShot(0, answer)
    opened = ui_main.open_desk(str(data))
    try:
        assert opened is not None
        assert seen == {"worker": None, "alive": []}, seen
    finally:
        if opened is not None:
            opened.close()


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
@pytest.mark.parametrize("look", ["normal", "large", "contrast"])
def test_lock_screen_looks_the_same_with_its_own_style_sheet(qtbot: Any, look: str) -> None:
    """The start's lock screen gets only its own rules of the style sheet
    (style.lock_stylesheet: less to parse and match before its first paint); it is drawn
    pixel for pixel as with the whole sheet (the idle lock's), in each look and state:
    typing, a wrong password, checking (disabled), a button focused or under the mouse."""
    import threading

    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QApplication

    from desk.ui import style
    from desk.ui.lock import UnlockDialog

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    large, contrast = look == "large", look == "contrast"
    style.load_fallback_fonts()  # (loaded by either apply a turn later: before both)
    flash = app.cursorFlashTime()
    app.setCursorFlashTime(0)  # the text cursor shown, not blinking between two grabs
    release = threading.Event()

    def check(secret: str) -> str | None:
        release.wait(20)
        return "密码不正确，还可尝试 4 次；连续输错 5 次将锁定 15 分钟。"

    def shot(dlg: Any) -> Any:
        layout = dlg.layout()
        assert layout is not None
        layout.activate()  # (the card re-fitted to a message: its layout's request pending)
        return dlg.grab().toImage()

    def renderings(lock_screen: bool) -> list[Any]:
        style.apply(app, large, contrast, lock_screen=lock_screen)
        dlg = UnlockDialog(check, None, who="七里一村社区流动办事点（HY-QL01）· 经办人：刘晓燕",
                           intro="办事台数据已加密，请输入工作人员密码（或联网时输入6位 PIN）：",
                           quit_button=True)
        qtbot.addWidget(dlg)
        dlg.resize(1366, 768)
        dlg.show()
        qtbot.waitExposed(dlg)
        dlg.activateWindow()
        qtbot.waitUntil(lambda: dlg.password.hasFocus())
        shots = [shot(dlg)]
        dlg.password.setText("wrong-pass")
        release.clear()
        dlg.try_unlock()
        shots.append(shot(dlg))  # checking: disabled, the info line
        release.set()
        qtbot.waitUntil(lambda: not dlg.busy)
        shots.append(shot(dlg))  # the error line, the password selected
        assert dlg.quit_button is not None
        for button in (dlg.quit_button, dlg.ok):
            button.setFocus()
            shots.append(shot(dlg))
            qtbot.mouseMove(button, button.rect().center())
            qtbot.waitUntil(button.underMouse)
            shots.append(shot(dlg))
        qtbot.mouseMove(dlg, dlg.rect().topLeft() + QPoint(5, 5))
        dlg.done(0)
        return shots

    try:
        own, whole = renderings(True), renderings(False)
    finally:
        app.setCursorFlashTime(flash)
        release.set()
        style.apply(app, False, False)
    # each state is drawn differently (the comparison below is not of blank screens) …
    assert [i for i in range(len(own) - 1) if own[i] == own[i + 1]] == []
    # … and the same with either sheet
    differ = [i for i, (a, b) in enumerate(zip(own, whole, strict=True)) if a != b]
    assert differ == [], f"states drawn differently: {differ}"
