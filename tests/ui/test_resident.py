"""Issue 23 on the real window: a duplicate application refused with the earlier case shown
and the item's exception chosen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from ui_checks import split_codes

from desk.ui.text import WORD_JOINER


def _fill_example(win: Any, code: str) -> None:
    ex = win.ctx.catalog.get(code).example
    win.start_form(code)
    win.form.form.set_values({k: v for k, v in ex.items() if k != "materials"})
    win.form.materials.set_received(list(ex.get("materials", [])))
    win.form.refresh()


def test_duplicate_refused_on_the_form_then_saved_as_the_allowed_exception(
        qtbot: Any, win: Any, driver: Any) -> None:
    ctx = win.ctx
    first = ctx.cases.submit("MZ-GLJT", dict(ctx.catalog.get("MZ-GLJT").example), ctx.actor())
    _fill_example(win, "MZ-GLJT")
    page = win.form
    assert not page.exception.isVisible()
    qtbot.keyClick(win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.existing_button.isVisible(), timeout=20_000)
    assert win.stack.currentWidget() is page  # not saved, the form stays with its values
    text = page.summary.text()
    assert f"受理编号 {first['receipt_no']}" in text and "受理中" in text
    assert "同一居民限申请一次" in text
    assert first["receipt_no"] in page.existing_button.text()
    assert ctx.store.search.count_cases() == 1
    # the worker chooses the exception the item allows (变更): saved, and recorded
    assert page.exception.isVisible()
    page.exception.setCurrentIndex(page.exception.findData("变更"))
    stored = driver.save()
    data = json.loads(stored["data_json"])
    assert data["duplicate_exception"]["kind"] == "变更"
    assert data["duplicate_exception"]["over"] == [first["receipt_no"]]


def test_the_earlier_case_opens_from_the_refusal(qtbot: Any, win: Any, driver: Any) -> None:
    ctx = win.ctx
    first = ctx.cases.submit("MZ-DB", dict(ctx.catalog.get("MZ-DB").example), ctx.actor())
    _fill_example(win, "MZ-DB")
    page = win.form
    qtbot.keyClick(win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.existing_button.isVisible(), timeout=20_000)
    assert not page.exception.isVisible()  # 低保 allows no exception
    qtbot.mouseClick(page.existing_button, Qt.MouseButton.LeftButton)
    detail = win.page("detail")
    qtbot.waitUntil(lambda: detail.case is not None and detail.case["uuid"] == first["uuid"],
                    timeout=20_000)


def test_resident_view_from_a_case_then_a_prefilled_application_after_consent(
        qtbot: Any, win: Any, driver: Any) -> None:
    ctx = win.ctx
    db = dict(ctx.catalog.get("MZ-DB").example)
    pid = db["applicant_id"]
    low = ctx.cases.submit("MZ-DB", db, ctx.actor())
    win.show_case(low["uuid"])
    detail = win.page("detail")
    qtbot.waitUntil(lambda: detail.case is not None, timeout=20_000)
    qtbot.mouseClick(detail.resident_button, Qt.MouseButton.LeftButton)
    page = win.page("resident")
    qtbot.waitUntil(lambda: page.view is not None and page.table.rowCount() == 1,
                    timeout=20_000)
    assert win.stack.currentWidget() is page
    assert page.table.item(0, 0).text() == low["receipt_no"]
    assert page.table.item(0, 3).text() == "受理中"
    assert pid not in page.ident.text() and pid[-4:] in page.ident.text()  # masked
    members = [page.household.itemAt(i).widget() for i in range(page.household.count())]
    members = [w for w in members if w is not None]
    names = {r["name"] for r in db["members"] if r.get("id_number") != pid}
    assert members and all(w.text().split("（")[0] in names for w in members)
    qtbot.waitUntil(lambda: all(w.isVisible() for w in members), timeout=10_000)
    # a new application for them starts here: nothing filled before the consent
    page.items.setCurrentIndex(page.items.findData("MZ-LNYD"))
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    form = win.form
    assert form is not None and form.item.code == "MZ-LNYD"
    assert form.consent.isVisible() and not form.consent.isChecked()
    assert form.form.values().get("applicant_id") in (None, "")
    from PySide6.QtCore import QPoint

    qtbot.mouseClick(form.consent, Qt.MouseButton.LeftButton,
                     pos=QPoint(12, form.consent.height() // 2))  # the tick square
    assert form.consent.isChecked()
    qtbot.waitUntil(lambda: form.form.values().get("applicant_id") == pid, timeout=20_000)
    assert "已填入此前登记的" in form.reuse_note.text()
    driver.type("applicant_phone", "13900001111")  # the resident has a new phone
    ex = ctx.catalog.get("MZ-LNYD").example
    reused = {f.key for f in ctx.catalog.get("MZ-LNYD").fields if f.reusable}
    form.form.set_values({k: v for k, v in ex.items()  # what only this item asks
                          if k != "materials" and k not in reused})
    form.materials.set_received(list(ex.get("materials", [])))
    stored = driver.save()
    data = json.loads(stored["data_json"])
    assert data["fields"]["applicant_id"] == pid
    assert data["reuse"]["consent"] is True and data["reuse"]["from"] == [low["receipt_no"]]
    assert [c["field"] for c in data["reuse"]["changed"]] == ["applicant_phone"]


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_found_residents_show_their_masked_id_and_phone_whole(qtbot: Any, desk: Any,
                                                               large: bool) -> None:
    """The search list is narrow: a resident's masked ID and phone go on a second line
    instead of running past its right edge (the phone was cut off at 1366x768)."""
    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    app = make_app()
    desk.settings.large_font = large
    style.apply(app, large, False)
    win = MainWindow(desk)
    qtbot.addWidget(win)
    win.fit_screen(QRect(0, 0, 1366, 728))
    win.show()
    qtbot.waitExposed(win)
    try:
        page = win.page("resident")
        win.stack.setCurrentWidget(page)
        rows = [{"id_number": "420105193803120037", "name": "欧阳德明",
                 "phone": "13871234567"},
                {"id_number": "42010519400101002X", "name": "赵德明", "phone": ""}]
        page._found(rows)
        qtbot.waitUntil(lambda: page.results.count() == 2, timeout=10_000)
        app.processEvents()
        view = page.results.viewport().width()
        metrics = page.results.fontMetrics()
        for i in range(page.results.count()):
            for line in page.results.item(i).text().split("\n"):
                assert metrics.horizontalAdvance(line) <= view, (line, view)
        assert "138****4567" in page.results.item(0).text()
        hint = page.search.placeholderText()
        assert page.search.fontMetrics().horizontalAdvance(hint) <= \
            page.search.width() - 24, hint  # the search box's hint is not cut
    finally:
        win.tasks.shutdown()


def _on_resident(qtbot: Any, win: Any, pid: str) -> Any:
    page = win.page("resident")
    qtbot.waitUntil(lambda: win.stack.currentWidget() is page and page.view is not None
                    and page.view.id_number == pid, timeout=20_000)
    return page


def test_resident_found_from_the_home_and_cases_searches(qtbot: Any, win: Any,
                                                         tmp_path: Any) -> None:
    """Issue 23 item 2: the resident view opens from the home page's search (an ID number
    typed, then Enter; a name or pinyin initials through 查找居民) and from the cases page's
    search (a phone tail) — not only from a case."""
    ctx = win.ctx
    ex = dict(ctx.catalog.get("MZ-GLJT").example)
    pid, phone = ex["applicant_id"], ex["applicant_phone"]
    ctx.cases.submit("MZ-GLJT", ex, ctx.actor())
    win.resize(1366, 768)
    home = win.home
    win.go_home()
    # an ID number typed (or read from the card into the box): no item has it, Enter finds
    # the resident
    home.search.setFocus()
    qtbot.keyClicks(home.search, pid)
    assert home.resident_button.isVisible() and pid in home.resident_button.text()
    button = home.resident_button
    qtbot.waitUntil(lambda: button.width() >= button.sizeHint().width(), timeout=10_000)
    shots = Path("/work/shots/resident")
    shots.mkdir(parents=True, exist_ok=True)
    assert win.grab().save(str(shots / "home-resident-search-1366x768.png"))
    qtbot.keyClick(home.search, Qt.Key.Key_Return)
    page = _on_resident(qtbot, win, pid)
    assert page.search.text() == pid and page.table.rowCount() == 1
    # the name, and the pinyin initials, through the button beside the count
    for typed in ("王桂兰", "wgl"):
        page.view = None
        win.go_home()
        home.search.setText(typed)
        assert home.resident_button.isVisible()
        qtbot.mouseClick(home.resident_button, Qt.MouseButton.LeftButton)
        _on_resident(qtbot, win, pid)
    # the cases page's search: a phone tail, then 查找居民
    page.view = None
    win.go_cases()
    cases = win.page("cases")
    cases.search.setText(phone[-4:])
    qtbot.mouseClick(cases.resident_button, Qt.MouseButton.LeftButton)
    page = _on_resident(qtbot, win, pid)
    assert page.results.count() == 1 and "王桂兰" in page.results.item(0).text()
    # nobody: the list says so, nothing opens
    win.go_home()
    home.search.setText("440300199001011234")
    qtbot.keyClick(home.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.results.count() == 1
                    and page.results.item(0).text() == "没有找到该居民", timeout=20_000)


def _pulled_duplicate(ctx: Any, case: dict[str, Any], state: str = "flagged",
                      seq: int = 1) -> None:
    """The district's ``duplicate`` change for the case, applied as a pull applies it."""
    from sync import protocol as P

    note = ("区级发现重复申请：该居民已于 2026-12-01 在永和社区流动办事点申请本事项"
            "（受理编号 HY-YH02-20261201-0003）；本事项限申请一次。请核实后告知居民")
    change = P.Change(seq=seq, kind="duplicate", case_uuid=case["uuid"], status=state,
                      note=note if state == "flagged" else "区级已核实：不属重复申请",
                      at="2026-12-02T03:00:00.000+00:00", duplicate=P.DuplicateNote(
                          state=state, other_receipt_no="HY-YH02-20261201-0003",
                          other_desk="永和社区流动办事点", other_date="2026-12-01",
                          rule="lifetime").model_dump())
    ctx.store.sync.apply_changes([change.model_dump()], str(seq))


