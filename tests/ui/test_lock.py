"""Protected desks: the first run sets a password that encrypts the store; the window
locks itself after idle time and only the worker's password unlocks it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desk.core import keyring
from desk.core.app import DeskContext

PASSWORD = "qiliyi-2026"
# the offscreen platform cannot size modal dialogs; harmless there, so not a failure
OFFSCREEN_DIALOG = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@OFFSCREEN_DIALOG
def test_first_run_password_encrypts_the_desk(qtbot: Any, tmp_path: Path) -> None:
    from desk.ui import main as ui_main
    from desk.ui.settings_dialog import SettingsDialog

    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data))
    seen: list[Any] = []

    def fill() -> None:
        dlg = QApplication.activeModalWidget()
        assert isinstance(dlg, SettingsDialog)
        dlg.edits["desk_code"].setText("HY-QL01")
        dlg.edits["worker_name"].setText("刘晓燕")
        assert dlg.password is not None and dlg.password2 is not None
        dlg.password.setText(PASSWORD)
        dlg.password2.setText("different")
        dlg.try_accept()
        seen.append(dlg.errors["password"].text())
        dlg.password2.setText(PASSWORD)
        dlg.try_accept()

    QTimer.singleShot(50, fill)
    opened = ui_main.first_run(ctx)
    assert seen == ["两次输入的密码不一致"]
    assert opened is not None and opened.store.key is not None
    assert keyring.exists(data)
    opened.close()
    again = DeskContext.open(str(data), password=PASSWORD)
    assert again.settings.desk_code == "HY-QL01"
    again.close()


@OFFSCREEN_DIALOG
def test_idle_lock_hides_data_until_password(qtbot: Any, tmp_path: Path) -> None:
    from desk.ui import lock
    from desk.ui.window import MainWindow

    ctx = DeskContext.open(str(tmp_path / "desk"), password=PASSWORD)
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.settings.idle_lock_minutes = 0.002  # ~120 ms
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    watcher = lock.install(win, ctx)
    assert watcher is not None
    win.show()
    qtbot.waitExposed(win)
    events: list[str] = []

    def answer() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, lock.UnlockDialog):
            QTimer.singleShot(20, answer)
            return
        events.append("hidden" if not win.centralWidget().isVisible() else "visible")
        dlg.password.setText("wrong-pass")
        dlg.try_unlock()  # checked on a worker thread: the answer comes back by signal
        QTimer.singleShot(0, lambda: refused(dlg))

    def refused(dlg: Any) -> None:
        if dlg.busy:
            QTimer.singleShot(20, lambda: refused(dlg))
            return
        events.append(dlg.error.text())
        dlg.reject()  # Esc does nothing
        events.append("still open" if dlg.isVisible() else "closed")
        dlg.password.setText(PASSWORD)
        dlg.try_unlock()

    QTimer.singleShot(0, answer)
    # the idle timer fires by itself; wait for the lock/unlock round to finish
    qtbot.waitUntil(lambda: len(events) == 3 and not win.property("locked")
                    and win.centralWidget().isVisible(), timeout=10_000)
    assert events[0] == "hidden"
    assert "密码不正确" in events[1]
    assert events[2] == "still open"
    watcher.stop()
    win.tasks.shutdown()
    ctx.close()


def test_unprotected_desk_has_no_lock(qtbot: Any, desk: Any) -> None:
    from desk.ui import lock
    from desk.ui.window import MainWindow

    win = MainWindow(desk)
    qtbot.addWidget(win)
    assert lock.install(win, desk) is None
    win.tasks.shutdown()


@OFFSCREEN_DIALOG
def test_lock_screen_names_the_worker_and_unlocks_off_the_ui_thread(qtbot: Any,
                                                                    tmp_path: Path) -> None:
    """Issue 14 item 9: the lock screen covers the window in the app's style, says who is
    signed in, shows the lockout message, and Argon2id runs on a worker thread — a timer
    on the UI thread keeps ticking while the password is checked."""
    from desk.ui import lock
    from desk.ui.window import MainWindow

    ctx = DeskContext.open(str(tmp_path / "desk"), password=PASSWORD)
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.settings.desk_name = "七里一村社区流动办事点"
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    watcher = lock.install(win, ctx)
    assert watcher is not None
    win.show()
    qtbot.waitExposed(win)
    seen: dict[str, Any] = {"ticks": [], "attempts": 0}
    ticker = QTimer()
    ticker.setInterval(5)
    ticker.timeout.connect(lambda: seen["ticks"].append(1))

    def answer() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, lock.UnlockDialog):
            QTimer.singleShot(20, answer)
            return
        seen["who"] = dlg.who.text()
        seen["covers"] = dlg.geometry() == win.geometry()
        seen["name"] = dlg.objectName()
        wrong(dlg)

    def wrong(dlg: Any) -> None:
        """Wrong passwords until the keyring locks the desk out."""
        if dlg.busy:
            QTimer.singleShot(10, lambda: wrong(dlg))
            return
        if seen["attempts"] and "锁定" in dlg.error.text():
            seen["lockout"] = dlg.error.text()
            right(dlg)
            return
        seen["attempts"] += 1
        dlg.password.setText("wrong-pass")
        dlg.try_unlock()
        QTimer.singleShot(0, lambda: wrong(dlg))

    def right(dlg: Any) -> None:
        from desk.core import keyring

        # the lockout lifted (as after the wait), then the right password
        with keyring._locked(ctx.paths.data_dir):
            data = keyring._read(ctx.paths.data_dir)
            data["locked_until"], data["failures"] = None, 0
            keyring._write(keyring.path_for(ctx.paths.data_dir), data)
        dlg.password.setText(PASSWORD)
        ticker.start()
        dlg.try_unlock()
        seen["returned"] = "busy" if dlg.busy else "done"  # try_unlock returns at once
        seen["start"] = len(seen["ticks"])

    QTimer.singleShot(0, answer)
    watcher.lock_now()  # the lock screen, modal until unlocked
    ticker.stop()
    assert seen["name"] == "lockScreen" and seen["covers"]
    assert "刘晓燕" in seen["who"] and "HY-QL01" in seen["who"]
    assert "密码错误次数过多" in seen["lockout"]
    assert seen["returned"] == "busy"
    # the UI thread went on ticking while Argon2id ran (it takes far longer than 3 ticks)
    assert len(seen["ticks"]) - seen["start"] >= 3, seen
    assert win.centralWidget().isVisible() and not win.property("locked")
    watcher.stop()
    win.tasks.shutdown()
    ctx.close()


@OFFSCREEN_DIALOG
def test_start_up_asks_on_the_lock_screen(qtbot: Any, tmp_path: Path) -> None:
    """An encrypted desk starts on the lock screen (never a small Qt prompt): it names the
    desk and worker, refuses a wrong password with the keyring's message, and opens the
    desk — Argon2id and the store's opening on a worker thread."""
    from desk.ui import lock
    from desk.ui import main as ui_main

    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data), password=PASSWORD)
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    ctx.close()
    seen: dict[str, Any] = {"ticks": 0}
    ticker = QTimer()
    ticker.setInterval(5)

    def tick() -> None:
        seen["ticks"] += 1

    ticker.timeout.connect(tick)

    def answer() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, lock.UnlockDialog):
            QTimer.singleShot(20, answer)
            return
        seen["who"] = dlg.who.text()
        seen["quit"] = dlg.quit_button is not None
        dlg.password.setText("wrong-pass")
        dlg.try_unlock()
        QTimer.singleShot(0, lambda: then(dlg))

    def then(dlg: Any) -> None:
        if dlg.busy:
            QTimer.singleShot(10, lambda: then(dlg))
            return
        seen["error"] = dlg.error.text()
        dlg.password.setText(PASSWORD)
        ticker.start()
        dlg.try_unlock()
        seen["start"] = seen["ticks"]

    QTimer.singleShot(0, answer)
    opened = ui_main.open_desk(str(data))
    ticker.stop()
    assert opened is not None and opened.store.key is not None
    assert "刘晓燕" in seen["who"] and "HY-QL01" in seen["who"] and seen["quit"]
    assert "密码不正确" in seen["error"]
    assert seen["ticks"] - seen["start"] >= 3, seen
    opened.close()


