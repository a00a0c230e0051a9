"""Enter never destroys work: the leave-form question defaults to staying."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

pytestmark = [pytest.mark.timeout(120),
              pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")]


def _answer(qtbot: Any, key: Qt.Key, seen: list[str]) -> QTimer:
    """When the question shows, note its default button and press ``key`` in it (where
    the focus is, as a worker's keyboard does); a box the key did not close is closed
    after noting it, so a wrong answer fails the test instead of hanging it."""

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            return
        default = box.defaultButton()
        seen.append(default.text() if default is not None else "")
        timer.stop()
        qtbot.keyClick(box.focusWidget() or box, key)
        if box.isVisible():
            seen.append("still open")
            box.reject()

    timer = QTimer()  # polls until the question shows (kept by the caller)
    timer.setInterval(20)
    timer.timeout.connect(press)
    timer.start()
    return timer


@contextmanager
def real_confirm(win: Any) -> Iterator[None]:
    """The real question (the ``win`` fixture answers yes without one); afterwards the
    fixture's answer again — pytest-qt closes the window before fixtures end, and a dirty
    form would ask then."""
    win.dialogs.leave = None
    try:
        yield
    finally:
        win.dialogs.leave = True


def _half_filled(qtbot: Any, win: Any, driver: Any) -> Any:
    win.start_form("MZ-GLJT")
    driver.type("applicant_name", "王桂兰")
    qtbot.waitUntil(lambda: win.form.dirty)
    return win.form


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape])
def test_enter_or_esc_on_leave_question_stays_on_the_form(qtbot: Any, win: Any,
                                                          driver: Any, key: Qt.Key) -> None:
    form = _half_filled(qtbot, win, driver)
    seen: list[str] = []
    timer = _answer(qtbot, key, seen)
    with real_confirm(win):
        win.go_cases()
    timer.stop()
    assert seen == ["留在此页"]
    assert win.form is form and win.stack.currentWidget() is form
    assert form.form.values()["applicant_name"] == "王桂兰"
    assert win.nav_buttons["home"].isChecked()


def test_leaving_takes_the_leave_button(qtbot: Any, win: Any, driver: Any) -> None:
    _half_filled(qtbot, win, driver)

    def click_leave() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            return
        timer.stop()
        leave = next(b for b in box.buttons() if b.text() == "离开，不保存")
        qtbot.mouseClick(leave, Qt.MouseButton.LeftButton)

    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(click_leave)
    timer.start()
    with real_confirm(win):
        win.go_cases()
    timer.stop()
    assert win.form is None
    assert win.stack.currentWidget() is win.page("cases")
