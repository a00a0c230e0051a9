"""Keyboard and the cases list: Enter activates the focused button, choice or checkbox;
Enter in the cases search opens the first result; a field in error still shows focus; the
受理编号 column fits its numbers; "向下滚动加载更多" only when more rows exist; the history
names who acted in words."""

from __future__ import annotations

from typing import Any

import pytest
from answers import Answers
from PySide6.QtCore import Qt

pytestmark = pytest.mark.timeout(120)


def _enter(qtbot: Any, w: Any) -> None:
    w.setFocus()
    qtbot.waitUntil(w.hasFocus)
    qtbot.keyClick(w.focusProxy() or w, Qt.Key.Key_Return)  # where the key really goes


def test_enter_activates_focused_button_chip_and_checkbox(qtbot: Any, win: Any) -> None:
    win.start_form("MZ-GLJT")
    page = win.form
    # a choice (chip) and a checkbox
    chip, value = page.form.editor("living_alone").buttons[0]
    _enter(qtbot, chip)
    assert chip.isChecked()
    assert page.form.values()["living_alone"] == value
    row = page.materials.rows[0]
    _enter(qtbot, row.box)
    assert row.box.isChecked()
    # 全部已收
    _enter(qtbot, page.materials.all_button)
    assert all(r.box.isChecked() for r in page.materials.rows if not r.isHidden())
    # 请居民评价 → on the receipt page
    ctx = win.ctx
    saved = ctx.cases.submit("MZ-GLJT", dict(ctx.catalog.get("MZ-GLJT").example), ctx.actor())
    win.show_receipt(saved, fresh=True)
    receipt = win.page("receipt")
    _enter(qtbot, receipt.rate_button)
    assert win.stack.currentWidget() is win.page("rating")


def test_enter_on_sync_page_register_button_acts(qtbot: Any, win: Any) -> None:
    win.go_sync()
    page = win.page("sync")
    qtbot.waitUntil(lambda: page.enroll_card.isVisible(), timeout=10_000)
    page.progress_text.clear()
    _enter(qtbot, page.enroll_button)  # nothing typed: it says what is missing
    assert page.progress_text.text() == "请填写服务器地址和注册码"


def test_enter_in_cases_search_opens_first_result(qtbot: Any, win: Any) -> None:
    ctx = win.ctx
    base = dict(ctx.catalog.get("MZ-GLJT").example)
    ctx.cases.submit("MZ-GLJT", dict(base, applicant_name="王桂兰"), ctx.actor())
    zhao = ctx.cases.submit("MZ-GLJT", dict(base, applicant_name="赵德明",
                                              applicant_id="420105194302020028"), ctx.actor())
    win.go_cases()
    page = win.page("cases")
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    page.search.setFocus()
    qtbot.keyClicks(page.search, "zdm")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)  # at once, before the debounce runs
    detail = win.page("detail")
    qtbot.waitUntil(lambda: win.stack.currentWidget() is detail, timeout=10_000)
    qtbot.waitUntil(lambda: detail.case is not None and detail.case["uuid"] == zhao["uuid"])


def test_field_in_error_still_shows_focus(qtbot: Any, win: Any, driver: Any) -> None:
    win.start_form("MZ-GLJT")
    driver.type("applicant_id", "420105194501010018")  # wrong check digit
    other = win.form.form.editor("applicant_name").edit
    other.setFocus()
    driver.settle()
    qtbot.waitUntil(lambda: win.form.form.editor("applicant_id").edit.property("invalid"))
    edit = win.form.form.editor("applicant_id").edit

    def border() -> Any:
        return edit.grab().toImage().pixelColor(1, edit.height() // 2).name()

    qtbot.waitUntil(lambda: not edit.hasFocus())
    unfocused = border()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    assert edit.property("invalid")
    assert border() != unfocused  # the focus ring shows on a red field too


def test_cases_list_column_count_and_history_words(qtbot: Any, tmp_path: Any) -> None:
    from desk.core.app import DeskContext
    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    ctx = DeskContext.open(str(tmp_path / "desk"))
    ctx.settings.desk_code = "ABCD-QL01WXYZ"  # the longest desk code the rule allows
    ctx.settings.worker_name = "刘晓燕"
    ctx.save_settings()
    win = MainWindow(ctx, dialogs=Answers())
    style.apply(make_app(), False, False)
    qtbot.addWidget(win)
    win.show()
    try:
        saved = ctx.cases.submit("MZ-GLJT", dict(ctx.catalog.get("MZ-GLJT").example),
                                 ctx.actor())
        ctx.cases.rate(saved["uuid"], 5, "")
        win.go_cases()
        page = win.page("cases")
        qtbot.waitUntil(lambda: page.model.rowCount() == 1 and not page.model.loading)
        no = saved["receipt_no"]
        assert no.startswith("ABCD-QL01WXYZ-")
        need = page.table.fontMetrics().horizontalAdvance(no)
        qtbot.waitUntil(lambda: page.table.columnWidth(0) > need)
        # one case, all shown: no promise of more
        assert "共 1 件" in page.count.text()
        assert "加载更多" not in page.count.text()
        # the history in words
        win.show_case(saved["uuid"])
        detail = win.page("detail")
        qtbot.waitUntil(lambda: detail.case is not None and "居民" in
                        detail.history.toPlainText())
        text = detail.history.toPlainText()
        assert "resident" not in text
        assert "工作人员 刘晓燕" in text
    finally:
        win.tasks.shutdown()
        ctx.close()


def test_load_more_shown_only_when_more_rows_exist(qtbot: Any, win: Any) -> None:
    from sync_helpers import bulk_cases

    from desk.ui.cases import PAGE

    bulk_cases(win.ctx, PAGE + 5)
    win.go_cases()
    page = win.page("cases")
    qtbot.waitUntil(lambda: page.model.rowCount() == PAGE and not page.model.loading)
    assert "向下滚动加载更多" in page.count.text()
    page.table.scrollToBottom()
    qtbot.waitUntil(lambda: page.model.rowCount() == PAGE + 5, timeout=10_000)
    qtbot.waitUntil(lambda: "向下滚动加载更多" not in page.count.text())
    assert f"共 {PAGE + 5:,} 件" in page.count.text()
