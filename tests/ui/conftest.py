"""Fixtures for driving the real desk window offscreen (pytest-qt)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from answers import Answers
from sync_helpers import District

# The Chinese UI fonts the layout tests measure with, each alone: the desk asks for the
# first of desk.ui.style.PREFERRED_FAMILIES a system has — Noto Sans CJK (Debian's, with
# Source Han Sans' metrics: lines a fifth taller than WenQuanYi's, its widest glyph 3 em)
# on most Linux desktops, WenQuanYi Micro Hei on others. .ci/run installs both.
CJK_FONTS = {"noto": "Noto Sans CJK SC", "wqy": "WenQuanYi Micro Hei"}


@pytest.fixture(params=list(CJK_FONTS))
def cjk_font(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The window's Chinese font for this test (the family ``style.apply`` asks for)."""
    from PySide6.QtGui import QFontDatabase

    from desk.ui import style
    from desk.ui.main import make_app

    make_app()  # (the font database needs the application)
    family = CJK_FONTS[request.param]
    if family not in QFontDatabase.families():
        pytest.fail(f"font {family!r} is not installed: .ci/run installs fonts-noto-cjk "
                    "and fonts-wqy-microhei")
    monkeypatch.setattr(style, "PREFERRED_FAMILIES", (family,))
    return family


@pytest.fixture
def district(tmp_path: Path) -> Iterator[District]:
    """A real district server (SQLite) on a free loopback port."""
    d = District(f"sqlite:///{tmp_path / 'district.sqlite3'}")
    try:
        yield d
    finally:
        d.stop()


@pytest.fixture
def win(qtbot: Any, desk: Any) -> Iterator[Any]:
    """The main window over a configured, empty desk."""
    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    app = make_app()
    style.apply(app, False, False)
    w = MainWindow(desk, dialogs=Answers())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: not w.tasks.busy)
    yield w
    w.tasks.shutdown()


class FormDriver:
    """Fills the form page the way a worker does: typing, clicking, ticking."""

    def __init__(self, qtbot: Any, win: Any) -> None:
        self.qtbot = qtbot
        self.win = win

    @property
    def page(self) -> Any:
        return self.win.form

    def type(self, path: str, text: str) -> None:
        """Type into a one-line field (ASCII by keystrokes; CJK via setText — keyClicks
        with CJK text kills the test process)."""
        from desk.ui.fields import AddressEditor, LineEditor, TextAreaEditor

        ed = self.page.form.editor(path)
        if isinstance(ed, LineEditor):
            ed.edit.setFocus()
            ed.edit.clear()
            if text.isascii():
                self.qtbot.keyClicks(ed.edit, text)
            else:
                ed.edit.setText(text)
        elif isinstance(ed, TextAreaEditor):
            ed.edit.setPlainText(text)
        elif isinstance(ed, AddressEditor):
            raise TypeError("use address()")
        else:
            raise TypeError(f"{path} is not a text field")

    def address(self, path: str, compound: str, building: str, unit: str, room: str) -> None:
        ed = self.page.form.editor(path)
        for key, value in (("compound", compound), ("building", building), ("unit", unit),
                           ("room", room)):
            ed.edits[key].setText(value)

    def choose(self, path: str, *values: Any) -> None:
        """Click the chip(s) or pick from the drop-down."""
        from desk.ui.fields import ChipEditor, ComboEditor

        ed = self.page.form.editor(path)
        if isinstance(ed, ChipEditor):
            for b, val in ed.buttons:
                if val in values and not b.isChecked():
                    self.qtbot.mouseClick(b, _left())
        elif isinstance(ed, ComboEditor):
            ed.combo.setCurrentIndex(ed.combo.findData(values[0]))
        else:
            raise TypeError(f"{path} is not a choice field")

    def tick(self, *names: str) -> None:
        for n in names:
            row = next(r for r in self.page.materials.rows if r.material.name == n)
            if not row.box.isChecked():
                self.qtbot.mouseClick(row.box, _left(), pos=_indicator(row.box))
            assert row.box.isChecked(), n

    def settle(self) -> None:
        """Let the debounced live validation run."""
        self.page.refresh()

    def save(self) -> dict[str, Any]:
        """Ctrl+S, then wait for the receipt page; returns the stored case."""
        from PySide6.QtCore import Qt

        self.settle()
        assert self.page.result.ok, [p.message for p in self.page.result.errors]
        self.qtbot.keyClick(self.win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        receipt = self.win.page("receipt")
        self.qtbot.waitUntil(lambda: self.win.stack.currentWidget() is receipt, timeout=30_000)
        case = receipt.case
        stored = self.win.ctx.store.get_case(case["uuid"])
        assert stored is not None
        return stored


def _indicator(box: Any) -> Any:
    """Where a checkbox's tick square is (its centre may be empty space past the text)."""
    from PySide6.QtCore import QPoint

    return QPoint(12, box.height() // 2)


def _left() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


@pytest.fixture
def driver(qtbot: Any, win: Any) -> FormDriver:
    return FormDriver(qtbot, win)
