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
