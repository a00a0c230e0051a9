"""The window's parts: lazy case model, background helper, settings, look, language."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PySide6.QtCore import Qt

pytestmark = pytest.mark.timeout(120)


def _bulk(ctx: Any, n: int) -> None:
    """``n`` cases in one transaction (fast), built the way the case service builds them."""
    from datetime import date

    from forms.engine import validate

    item = ctx.catalog.get("MZ-GLJT")
    result = validate(item, dict(item.example), today=date.today())
    rows = [ctx.cases.build_case(item, result, ctx.actor(), date.today()) for _ in range(n)]
    ctx.store.bulk_insert_cases(rows, "test")


def test_case_model_fetches_pages_lazily(qtbot: Any, win: Any) -> None:
    from desk.ui.cases import PAGE

    _bulk(win.ctx, PAGE * 2 + 50)
    win.go_cases()
    page = win.page("cases")
    model = page.model
    qtbot.waitUntil(lambda: model.rowCount() == PAGE)
    assert model.total == PAGE * 2 + 50
    assert model.canFetchMore()
    model.fetchMore()
    assert not model.canFetchMore()  # one request in flight at a time
    qtbot.waitUntil(lambda: model.rowCount() == PAGE * 2)
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == PAGE * 2 + 50)
    assert not model.canFetchMore()
    assert "共 450 件" in page.count.text()
    # scrolling the view is what asks for more
    page.search.setText("")
    page.apply_filters()
    qtbot.waitUntil(lambda: model.rowCount() == PAGE)
    page.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() > PAGE)


def test_stale_answers_are_dropped(qtbot: Any, win: Any) -> None:
    """A search answered after the worker already changed the filter must not reach the
    list: the answers arrive in order, so the stale one comes first — and without the
    generation check its rows would be inserted (and ``loaded`` emitted) before the fresh
    ones replace them without a reset, a model the view cannot trust."""
    _bulk(win.ctx, 30)
    win.go_cases()
    page = win.page("cases")
    model = page.model
    qtbot.waitUntil(lambda: not win.tasks.busy and model.rowCount() == 30)
    receipt = model.rows[0]["receipt_no"]
    inserted: list[tuple[int, int]] = []
    loads: list[int] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.loaded.connect(lambda: loads.append(model.rowCount()))
    model.set_filters(search=receipt)  # one row: answered, but stale by then
    model.set_filters()                # the worker cleared the search: 30 rows
    qtbot.waitUntil(lambda: not win.tasks.busy and bool(loads))
    assert inserted == [(0, 29)]
    # the page, then its total (counted as its own task): never the stale one-row answer
    assert loads and set(loads) == {30}
    assert model.rowCount() == 30 and len({r["uuid"] for r in model.rows}) == 30


def test_task_manager_reports_results_and_errors(qtbot: Any) -> None:
    from desk.ui.tasks import TaskManager

    tm = TaskManager()
    got: list[Any] = []
    tm.run(lambda: 6 * 7, on_done=got.append)
    tm.run(lambda: 1 / 0, on_error=lambda e: got.append(type(e).__name__))
    tm.run(lambda report: (report(1), report(2), "done")[-1], on_done=got.append,
           on_progress=lambda p: got.append(("p", p)))
    with qtbot.waitSignal(tm.error) as blocker:
        tm.run(lambda: [][1])
    qtbot.waitUntil(lambda: not tm.busy)
    assert got == [42, "ZeroDivisionError", ("p", 1), ("p", 2), "done"]
    assert isinstance(blocker.args[0], IndexError)
    tm.shutdown()


def test_first_run_dialog_checks_desk_code(qtbot: Any, desk: Any) -> None:
    from desk.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(desk.settings, first_run=True)
    qtbot.addWidget(dlg)
    dlg.edits["desk_code"].setText("bad code")
    dlg.edits["worker_name"].setText("")
    dlg.try_accept()
    assert dlg.result_settings is None
    assert not dlg.errors["desk_code"].isHidden()
    assert not dlg.errors["worker_name"].isHidden()
    dlg.edits["desk_code"].setText("hy-ql02")
    dlg.edits["worker_name"].setText("王芳")
    dlg.large.setChecked(True)
    dlg.try_accept()
    assert dlg.result_settings is not None
    assert dlg.result_settings.desk_code == "HY-QL02"
    assert dlg.result_settings.large_font is True


def test_large_font_mode_and_contrast(qtbot: Any, win: Any) -> None:
    from PySide6.QtWidgets import QApplication

    from desk.core import settings as settings_mod
    from desk.ui import style

    app = QApplication.instance()
    assert "font-size: 15px" in app.styleSheet()
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert win.large_button.isChecked()
    assert "font-size: 21px" in app.styleSheet()
    assert "min-height: 60px" in app.styleSheet()  # ≥ 60 px targets in 长辈 mode
    saved = settings_mod.load(win.ctx.paths.settings)
    assert saved.large_font is True
    assert "#000000" in style.stylesheet(False, True)
    win.large_button.click()
    assert "font-size: 15px" in app.styleSheet()


def test_controls_have_accessible_names(qtbot: Any, win: Any) -> None:
    from PySide6.QtWidgets import QAbstractButton, QLineEdit

    win.start_form("MZ-DB")
    for w in win.findChildren(QLineEdit) + win.findChildren(QAbstractButton):
        if w.isVisibleTo(win) and not isinstance(w.parent(), QLineEdit):
            assert w.accessibleName() or w.text(), w


def test_english_translation_loads(qtbot: Any) -> None:
    from PySide6.QtWidgets import QApplication

    from desk.ui import style
    from desk.ui.text import status_label, tr

    app = QApplication.instance()
    try:
        assert style.install_language(app, "en")
        assert tr("办理什么事项？") == "Which service?"
        assert status_label("deferred") == "Accepted, materials deferred"
    finally:
        style.install_language(app, "zh_CN")
    assert tr("办理什么事项？") == "办理什么事项？"


def test_keyboard_enter_moves_on_and_ctrl_s_validates(qtbot: Any, win: Any) -> None:
    win.start_form("MZ-GLJT")
    page = win.form
    name = page.form.editor("applicant_name").edit
    name.setFocus()
    qtbot.waitUntil(name.hasFocus)
    qtbot.keyClick(name, Qt.Key.Key_Return)
    assert page.form.editor("applicant_id").edit.hasFocus()
    qtbot.keyClick(win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "处需要修改" in page.summary.text()
    assert name.hasFocus()  # the first field with a problem
    assert win.ctx.store.search.count_cases() == 0


def test_reprint_from_detail_shows_document(qtbot: Any, win: Any) -> None:
    ctx = win.ctx
    case = ctx.cases.submit("MZ-GLJT", dict(ctx.catalog.get("MZ-GLJT").example), ctx.actor())
    win.show_case(case["uuid"])
    detail = win.page("detail")
    qtbot.waitUntil(lambda: detail.case is not None)
    qtbot.keyClick(win, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    receipt = win.page("receipt")
    assert win.stack.currentWidget() is receipt
    assert "重新打印" in receipt.banner.text()
    panel = receipt.panel
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=20000)
    # the PDF from desk.core.receipts, or the saved summary when it is not there
    assert panel.preview.pdf_bytes or case["receipt_no"] in panel.preview.text.toPlainText()
    data = json.loads(ctx.store.get_case(case["uuid"])["data_json"])
    assert data["fields"]["applicant_name"] == "王桂兰"


def test_rating_failure_names_what_failed_once(qtbot: Any, win: Any) -> None:
    """A store error already says what was not done ("磁盘空间已满，评价未保存。…"): the
    rating page shows it as it is, not "评价未保存：磁盘空间已满，评价未保存。"."""
    from desk.core.errors import StoreError, translate_sqlite

    rating = win.page("rating")
    full = translate_sqlite(OSError("database or disk is full"), "评价未保存")
    assert isinstance(full, StoreError)
    rating._failed(full)
    assert rating.message.text().count("评价未保存") == 1, rating.message.text()
    assert "磁盘空间已满" in rating.message.text()
    rating._failed(RuntimeError("boom"))  # anything else: what failed, never the bug's text
    assert "评价未保存" in rating.message.text() and "boom" not in rating.message.text()


def test_an_enrolled_desk_cannot_edit_its_code_in_settings(qtbot: Any, desk: Any) -> None:
    """The district's code is the desk's identity: 设置 shows it read-only with the way to
    change it (a new enrollment), as ``setup`` refuses it on the command line."""
    from desk.ui.settings_dialog import SettingsDialog

    desk.store.set_meta_many({"desk_id": "desk-1", "district_desk_code": "HY-QL07"})
    dlg = SettingsDialog(desk.settings, enrolled_code="HY-QL07")
    qtbot.addWidget(dlg)
    code = dlg.edits["desk_code"]
    assert code.text() == "HY-QL07" and code.isReadOnly()
    assert dlg.enrolled_note is not None and "HY-QL07" in dlg.enrolled_note.text()
    dlg.try_accept()
    assert dlg.result_settings is not None and dlg.result_settings.desk_code == "HY-QL07"
    plain = SettingsDialog(desk.settings)  # not enrolled: editable as before
    qtbot.addWidget(plain)
    assert not plain.edits["desk_code"].isReadOnly() and plain.enrolled_note is None


def test_the_window_opens_settings_with_the_enrolled_code(qtbot: Any, win: Any,
                                                         monkeypatch: Any) -> None:
    from desk.ui import settings_dialog

    win.ctx.store.set_meta_many({"desk_id": "desk-1", "district_desk_code": "HY-QL07"})
    seen: list[Any] = []
    monkeypatch.setattr(settings_dialog.SettingsDialog, "exec",
                        lambda self: seen.append(self) or 0)
    win.open_settings()
    assert seen and seen[0].edits["desk_code"].isReadOnly()
    assert seen[0].edits["desk_code"].text() == "HY-QL07"
