"""The rating screen belongs to the resident: the worker's navigation (side bar and its
shortcuts) is hidden until the rating is given or the worker takes the desk back."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

pytestmark = pytest.mark.timeout(120)


def _rating_screen(qtbot: Any, win: Any) -> tuple[Any, dict[str, Any]]:
    ctx = win.ctx
    saved = ctx.cases.submit("MZ-GLJT", dict(ctx.catalog.get("MZ-GLJT").example), ctx.actor())
    win.show_receipt(saved, fresh=True)
    receipt = win.page("receipt")
    qtbot.mouseClick(receipt.rate_button, Qt.MouseButton.LeftButton)
    rating = win.page("rating")
    assert win.stack.currentWidget() is rating
    return rating, saved


def test_navigation_hidden_while_the_resident_rates(qtbot: Any, win: Any) -> None:
    rating, saved = _rating_screen(qtbot, win)
    assert not win.rail.isVisible()
    assert not win.nav_buttons["cases"].isVisible()
    # the worker's shortcuts do nothing either
    qtbot.keyClick(win, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(win, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(win, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(win, Qt.Key.Key_Escape)
    assert win.stack.currentWidget() is rating
    # the rating given: the desk is the worker's again
    qtbot.mouseClick(rating.buttons[5], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(rating.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.ctx.store.get_case(saved["uuid"])["rating"] == 5)
    qtbot.waitUntil(win.rail.isVisible)
    qtbot.keyClick(win, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert win.stack.currentWidget() is win.page("cases")


def test_worker_takes_the_desk_back(qtbot: Any, win: Any) -> None:
    rating, saved = _rating_screen(qtbot, win)
    assert not win.rail.isVisible()
    qtbot.mouseClick(rating.skip, Qt.MouseButton.LeftButton)  # 暂不评价
    assert win.stack.currentWidget() is win.home
    assert win.rail.isVisible()
    assert win.ctx.store.get_case(saved["uuid"])["rating"] is None
