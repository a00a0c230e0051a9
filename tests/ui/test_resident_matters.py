"""Issue 15 on the resident page (issue 23): a resident's matters listed beside their cases
— not an anonymous matter, nor another resident's — and each opens in the matter detail."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desk.core.matters import MatterService


def test_a_residents_matters_are_listed_and_open(qtbot: Any, win: Any) -> None:
    ctx = win.ctx
    db = dict(ctx.catalog.get("MZ-DB").example)
    pid = db["applicant_id"]
    low = ctx.cases.submit("MZ-DB", db, ctx.actor())
    svc = MatterService(ctx.store)
    theirs = svc.record({"category": "投诉", "subcategory": "漏水", "description": "楼上漏水",
                         "resident": {"name": db["applicant_name"], "id_number": pid}},
                        ctx.actor())
    svc.record({"category": "咨询", "description": "匿名咨询低保政策"}, ctx.actor())  # anonymous
    win.show_case(low["uuid"])
    detail = win.page("detail")
    qtbot.waitUntil(lambda: detail.case is not None, timeout=20_000)
    qtbot.mouseClick(detail.resident_button, Qt.MouseButton.LeftButton)
    page = win.page("resident")
    qtbot.waitUntil(lambda: page.view is not None and page.matters.count() == 1,
                    timeout=20_000)
    qtbot.waitUntil(page.matters.isVisible, timeout=10_000)
    assert page.matters_label.text() == "民情诉求（1 件）"
    item = page.matters.item(0)
    assert theirs["matter_no"] in item.text() and "投诉·漏水" in item.text()
    assert "办理中" in item.text()
    assert page.table.rowCount() == 1  # the case beside it
    page.matters.setCurrentItem(item)
    page.matters.setFocus()
    qtbot.keyClick(page.matters, Qt.Key.Key_Return)
    matter_page = win.matters.screens.detail
    qtbot.waitUntil(lambda: matter_page.matter is not None
                    and matter_page.matter["uuid"] == theirs["uuid"], timeout=20_000)
    assert win.stack.currentWidget() is matter_page


def test_a_resident_without_matters_shows_no_matter_list(qtbot: Any, win: Any) -> None:
    ctx = win.ctx
    db = dict(ctx.catalog.get("MZ-DB").example)
    low = ctx.cases.submit("MZ-DB", db, ctx.actor())
    MatterService(ctx.store).record({"category": "咨询", "description": "匿名咨询"},
                                    ctx.actor())
    win.show_case(low["uuid"])
    detail = win.page("detail")
    qtbot.waitUntil(lambda: detail.case is not None, timeout=20_000)
    qtbot.mouseClick(detail.resident_button, Qt.MouseButton.LeftButton)
    page = win.page("resident")
    qtbot.waitUntil(lambda: page.view is not None and page.table.rowCount() == 1,
                    timeout=20_000)
    assert page.matters.count() == 0
    assert not page.matters.isVisible() and not page.matters_label.isVisible()
