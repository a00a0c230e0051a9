"""主动服务 on the desk (issue 18), in the real window: the list pulled from the district
(stored as the district's ``proactive`` changes) shows on the home page as 主动服务 N 人 by
building; the list page answers for each resident — 已确认 checks the ID read against the
masked one and opens the item's form filled from the list, and once that case is saved
records it; 不需要 with a reason, 联系不上, 上门服务 on a date. Nothing cut off and enough
contrast at 1366×768 in normal, 长辈 and high-contrast modes (screenshots kept)."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from answers import Answers
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from ui_checks import CountingCells, clipped, contrast_problems, unfitted_rows

from forms.ids import id_check_digit, mask_id

# the form page's pop-ups (the resident's earlier data…) are top-level windows offscreen
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
SHOTS = Path(os.environ.get("DOORSTEP_SHOTS", "/tmp/doorstep-shots")) / "proactive"


def ident(birth: str, n: int) -> str:
    first17 = f"420105{birth}{n:02d}1"
    return first17 + id_check_digit(first17)


PEOPLE = [("王桂兰", ident("19461101", 1), "七里一村12栋502", "七里一村"),
          ("李建国", ident("19461115", 2), "七里一村12栋101", "七里一村"),
          ("张秀英", ident("19461120", 3), "七里二村3栋201", "七里二村")]


def pulled(desk: Any, people: list[tuple[str, str, str, str]] = PEOPLE) -> None:
    """The list as a sync stores it: one ``proactive`` change per resident."""
    due = (date.today() + timedelta(days=40)).isoformat()
    changes = [{"seq": 100 + i, "kind": "proactive", "case_uuid": None, "status": "listed",
                "note": "", "department": None, "at": "2026-12-01T01:00:00+00:00",
                "item_code": "MZ-GLJT", "item_name": "高龄津贴申领",
                "proactive": {"entry_id": i + 1, "item_code": "MZ-GLJT",
                              "item_name": "高龄津贴申领", "name": name,
                              "id_masked": mask_id(number), "address": address,
                              "compound": compound, "due": due, "no_signature": True,
                              "reason": "下月起年满80周岁，尚未领取高龄津贴（免申即享：核对身份和"
                                        "发放账户即可）"}}
               for i, (name, number, address, compound) in enumerate(people)]
    desk.store.sync.apply_changes(changes, "102")


def deferred(desk: Any) -> dict[str, Any]:
    """A 容缺 case accepted ten days ago: its photo is overdue (补交提醒)."""
    sub = dict(desk.catalog.get("MZ-GLJT").example)
    sub["materials"] = [m for m in sub["materials"] if m != "近期一寸免冠照片"]
    sub["applicant_id"] = ident("19440101", 8)
    case: dict[str, Any] = desk.cases.submit("MZ-GLJT", sub, desk.actor(),
                                             today=date.today() - timedelta(days=10))
    assert case["status"] == "deferred"
    return case


def _home_count(qtbot: Any, win: Any) -> None:
    win.proactive.read_counts()
    qtbot.waitUntil(lambda: win.home.proactive_button.isVisible(), timeout=10000)


def test_the_list_by_building_and_each_answer(qtbot: Any, win: Any, desk: Any) -> None:
    pulled(desk)
    late = deferred(desk)
    _home_count(qtbot, win)
    button = win.home.proactive_button
    assert button.text().startswith("主动服务 3 人")
    assert "七里一村 12栋 2" in button.text() and "七里二村 3栋 1" in button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    page = win.proactive.page
    assert page is not None and win.stack.currentWidget() is page
    assert page.table.rowCount() == 3
    names = [page.table.item(r, 1).text() for r in range(3)]
    assert sorted(names) == sorted(p[0] for p in PEOPLE)
    assert all("*" in page.table.item(r, 2).text() for r in range(3))
    # 补交提醒: the overdue photo, its text copied for an SMS
    assert page.reminders.count() == 1 and "已过期" in page.reminders.item(0).text()
    page.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert late["receipt_no"] in copied and "近期一寸免冠照片" in copied

    def select(name: str) -> None:
        page.table.selectRow(names_now().index(name))

    def names_now() -> list[str]:
        return [page.table.item(r, 1).text() for r in range(page.table.rowCount())]

    # 联系不上 keeps the resident on the list; 上门服务 with a date too
    select("李建国")
    page.buttons["unreachable"].click()
    assert "李建国" in names_now()
    row = names_now().index("李建国")
    assert page.table.item(row, 6).text() == "联系不上"
    visit = (date.today() + timedelta(days=2)).isoformat()
    page.dialogs = Answers(choice=visit)
    select("张秀英")
    page.buttons["home_visit"].click()
    assert page.table.item(names_now().index("张秀英"), 6).text() == f"上门服务 {visit}"
    # 已确认: the card read must be the listed person
    page.dialogs = Answers(choice=ident("19500101", 9))
    select("王桂兰")
    page.buttons["confirmed"].click()
    assert "不符" in page.message.text() and win.stack.currentWidget() is page
    page.dialogs = Answers(choice=PEOPLE[0][1])
    page.buttons["confirmed"].click()
    qtbot.waitUntil(lambda: win.form is not None and win.stack.currentWidget() is win.form)
    values = win.form.form.values()
    assert values["applicant_name"] == "王桂兰" and values["applicant_id"] == PEOPLE[0][1]
    assert values["hukou_address"] == "七里一村12栋502"
    # the worker completes and saves the case (the form's own tests cover the typing): the
    # form's submission names the list entry, so the case is marked 免申即享 and answers
    # 已确认 itself, linked to the case
    sub = win.form.submission()
    assert sub["proactive"] == {"entry_id": 1}
    example = dict(desk.catalog.get("MZ-GLJT").example)
    example.update({k: v for k, v in sub.items() if v})
    case = desk.cases.submit("MZ-GLJT", example, desk.actor())
    assert json.loads(desk.store.get_case(case["uuid"])["data_json"])["proactive"][
        "no_signature"] is True
    win.go_proactive()
    assert "王桂兰" not in names_now()  # served: off the list
    # 不需要 asks why
    page.dialogs = Answers(choice="本人暂不需要")
    select("李建国")
    page.buttons["declined"].click()
    assert names_now() == ["张秀英"]
    answers = {a["entry_id"]: a for a in desk.store.proactive.unsent_proactive_outcomes()}
    assert answers[1]["outcome"] == "confirmed" and answers[1]["case_uuid"] == case["uuid"]
    assert answers[2] == {**answers[2], "outcome": "declined", "note": "本人暂不需要"}
    assert answers[3]["visit_date"] == visit
    qtbot.waitUntil(lambda: win.home.proactive_button.text().startswith("主动服务 1 人"),
                    timeout=10000)


@pytest.mark.parametrize(("large", "high"), [(False, False), (True, False), (False, True)],
                         ids=["normal", "elder", "high-contrast"])
def test_the_list_fits_and_reads_at_1366x768(qtbot: Any, win: Any, desk: Any, large: bool,
                                             high: bool) -> None:
    from desk.ui import style
    from desk.ui.main import make_app

    style.apply(make_app(), large, high)
    win.resize(1366, 768)
    pulled(desk)
    deferred(desk)
    _home_count(qtbot, win)
    win.go_proactive()
    page = win.proactive.page
    qtbot.waitUntil(lambda: page.isVisible())
    where = ("normal", "elder", "high-contrast")[int(large) + 2 * int(high)]
    SHOTS.mkdir(parents=True, exist_ok=True)
    win.grab().save(str(SHOTS / f"list-{where}.png"))
    # every resident's row as tall as its reason, the first time the list is shown
    assert unfitted_rows(page.table) == []
    # room for more than two and a half residents even when their reasons wrap to three
    # lines (长辈): the reminders' copy button shares its title's line
    assert page.table.viewport().height() >= 2.5 * page.table.rowHeight(0)
    # where the keyboard is: the chosen row and the list's border, in the mode's focus
    # colour — no frame round the row's first cell (it looked like a raised button)
    page.table.setFocus()
    qtbot.waitUntil(page.table.hasFocus)
    page.table.selectRow(0)
    cell = page.table.visualRect(page.table.model().index(0, 0))
    img = page.table.viewport().grab().toImage()
    # (the frame was drawn inside the cell's padding, round its text)
    seen = {img.pixelColor(x, y).name() for x in range(cell.left() + 2, cell.right() - 2)
            for y in range(cell.top() + 1, cell.top() + 7)}
    assert len(seen) == 1, seen
    frame = page.table.grab().toImage().pixelColor(0, page.table.height() // 2).name()
    assert frame == ("#ffff00" if high else "#1f5fbf")
    win.go_home()
    win.grab().save(str(SHOTS / f"home-{where}.png"))
    assert clipped(win.home) == []
    win.go_proactive()
    assert clipped(page) == []
    assert contrast_problems(page, f"proactive {where}") == []


def test_a_long_list_reloads_measuring_each_cell_a_few_times(qtbot: Any, win: Any,
                                                             desk: Any) -> None:
    """Each answer reloads the list: with its columns and rows sized to their contents as
    each cell arrived, every cell measured the whole list again — 300 residents took 30 to
    75 s to reload (bench/bench_desk_lists.py has the times)."""
    many = [(f"居民{i}", ident(f"1946{1 + i % 12:02d}01", i % 100), f"七里一村{i % 30}栋502",
             "七里一村") for i in range(120)]
    pulled(desk, many)
    win.go_proactive()
    page = win.proactive.page
    qtbot.waitUntil(lambda: page.isVisible() and page.table.rowCount() == 120)
    counting = CountingCells(page.table)
    page.table.setItemDelegate(counting)
    page.table.doItemsLayout()  # laid out, as the list is when the worker answers
    QGuiApplication.processEvents()
    counting.calls = 0
    page.reload()
    qtbot.waitUntil(lambda: page.table.rowCount() == 120)
    cells = 120 * page.table.columnCount()
    assert counting.calls < 10 * cells, (counting.calls, cells)
    assert unfitted_rows(page.table) == []
