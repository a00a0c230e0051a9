"""Issue 25: the sync page lists the promised dates an arrived holiday arrangement moved
("承诺日期已按国务院通知更新：…", old → new) until the worker has told the residents."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from desk.core.recalendar import recompute_promises
from tests.forms.calendar_2027 import (
    notice_2027,
    package_without_2027,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.usefixtures("package_without_2027")


def test_sync_page_lists_moved_promises_until_seen(qtbot: Any, win: Any) -> None:
    ctx = win.ctx
    case = ctx.cases.submit("MZ-DB", dict(ctx.catalog.get("MZ-DB").example), ctx.actor(),
                            today=date(2026, 12, 28))
    assert case["promised_date"] == "2027-02-11"
    body = dict(notice_2027(), version=1, published_at="2026-11-12T02:00:00.000+00:00")
    ctx.store.sync.apply_changes([{"seq": 7, "kind": "calendar", "case_uuid": None, "at":
                                   "2026-11-12T02:00:00.000+00:00", "calendar": body}], "7")
    lines = recompute_promises(ctx)
    assert [(u["old"], u["new"]) for u in lines] == [("2027-02-11", "2027-02-16")]
    page = win.page("sync")
    win.stack.setCurrentWidget(page)
    page.refresh()
    qtbot.waitUntil(lambda: page.promise_notice.isVisible() and bool(page.promise_notice.text()))
    text = page.promise_notice.text()
    assert "承诺日期已按国务院通知更新：" + case["receipt_no"] in text
    assert "2027-02-11 → 2027-02-16" in text
    qtbot.waitUntil(lambda: "承诺日期更新 1 件" in win.queue_label.text())
    win.sync_finished({"promise_updates": lines})
    assert "1 件案件的承诺日期已按国务院通知更新" in win.statusBar().currentMessage()
    qtbot.mouseClick(page.promise_seen, qtbot_left())
    qtbot.waitUntil(lambda: not page.promise_notice.isVisible())
    assert ctx.store.calendar.promise_updates(unseen_only=True) == []
    assert len(ctx.store.calendar.promise_updates()) == 1


def qtbot_left() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_correction_notice_counts_its_deadline_with_the_desks_calendar(desk: Any) -> None:
    import io

    from pypdf import PdfReader

    from desk.core.receipts import render_case_pdf

    ctx = desk
    example = dict(ctx.catalog.get("MZ-DB").example)
    example["materials"] = [m for m in example["materials"] if m != "户口簿"]
    case = ctx.cases.submit("MZ-DB", example, ctx.actor(), today=date(2027, 1, 25))
    assert case["status"] == "correction"

    def text() -> str:
        pdf = render_case_pdf(ctx, ctx.store.get_case(case["uuid"]))
        return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace(
            " ", "")

    assert "2027年2月10日" in text()  # 10 working days by the festival fallback
    body = dict(notice_2027(), version=1, published_at="2026-11-12T02:00:00.000+00:00")
    ctx.store.sync.apply_changes([{"seq": 3, "kind": "calendar", "case_uuid": None, "at":
                                   "2026-11-12T02:00:00.000+00:00", "calendar": body}], "3")
    assert "2027年2月15日" in text()  # the notice: 01-31 worked, 02-05 … 02-13 off


def test_stand_alone_desk_recomputes_at_start_after_a_year_file_is_added(
        qtbot: Any, desk: Any) -> None:
    import json

    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    ctx = desk
    case = ctx.cases.submit("MZ-DB", dict(ctx.catalog.get("MZ-DB").example), ctx.actor(),
                            today=date(2026, 12, 28))
    assert (case["promised_date"], case["promised_exact"]) == ("2027-02-11", 0)
    folder = ctx.paths.data_dir / "calendars"
    folder.mkdir()
    (folder / "2027.json").write_text(json.dumps(notice_2027(), ensure_ascii=False),
                                      encoding="utf-8")
    app = make_app()
    style.apply(app, False, False)
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    try:
        qtbot.waitUntil(lambda: ctx.store.get_case(case["uuid"])["promised_date"] ==
                        "2027-02-16")
        qtbot.waitUntil(lambda: "承诺日期更新 1 件" in w.queue_label.text())
        assert ctx.store.get_case(case["uuid"])["promised_exact"] == 1
        assert ctx.store.calendar.calendar_recompute_pending() == []
        # noted once: the next start recomputes nothing
        assert ctx.recompute_promises() == []
    finally:
        qtbot.waitUntil(lambda: not w.tasks.busy)
        w.tasks.shutdown()
