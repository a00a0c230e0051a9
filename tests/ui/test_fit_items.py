"""Issue 16 (82 items): every item of the shipped catalog — its long names, labels and
choices included — fits the smallest laptop screen (1024×640): its 一次性告知 page and its
form, filled with the item's worked example. test_fit.py walks every page with two items
(in both modes); this walks every item in both modes. 长辈 mode is what found the long
materials (now wrapping beside their tick), the long multi-choice chips (now wrapping
buttons) and the cut ID/date hints (now the longest hint that fits)."""

from __future__ import annotations

from typing import Any

import pytest
from answers import Answers
from PySide6.QtCore import QCoreApplication, QEvent, QRect
from ui_checks import clipped, settle

# the 1024×640 screen less a 40 px task bar, as in test_fit.py
AVAIL = QRect(0, 0, 1024, 600)


# the offscreen platform's note when a page resizes the window (as in test_fit.py)
@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
# (high contrast's borders are wider: 长辈 mode in it, Noto CJK, scrolled a form by 2 px)
@pytest.mark.parametrize(("large", "contrast"), [(False, False), (True, False), (True, True)],
                         ids=["normal", "长辈", "长辈·高对比"])
def test_every_item_notice_and_form_fit(qtbot: Any, desk: Any, large: bool, contrast: bool,
                                        cjk_font: str) -> None:
    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    app = make_app()
    desk.settings.large_font = large
    style.apply(app, large, contrast)
    win = MainWindow(desk, dialogs=Answers())
    qtbot.addWidget(win)
    win.fit_screen(AVAIL)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=20_000)
    problems: list[str] = []
    codes = [it.code for it in win.ctx.catalog.items]
    assert len(codes) >= 82

    def look(where: str) -> None:
        settle(app)
        problems.extend(f"{where}: {p}" for p in clipped(win))
        need = win.centralWidget().minimumSizeHint()
        have = win.centralWidget().size()
        if need.width() > have.width() or need.height() > have.height():
            problems.append(f"{where}: needs {need.width()}x{need.height()}, window gives "
                            f"{have.width()}x{have.height()}")

    try:
        for code in codes:
            win.open_notice(code)
            look(f"告知 {code}")
            win.start_form(code)
            ex = win.ctx.catalog.get(code).example
            win.form.form.set_values({k: v for k, v in ex.items() if k != "materials"})
            win.form.refresh()
            look(f"表单 {code}")  # every field is measured, the ones scrolled out of sight too
            win._drop_form()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    finally:
        win.tasks.shutdown()
    assert not problems, "\n".join(problems)
