"""Issue 25: the console's 节假日 page in a real headless Chromium — an admin fills the form
shaped like the State Council's notice (one line per festival), previews the working days
per month, is told what is wrong with a malformed line, publishes; the audit log names
them and a desk pulls the year at its next sync."""

from __future__ import annotations

from typing import Any

import pytest
from console_helpers import PASSWORD, ConsoleServer, shot

from sync.client.desk import sync_desk
from sync.district.calendars import calendar_versions
from tests.forms.calendar_2027 import (
    FESTIVALS_2027,
    SOURCE_2027,
    package_without_2027,  # noqa: F401 (a fixture)
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("package_without_2027")]


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/console/")


def test_admin_publishes_next_years_holidays_from_the_form(
        server: ConsoleServer, make_desk: Any, page: Any) -> None:
    base = server.url
    desk = make_desk()
    _sign_in(page, base, "admin")
    page.get_by_role("link", name="节假日", exact=True).click()
    page.wait_for_url("**/console/calendar")
    form = page.locator("#calendar-form")
    form.locator("input[name=year]").fill("2027")
    form.locator("input[name=source]").fill(SOURCE_2027)
    for i, f in enumerate(FESTIVALS_2027):
        form.locator(f"input[name=name_{i}]").fill(f["name"])
        form.locator(f"input[name=start_{i}]").fill(f["start"])
        form.locator(f"input[name=end_{i}]").fill(f["end"])
        form.locator(f"input[name=workdays_{i}]").fill(", ".join(f["workdays"]))
    # a make-up day typed on a Monday: refused, naming the date and the rule
    form.locator("input[name=workdays_1]").fill("2027-01-31, 2027-02-15")
    form.get_by_role("button", name="预览每月工作日").click()
    problems = page.locator("#calendar-problems")
    problems.wait_for()
    assert "2027-02-15 是星期一，调休上班日应在周六或周日" in problems.inner_text()
    shot(page, "calendar-problem")
    # what was typed is still there; fix the line and preview
    form = page.locator("#calendar-form")
    assert form.locator("input[name=source]").input_value() == SOURCE_2027
    form.locator("input[name=workdays_1]").fill("2027-01-31, 2027-02-20")
    form.get_by_role("button", name="预览每月工作日").click()
    preview = page.locator("#preview")
    preview.wait_for()
    cells = preview.locator("tbody td").all_inner_texts()
    assert cells[1] == "15"  # February: 20 weekdays, 6 off, Saturday 02-20 worked
    assert len(cells) == 13
    assert "放假 29 天" in page.locator("#notice").inner_text()
    shot(page, "calendar-preview")
    assert calendar_versions(server.storage) == []  # a preview publishes nothing
    page.locator("#calendar-form").get_by_role("button", name="发布").click()
    page.wait_for_url("**/console/calendar?year=2027")
    assert "2027 年节假日安排第 1 版已发布" in page.locator(".flash").first.inner_text()
    row = page.locator("#calendar-versions tbody tr").first
    assert "2027" in row.inner_text() and "第 1 版" in row.inner_text()
    # the form now holds the published notice, ready for a correction (version 2)
    assert page.locator("input[name=start_1]").input_value() == "2027-02-05"
    assert "修改后发布即为第 2 版" in page.locator("#notice").inner_text()
    shot(page, "calendar-published")
    entry = server.console.audit.entries(action="calendar.publish")[0]
    assert (entry["actor"], entry["target"], entry["detail"]["version"]) == (
        "admin", "calendar:2027", 1)
    assert server.console.audit.verify() is None
    # a desk pulls it at its next sync
    assert sync_desk(desk)["complete"]
    assert desk.store.calendar.district_calendars()[2027].source == SOURCE_2027


def test_viewer_sees_the_years_but_not_the_form(server: ConsoleServer, page: Any) -> None:
    _sign_in(page, server.url, "viewer")
    page.goto(f"{server.url}/console/calendar")
    assert page.locator("#calendar-versions").count() == 1
    assert page.locator("#calendar-form").count() == 0


def _form(i_rows: list[dict[str, Any]], **extra: str) -> dict[str, str]:
    data = {"year": "2027", "source": SOURCE_2027, "action": "publish", **extra}
    for i, f in enumerate(i_rows):
        data.update({f"name_{i}": f["name"], f"start_{i}": f["start"], f"end_{i}": f["end"],
                     f"workdays_{i}": ", ".join(f["workdays"])})
    return data


def test_only_an_admin_with_the_pages_token_publishes(server: ConsoleServer,
                                                       web: Any) -> None:
    for role in ("viewer", "reviewer"):
        w = web(role)
        w.get("/console/calendar")
        assert w.post("/console/calendar", _form(FESTIVALS_2027)).status_code == 403
    admin = web("admin")
    admin.get("/console/calendar")
    assert admin.post("/console/calendar", _form(FESTIVALS_2027), csrf="forged").status_code \
        in (400, 403)
    assert calendar_versions(server.storage) == []
    bad = [dict(f) for f in FESTIVALS_2027]
    bad[3] = dict(bad[3], end="2027-04-30")  # ends before it starts
    r = admin.post("/console/calendar", _form(bad))
    assert r.status_code == 400
    assert "劳动节：放假结束日期 2027-04-30 早于开始日期 2027-05-01" in r.text
    assert 'data-field="festivals[3].end"' in r.text
    assert calendar_versions(server.storage) == []  # nothing half-saved
    r = admin.post("/console/calendar", _form(FESTIVALS_2027, year="明年"))
    assert r.status_code == 400 and "year（年份）应为 2000 至 2100 的整数" in r.text
    assert 'name="year" value="明年"' in r.text  # what was typed stays to be corrected
    assert admin.post("/console/calendar", _form(FESTIVALS_2027)).status_code == 303
    assert [v["version"] for v in calendar_versions(server.storage)] == [1]
