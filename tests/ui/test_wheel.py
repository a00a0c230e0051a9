"""The mouse wheel never changes an answer: over a drop-down (or spin box, date field,
slider) that the worker has not focused, a real wheel event scrolls the form instead."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDateEdit, QSpinBox

pytestmark = pytest.mark.timeout(120)


def _wheel_over(qtbot: Any, w: Any, steps: int = -1) -> None:
    """A real wheel turn (through the window system) with the pointer over ``w``."""
    win = w.window()
    handle = win.windowHandle()
    pos = w.mapTo(win, w.rect().center())
    QTest.mouseMove(w, w.rect().center())
    QTest.wheelEvent(handle, pos.toPointF(), QPoint(0, 120 * steps))
    qtbot.wait(0)  # deliver it (no sleep: processes the queued event)


def _retire_form(qtbot: Any, win: Any) -> Any:
    win.start_form("YJS-TX")
    form = win.form.form
    ed = form.editor("retire_type")
    combo = ed.combo
    form.ensureWidgetVisible(combo, 0, 0)
    bar = form.verticalScrollBar()
    assert bar.maximum() > 0  # a form longer than the window: the wheel has a page to scroll
    bar.setValue(min(bar.maximum() // 2, bar.value()))
    qtbot.waitUntil(lambda: combo.isVisible() and not combo.visibleRegion().isEmpty())
    return form, ed, combo, bar


def test_wheel_over_an_unfocused_combo_scrolls_the_form(qtbot: Any, win: Any,
                                                        driver: Any) -> None:
    form, _ed, combo, bar = _retire_form(qtbot, win)
    driver.choose("retire_type", combo.itemData(1))
    chosen = combo.currentIndex()
    driver.settle()
    before_required = [r.material.name for r in win.form.materials.rows]
    first = form.focus_chain()[0]
    first.setFocus()  # the worker is typing elsewhere
    qtbot.waitUntil(first.hasFocus)
    start = bar.value()
    _wheel_over(qtbot, combo, -1)
    assert combo.currentIndex() == chosen
    assert form.values()["retire_type"] == combo.itemData(1)
    assert not combo.hasFocus()  # the wheel does not focus it either
    assert bar.value() > start  # the page scrolled instead
    driver.settle()
    assert [r.material.name for r in win.form.materials.rows] == before_required
    # focused on purpose (Tab or a click), the wheel is the worker's choice
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    _wheel_over(qtbot, combo, -1)
    assert combo.currentIndex() == chosen + 1


def test_spin_and_date_fields_ignore_the_wheel_unless_focused(qtbot: Any, win: Any) -> None:
    form, _ed, _combo, bar = _retire_form(qtbot, win)
    body = form.widget()
    spin, date = QSpinBox(body), QDateEdit(body)
    spin.setRange(0, 100)
    spin.setValue(50)
    date.setDate(date.minimumDate().addYears(100))
    body.layout().insertWidget(1, spin)
    body.layout().insertWidget(2, date)
    for w in (spin, date):
        qtbot.waitUntil(w.isVisible)
        bar.setValue(0)
        form.ensureWidgetVisible(w, 0, 0)
        form.focus_chain()[0].setFocus()
        value = w.text()
        _wheel_over(qtbot, w, -1)
        assert w.text() == value