def test_duplicate_note_on_the_case_the_cases_list_and_the_resident(
        qtbot: Any, win: Any) -> None:
    """Issue 23 item 1 on the desk: the district's note shows on the case detail, marks the
    row in the cases list and the case in the resident view; the case status is kept."""
    ctx = win.ctx
    ex = dict(ctx.catalog.get("MZ-GLJT").example)
    case = ctx.cases.submit("MZ-GLJT", ex, ctx.actor())
    other = ctx.cases.submit("MZ-DB", dict(ctx.catalog.get("MZ-DB").example), ctx.actor())
    _pulled_duplicate(ctx, case)
    assert ctx.store.get_case(case["uuid"])["status"] == case["status"]
    win.resize(1366, 768)
    win.show_case(case["uuid"])
    detail = win.page("detail")
    qtbot.waitUntil(lambda: detail.duplicates.isVisible(), timeout=20_000)
    assert "重复申请（区级待核实）" in detail.duplicates.text()
    # (each code's hyphens joined to what follows: never split across lines)
    assert "HY-YH02-20261201-0003" in detail.duplicates.text().replace(WORD_JOINER, "")
    qtbot.waitUntil(lambda: "区级重复申请提示" in detail.history.toPlainText(), timeout=20_000)
    win.show_case(other["uuid"])  # another case: no note
    qtbot.waitUntil(lambda: detail.case is not None and detail.case["uuid"] == other["uuid"],
                    timeout=20_000)
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=20_000)
    assert not detail.duplicates.isVisible()

    win.go_cases()
    cases = win.page("cases")
    qtbot.waitUntil(lambda: cases.model.rowCount() == 2, timeout=20_000)
    col = [k for k, _ in cases.model.columns].index("district_status")
    marks = {cases.model.rows[r]["uuid"]: cases.model.data(cases.model.index(r, col))
             for r in range(2)}
    assert "重复申请待核实" in marks[case["uuid"]]
    assert "重复申请待核实" not in marks[other["uuid"]]

    win.show_resident(ex["applicant_id"])
    page = _on_resident(qtbot, win, ex["applicant_id"])
    assert "重复申请待核实" in page.table.item(0, 3).text()
    assert page.duplicates.isVisible() and "永和社区流动办事点" in page.duplicates.text()
    state = page.table.item(0, 3).text()
    assert page.table.fontMetrics().horizontalAdvance(state) < page.table.columnWidth(3)
    shots = Path("/work/shots/resident")
    shots.mkdir(parents=True, exist_ok=True)
    win.resize(1366, 768)
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=20_000)
    assert win.grab().save(str(shots / "resident-duplicate-1366x768.png"))
    # the earlier case's receipt number read out whole: not "HY-" on one line and
    # "YH02-20261201-0003" on the next
    assert page.duplicates.isVisible() and split_codes(page.duplicates) == []

    # cleared by the district: the flag goes, the finding stays as information
    _pulled_duplicate(ctx, case, "cleared", seq=2)
    win.show_case(case["uuid"])
    qtbot.waitUntil(lambda: detail.duplicates.isVisible()
                    and "区级已核实非重复" in detail.duplicates.text(), timeout=20_000)
    assert ctx.store.sync.duplicate_flagged([case["uuid"]]) == set()


