"""Drive the real window through whole cases and check what the store holds afterwards."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt

from desk.core.errors import StoreError
from desk.ui.text import WORD_JOINER

pytestmark = pytest.mark.timeout(120)


def _id_of_age(years: int, sex_digit: int = 1) -> str:
    """A valid ID number (GB 11643 check digit) of someone ``years`` old today: born a
    month past the birthday, so the age is right in every year the suite runs."""
    from datetime import date, timedelta

    from forms.ids import id_check_digit

    today = date.today()
    born = today.replace(year=today.year - years, day=1) - timedelta(days=31)
    first17 = f"420105{born:%Y%m%d}00{sex_digit}"
    return first17 + id_check_digit(first17)


def open_item(qtbot: Any, win: Any, query: str, code: str) -> None:
    """Search on home, Enter opens the notice, Enter again starts the form."""
    home = win.home
    home.search.setFocus()
    if query.isascii():
        qtbot.keyClicks(home.search, query)
    else:  # keyClicks with CJK text kills the test process
        home.search.setText(query)
    assert home.list.item(0).data(Qt.ItemDataRole.UserRole) == code
    qtbot.keyClick(home.search, Qt.Key.Key_Return)
    notice = win.page("notice")
    assert win.stack.currentWidget() is notice
    assert notice.item.code == code
    assert "一次性告知" in notice.text.toPlainText()
    qtbot.keyClick(notice.start, Qt.Key.Key_Return)
    assert win.stack.currentWidget() is win.form
    assert win.form.item.code == code


def test_low_income_case_with_household_members(qtbot: Any, win: Any, driver: Any) -> None:
    open_item(qtbot, win, "zdsh", "MZ-DB")  # 最低生活保障 by pinyin initials
    page = win.form
    driver.type("applicant_name", "李建国")
    driver.type("applicant_id", "420105196203150037")
    driver.type("applicant_phone", "13995612345")
    driver.address("residence", "二印小区", "3栋", "1单元", "502")
    driver.choose("reason", "因病", "失业")
    # the group starts with one member row; add a second one with the button
    assert len(page.form.groups["members"]) == 1
    add = page.form.add_buttons["members"]
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    assert len(page.form.groups["members"]) == 2
    driver.type("members[0].name", "李建国")
    driver.type("members[0].id_number", "420105196203150037")
    driver.choose("members[0].relation", "本人")
    driver.choose("members[0].work_status", "失业")
    driver.type("members[0].monthly_income", "0")
    driver.type("members[1].name", "张秀英")
    driver.type("members[1].id_number", "420105196508120023")
    driver.choose("members[1].relation", "配偶")
    driver.choose("members[1].work_status", "灵活就业")
    driver.type("members[1].monthly_income", "1200")
    driver.choose("members[1].disabled", True)  # shows the conditional certificate field
    driver.settle()
    cert_row = page.form.groups["members"][1].rows["disability_cert"]
    assert cert_row.isVisibleTo(page)
    assert not page.form.groups["members"][0].rows["disability_cert"].isVisibleTo(page)
    driver.type("members[1].disability_cert", "42010519650812002361")
    driver.type("household_assets", "8000")
    driver.choose("housing", "自有住房")
    driver.choose("vehicle", False)
    driver.type("bank_account", "6228480012345678901")
    page.materials.tick_all()
    case = driver.save()
    assert case["status"] == "accepted"
    assert case["item_code"] == "MZ-DB"
    data = json.loads(case["data_json"])["fields"]
    assert [m["name"] for m in data["members"]] == ["李建国", "张秀英"]
    assert data["members"][1]["disabled"] is True
    assert data["members"][1]["disability_cert"] == "42010519650812002361"
    assert "disability_cert" not in data["members"][0]
    assert data["residence"]["compound"] == "二印小区"
    assert case["promised_date"]
    receipt = win.page("receipt")
    assert case["receipt_no"] in receipt.banner.text().replace(WORD_JOINER, "")


def test_elderly_allowance_deferred_materials(qtbot: Any, win: Any, driver: Any) -> None:
    open_item(qtbot, win, "gljt", "MZ-GLJT")
    page = win.form
    driver.type("applicant_name", "王桂兰")
    driver.type("applicant_id", "420105194501010017")
    driver.settle()
    # the ID fills in birth date, age and sex beside the field
    msg = page.form.rows["applicant_id"].message.text()
    assert "1945-01-01" in msg and "男" in msg
    driver.type("applicant_phone", "13871234567")
    driver.type("hukou_address", "湖北省武汉市汉阳区琴断口街七里一村")
    driver.address("residence", "七里一村小区", "12栋", "2单元", "301")
    driver.choose("payment_channel", "社保卡")
    driver.type("bank_account", "6217002870012345678")
    driver.choose("living_alone", False)
    driver.tick("居民身份证", "户口簿", "社保卡或本人银行卡")  # the photo is missing
    driver.settle()
    # a deferrable gap: without the signed commitment it would be a correction notice
    assert page.result.decision == "correction"
    assert page.materials.commitment.isVisibleTo(page)
    qtbot.mouseClick(page.materials.commitment, Qt.MouseButton.LeftButton,
                     pos=QPoint(12, page.materials.commitment.height() // 2))
    driver.settle()
    assert page.result.decision == "deferred"
    assert "容缺" in page.save_button.text()
    case = driver.save()
    assert case["status"] == "deferred"
    mats = json.loads(case["materials_json"])
    assert [m["name"] for m in mats["missing"]] == ["近期一寸免冠照片"]
    assert mats["missing"][0]["due_date"] == mats["defer_due"]
    assert mats["commitment"] is True
    # the detail view shows the due date and records the photo brought later
    win.show_case(case["uuid"])
    detail = win.page("detail")
    qtbot.waitUntil(lambda: detail.case is not None and detail.case["uuid"] == case["uuid"])
    assert mats["defer_due"] in detail.banner.text()
    assert len(detail.supply_boxes) == 1
    detail.supply_boxes[0].setChecked(True)
    qtbot.mouseClick(detail.supply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.ctx.store.get_case(case["uuid"])["status"] == "accepted")
    qtbot.waitUntil(lambda: not detail.supply_boxes and not win.tasks.busy)
    assert "补交材料" in detail.history.toPlainText()


def test_senior_card_by_proxy(qtbot: Any, win: Any, driver: Any) -> None:
    open_item(qtbot, win, "老年人优待", "MZ-LNYD")
    page = win.form
    driver.type("applicant_name", "张国庆")
    driver.type("applicant_id", "420105196503100031")
    driver.type("applicant_phone", "13871234567")
    driver.choose("hukou_type", "本地户籍")
    driver.address("residence", "琴台花园", "9栋", "1单元", "1102")
    driver.choose("apply_type", "首次申领")
    driver.choose("card_form", "实体证", "电子证")
    driver.choose("photo_on_site", True)
    proxy_row = page.form.rows["proxy_name"]
    driver.settle()
    assert not proxy_row.isVisibleTo(page)
    driver.choose("is_proxy", True)
    driver.settle()
    assert proxy_row.isVisibleTo(page)
    # proxy materials appear in the checklist once 代办 is chosen
    names = [r.material.name for r in page.materials.rows if not r.isHidden()]
    assert "授权委托书" in names and "代办人身份证" in names
    driver.type("proxy_name", "张小梅")
    driver.type("proxy_id", "420105199001010021")
    driver.type("proxy_phone", "13912345678")
    driver.choose("proxy_relation", "子女")
    driver.tick("老人身份证", "授权委托书", "代办人身份证")
    page.priority.click()  # 绿色通道
    case = driver.save()
    assert case["status"] == "accepted"
    assert case["priority"] == 1
    data = json.loads(case["data_json"])["fields"]
    assert data["is_proxy"] is True and data["proxy_name"] == "张小梅"
    assert data["proxy_relation"] == "子女"
    # the case is found by the proxy's name too
    hits = win.ctx.store.search.list_cases(search="张小梅")
    assert [h["uuid"] for h in hits] == [case["uuid"]]


def test_correction_notice_lists_every_missing_item(qtbot: Any, win: Any, driver: Any) -> None:
    open_item(qtbot, win, "gljt", "MZ-GLJT")
    page = win.form
    driver.type("applicant_name", "刘秀珍")
    driver.type("applicant_id", "420105194203040023")
    driver.type("applicant_phone", "13871230000")
    driver.type("hukou_address", "湖北省武汉市汉阳区七里一村")
    driver.address("residence", "七里一村小区", "5栋", "1单元", "101")
    driver.choose("payment_channel", "社保卡")
    driver.type("bank_account", "6217002870012340000")
    driver.tick("近期一寸免冠照片")  # ID card, hukou book and bank card are missing
    driver.settle()
    assert page.result.decision == "correction"
    banner = page.materials.decision.text()
    for name in ("居民身份证", "户口簿", "社保卡或本人银行卡"):
        assert name in banner
    assert "补正" in page.save_button.text()
    case = driver.save()
    assert case["status"] == "correction"
    mats = json.loads(case["materials_json"])
    assert {m["name"] for m in mats["missing"] if m["required"]} == {
        "居民身份证", "户口簿", "社保卡或本人银行卡"}
    receipt = win.page("receipt")
    assert receipt.title.text() == "已保存"
    assert "补正告知书" in receipt.banner.text()
    for name in ("居民身份证", "户口簿", "社保卡或本人银行卡"):
        assert name in receipt.banner.text()


def test_rating_once_and_never_changed(qtbot: Any, win: Any, driver: Any) -> None:
    ctx = win.ctx
    item = ctx.catalog.get("MZ-GLJT")
    saved = ctx.cases.submit("MZ-GLJT", dict(item.example), ctx.actor())
    win.show_receipt(saved, fresh=True)
    receipt = win.page("receipt")
    assert receipt.rate_button.isVisible()
    qtbot.mouseClick(receipt.rate_button, Qt.MouseButton.LeftButton)
    rating = win.page("rating")
    assert win.stack.currentWidget() is rating
    assert not rating.submit.isEnabled()  # nothing pre-selected: the resident chooses
    qtbot.mouseClick(rating.buttons[4], Qt.MouseButton.LeftButton)  # 满意
    rating.reason.setPlainText("一次就说清楚了")
    qtbot.mouseClick(rating.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctx.store.get_case(saved["uuid"])["rating"] == 4)
    qtbot.waitUntil(lambda: rating.done_button.isVisible())
    stored = ctx.store.get_case(saved["uuid"])
    assert stored["rating_reason"] == "一次就说清楚了"
    # locked: only the chosen level stays enabled and there is no submit button
    assert not rating.submit.isVisible()
    assert [lv for lv, b in rating.buttons.items() if b.isEnabled()] == [4]
    # coming back to the case shows the rating read-only; the store refuses a second one
    win.show_rating(stored)
    assert "不能修改" in rating.message.text()
    assert not rating.submit.isVisible()
    with pytest.raises(StoreError):
        ctx.cases.rate(saved["uuid"], 1, "")
    assert ctx.store.get_case(saved["uuid"])["rating"] == 4


def test_live_validation_messages_and_warnings(qtbot: Any, win: Any, driver: Any) -> None:
    open_item(qtbot, win, "gljt", "MZ-GLJT")
    page = win.form
    row = page.form.rows["applicant_id"]
    driver.type("applicant_id", "420105194501010018")  # wrong check digit
    driver.type("applicant_phone", "1387")  # leaving the ID field marks it touched
    driver.settle()
    assert row.message.isVisibleTo(page)
    assert "校验" in row.message.text() or "身份证" in row.message.text()
    # a 70-year-old (70 on the day the test runs, whatever year that is): the age hint
    # warns but does not block
    driver.type("applicant_id", _id_of_age(70))
    driver.settle()
    assert not any(p.field == "applicant_id" for p in page.result.errors)
    assert page.result.warnings and page.form.warning_banner.isVisibleTo(page)
    assert "80" in page.form.warning_banner.text()
    # saving with gaps names every problem and focuses the first one
    assert page.save() is False
    assert "处需要修改" in page.summary.text()
    assert page.form.rows["applicant_name"].message.isVisibleTo(page)
    assert win.ctx.store.search.count_cases() == 0


def test_cases_list_search_filter_and_detail(qtbot: Any, win: Any) -> None:
    ctx = win.ctx
    base = dict(ctx.catalog.get("MZ-GLJT").example)
    for name, idn in (("王桂兰", "420105194501010017"), ("赵德明", "420105194302020028"),
                      ("王建华", "420105194405050035")):
        ctx.cases.submit("MZ-GLJT", dict(base, applicant_name=name, applicant_id=idn),
                         ctx.actor())
    short = dict(base, materials=["近期一寸免冠照片"])
    ctx.cases.submit("MZ-GLJT", dict(short, applicant_name="孙丽",  # a resident of her own
                                     applicant_id="420105194206060046"), ctx.actor())
    qtbot.keyClick(win, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    page = win.page("cases")
    assert win.stack.currentWidget() is page
    qtbot.waitUntil(lambda: page.model.rowCount() == 4)
    page.search.setText("王")
    page.apply_filters()
    qtbot.waitUntil(lambda: not page.model.loading)
    names = sorted(r["applicant_name"] for r in page.model.rows)
    assert names == ["王建华", "王桂兰"]
    # pinyin initials and ID tail work as in the store
    page.search.setText("zdm")
    page.apply_filters()
    qtbot.waitUntil(lambda: not page.model.loading)
    assert [r["applicant_name"] for r in page.model.rows] == ["赵德明"]
    page.search.setText("0028")
    page.apply_filters()
    qtbot.waitUntil(lambda: not page.model.loading)
    assert [r["applicant_name"] for r in page.model.rows] == ["赵德明"]
    # ID numbers are masked in the table
    idx = page.model.index(0, 2)
    assert idx.data() == "420105********0028"
    page.search.clear()
    page.status.setCurrentIndex(page.status.findData("correction"))
    page.apply_filters()
    qtbot.waitUntil(lambda: not page.model.loading)
    assert [r["applicant_name"] for r in page.model.rows] == ["孙丽"]
    assert "共 1 件" in page.count.text()
    # Enter opens the case with its history
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 0))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    detail = win.page("detail")
    qtbot.waitUntil(lambda: detail.case is not None)
    assert detail.case["applicant_name"] == "孙丽"
    assert "受理登记" in detail.history.toPlainText()
    assert "420105********0046" in detail.body.toPlainText()  # 孙丽's own (issue 23)
    assert "420105194206060046" not in detail.body.toPlainText()
