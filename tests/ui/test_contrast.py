"""Issue 14 item 6: every text is readable against what is painted behind it — 4.5:1 (3:1
for large text) — in the normal and the high-contrast theme, page by page: labels,
buttons, fields, list and table cells (the cases list's status words), table headers and
rich text (the notice's materials table, the case detail, the banners)."""

from __future__ import annotations

from typing import Any

import pytest
from answers import Answers
from ui_checks import contrast_problems, pages, seed, settle


@pytest.mark.parametrize("theme", ["normal", "contrast"])
def test_every_text_meets_contrast(qtbot: Any, desk: Any, theme: str) -> None:
    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    app = make_app()
    desk.settings.high_contrast = theme == "contrast"
    style.apply(app, False, theme == "contrast")
    cases = seed(desk)
    win = MainWindow(desk, dialogs=Answers())
    qtbot.addWidget(win)
    win.resize(1366, 696)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=20_000)
    problems: list[str] = []
    try:
        for where in pages(win, qtbot, cases):
            settle(app)
            problems += contrast_problems(win, where)
    finally:
        win.tasks.shutdown()
    assert not problems, "\n".join(dict.fromkeys(problems))


def _mean_lightness(image: Any) -> float:
    """The mean lightness (0–1) of a grabbed widget, sampled on a grid."""
    w, h = image.width(), image.height()
    samples = [image.pixelColor(x, y).lightnessF() for x in range(2, w - 2, max(1, w // 40))
               for y in range(2, h - 2, max(1, h // 10))]
    return sum(samples) / len(samples)


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_high_contrast_keeps_a_disabled_field_and_primary_button_dark(qtbot: Any) -> None:
    """While the lock screen checks a password its field and 解锁 button are disabled; in
    the high-contrast theme they stay black with a dashed outline, not the normal theme's
    light grey and pale blue boxes (contrast.qss had no rule for either)."""
    import threading

    from PySide6.QtWidgets import QApplication

    from desk.ui import style
    from desk.ui.lock import UnlockDialog

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    style.apply(app, False, True, lock_screen=True)
    release = threading.Event()

    def check(secret: str) -> str | None:
        release.wait(20)
        return "密码不正确"

    dlg = UnlockDialog(check, None, who="HY-QL01 · 刘晓燕", intro="请输入工作人员密码：")
    qtbot.addWidget(dlg)
    dlg.resize(1366, 768)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.password.setText("wrong-pass")
    dlg.try_unlock()
    try:
        assert not dlg.password.isEnabled() and not dlg.ok.isEnabled()
        for widget in (dlg.password, dlg.ok):
            assert _mean_lightness(widget.grab().toImage()) < 0.3, widget.objectName()
    finally:
        release.set()
        qtbot.waitUntil(lambda: not dlg.busy)