@pytest.fixture
def settable_clock() -> Any:
    """The desk's clock at an instant the test sets (before the desk and window exist)."""
    from datetime import datetime

    from desk.core import clock

    now = [datetime.fromisoformat("2026-12-03T23:59:59.900+08:00")]
    before = clock.current()
    clock.set_source(lambda: now[0])
    try:
        yield now
    finally:
        clock.set_source(before.source)


def test_duplicate_refused_on_the_form_across_midnight_china_time(
        settable_clock: Any, qtbot: Any, win: Any, driver: Any) -> None:
    """Issue 23 item 3 (note27: the form test once failed at 00:00 China time): the first
    application accepted at 23:59:59.9, the second tried at 00:00:00.1 the next day — still
    refused with the earlier date, then saved as the exception under the new day."""
    from datetime import datetime

    ctx = win.ctx
    first = ctx.cases.submit("MZ-GLJT", dict(ctx.catalog.get("MZ-GLJT").example), ctx.actor())
    assert first["accepted_date"] == "2026-12-03"
    settable_clock[0] = datetime.fromisoformat("2026-12-04T00:00:00.100+08:00")
    _fill_example(win, "MZ-GLJT")
    page = win.form
    qtbot.keyClick(win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.existing_button.isVisible(), timeout=20_000)
    assert "该居民已于 2026-12-03 申请本事项" in page.summary.text()
    page.exception.setCurrentIndex(page.exception.findData("变更"))
    stored = driver.save()
    assert stored["accepted_date"] == "2026-12-04"
    assert "-20261204-" in stored["receipt_no"] and "-20261203-" in first["receipt_no"]
