"""Issue 14 item 4 (长辈 mode): the case detail's 办理记录 column reads cleanly on a cheap
laptop's screen — who did it ("工作人员 刘晓燕") and what was done ("受理登记") each on one
line, never "工作人 / 员 刘晓 / 燕" — at 1366×768 and 1024×640, in normal and 长辈 mode,
and nothing runs off sideways."""

from __future__ import annotations

from typing import Any

import pytest
from answers import Answers
from PySide6.QtCore import QRect
from PySide6.QtGui import QTextDocument
from ui_checks import settle

SCREENS = {"1366x768": QRect(0, 0, 1366, 728), "1024x640": QRect(0, 0, 1024, 600)}


def _lines_of(doc: QTextDocument, text: str) -> list[set[int]]:
    """For each occurrence of ``text`` in ``doc``: the y positions of the layout lines its
    characters sit on (one entry when it is not broken)."""
    out = []
    cursor = doc.find(text)
    while not cursor.isNull():
        ys: set[int] = set()
        for pos in range(cursor.selectionStart(), cursor.selectionEnd()):
            block = doc.findBlock(pos)
            layout = block.layout()
            line = layout.lineForTextPosition(pos - block.position())
            assert line.isValid()
            ys.add(round(layout.position().y() + line.y()))
        out.append(ys)
        cursor = doc.find(text, cursor.selectionEnd())
    return out


@pytest.mark.parametrize("mode", ["normal", "large"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_history_names_the_worker_and_the_action_on_one_line(qtbot: Any, desk: Any,
                                                             mode: str, screen: str) -> None:
    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    app = make_app()
    desk.settings.large_font = mode == "large"
    style.apply(app, mode == "large", False)
    ex = dict(desk.catalog.get("MZ-DB").example)
    ex["materials"] = list(ex.get("materials", []))[:1]  # 补正: a 补交 entry follows
    saved = desk.cases.submit("MZ-DB", ex, desk.actor())
    missing = [m.name for m in desk.catalog.get("MZ-DB").materials if m.required
               and m.name not in ex["materials"]]
    desk.cases.supply_materials(saved["uuid"], missing[:1], desk.actor())
    desk.cases.rate(saved["uuid"], 5, "")
    win = MainWindow(desk, dialogs=Answers())
    qtbot.addWidget(win)
    win.fit_screen(SCREENS[screen])
    win.show()
    qtbot.waitExposed(win)
    try:
        win.show_case(saved["uuid"])
        detail = win.page("detail")
        qtbot.waitUntil(lambda: "居民评价" in detail.history.toPlainText(), timeout=20_000)
        settle(app)
        doc = detail.history.document()
        doc.setTextWidth(detail.history.viewport().width())
        found = {text: _lines_of(doc, text)
                 for text in ("工作人员 刘晓燕", "受理登记", "补交材料", "居民评价", "第1版",
                             "1项材料")}
        assert all(found.values()), found
        broken = {text: spans for text, spans in found.items()
                  if any(len(ys) > 1 for ys in spans)}
        assert not broken, f"split over lines in the 办理记录 column: {broken}"
        # every entry's time is one piece too, and nothing runs past the column's edge
        times = [t for t in detail.history.toPlainText().split() if t[:2] == "20"]
        assert times and all(len(ys) == 1 for t in times for ys in _lines_of(doc, t))
        assert doc.idealWidth() <= detail.history.viewport().width() + 1
        assert not detail.history.horizontalScrollBar().isVisible()
    finally:
        win.tasks.shutdown()