@OFFSCREEN_DIALOG
@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
@pytest.mark.parametrize("width", [1366, 800, 640])
def test_lock_screen_shows_every_wrapped_line(qtbot: Any, large: bool, width: int) -> None:
    """The card's own size hint measured its wrapped labels one line wide: in 长辈 mode, on
    a narrow screen and after a wrong password the prompt was clipped to half lines."""
    from PySide6.QtWidgets import QLabel

    from desk.ui import style
    from desk.ui.lock import UnlockDialog

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    style.apply(app, large, False)
    try:
        dlg = UnlockDialog(lambda _s: "密码不正确，还可以再试 4 次", None,
                           who="七里一村社区流动办事点（HY-QL01）· 经办人：刘晓燕")
        qtbot.addWidget(dlg)
        dlg.resize(width, 700)
        dlg.show()
        qtbot.waitExposed(dlg)

        def clipped() -> list[tuple[str, int, int]]:
            return [(lbl.text()[:8], lbl.height(), lbl.heightForWidth(lbl.width()))
                    for lbl in dlg.findChildren(QLabel)
                    if lbl.isVisible() and lbl.wordWrap()
                    and lbl.height() < lbl.heightForWidth(lbl.width())]

        assert clipped() == []
        dlg.password.setText("wrong")
        dlg.try_unlock()
        qtbot.waitUntil(lambda: not dlg.busy and dlg.error.text().startswith("密码不正确"),
                        timeout=20_000)
        qtbot.waitUntil(lambda: clipped() == [], timeout=5_000)
        assert dlg.card.width() <= width
    finally:
        style.apply(app, False, False)
