"""The PIN in the window: the sync page registers it with a real district server, and the
lock screen takes it (asking the district for the key share) as well as the password."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from sync_helpers import District, enroll

from desk.core import keyring
from desk.core.app import DeskContext

PASSWORD = "qiliyi-2026"
PIN = "470913"
OFFSCREEN_DIALOG = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@OFFSCREEN_DIALOG
def test_set_pin_on_sync_page_then_unlock_with_it(qtbot: Any, tmp_path: Path,
                                                  district: District) -> None:
    from desk.ui import lock
    from desk.ui.window import MainWindow

    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data), password=PASSWORD)
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    enroll(district, ctx)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    watcher = lock.install(win, ctx)
    assert watcher is not None
    win.show()
    qtbot.waitExposed(win)
    win.go_sync()
    page = win.page("sync")
    qtbot.waitUntil(lambda: page.pin_card.isVisible(), timeout=10_000)
    assert "未设置" in page.pin_state.text()

    page.pin_edit.setText("123456")  # too simple: refused before any network
    page.set_pin()
    assert "过于简单" in page.progress_text.text()
    assert not keyring.has_pin(data)

    page.pin_edit.setText(PIN)
    page.pin_button.click()
    qtbot.waitUntil(lambda: page.progress_text.text() == "PIN 已设置", timeout=20_000)
    qtbot.waitUntil(lambda: "已设置" in page.pin_state.text() and page.pin_remove.isVisible(),
                    timeout=10_000)
    assert keyring.has_pin(data)

    events: list[str] = []

    def answer() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, lock.UnlockDialog):
            QTimer.singleShot(20, answer)
            return
        dlg.password.setText("902614")
        dlg.try_unlock()  # a PIN: checked with the district off the UI thread
        events.append("waiting" if dlg.busy and not dlg.password.isEnabled() else "sync")
        after_wrong(dlg)

    def after_wrong(dlg: Any) -> None:
        if dlg.busy:
            QTimer.singleShot(20, lambda: after_wrong(dlg))
            return
        events.append(dlg.error.text())
        dlg.password.setText(PIN)
        dlg.try_unlock()

    QTimer.singleShot(0, answer)
    watcher.lock_now()
    qtbot.waitUntil(lambda: len(events) == 2 and not win.property("locked"), timeout=20_000)
    assert events[0] == "waiting" and "PIN 不正确" in events[1]
    watcher.stop()
    win.tasks.shutdown()
    ctx.close()
