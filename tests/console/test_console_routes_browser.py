"""The console in a real headless Chromium (issue 12, items 10, 13, 15): a 绿色通道 case is
marked and filterable, the dashboard counts it; a 一件事 case's routes are decided one by
one on the case page (the case closes with the last one) and reach the desk; a department
is added on the catalog page and only listed departments can be chosen for a routing.
Screenshots go to /tmp/console-shots/.
"""

from __future__ import annotations

from typing import Any

import pytest
from console_helpers import ConsoleServer, new_case, shot
from test_console_browser import _flash, _sign_in

from sync.client.desk import sync_desk

pytestmark = pytest.mark.browser


def test_priority_routes_and_departments_in_a_browser(server: ConsoleServer, make_desk: Any,
                                                      page: Any) -> None:
    base = server.url
    desk = make_desk()
    plain = new_case(desk, "MZ-GLJT")
    urgent = new_case(desk, "MZ-GLJT", priority=True)
    bundle = new_case(desk, "YJS-SH", services=["死亡户口注销", "惠民殡葬补助"], priority=True)
    assert sync_desk(desk)["complete"]
    _sign_in(page, base)

    # the dashboard counts open 绿色通道 cases; its tile opens them
    tile = page.locator("[data-kpi=priority]")
    assert "绿色通道待办" in tile.inner_text() and "2" in tile.inner_text()
    tile.locator("a").click()
    page.wait_for_url("**/console/cases?status=open&priority=1")
    rows = page.locator("table.list.cases tbody tr")
    assert rows.count() == 2
    assert rows.filter(has=page.locator(".tag.prio")).count() == 2
    listed = page.locator("table.list.cases").inner_text()
    assert urgent["receipt_no"] in listed and bundle["receipt_no"] in listed
    assert plain["receipt_no"] not in listed
    shot(page, "20-cases-priority")
    page.get_by_label("绿色通道").select_option("")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/console/cases?**")
    assert page.locator("table.list.cases tbody tr").count() == 3

    # a bundle's routes: only the two services chosen, decided one by one
    page.goto(f"{base}/console/cases/{bundle['uuid']}")
    assert page.locator(".head .tag.prio").count() == 1
    routes = page.locator("table.routes tbody tr")
    assert routes.count() == 2
    assert "死亡户口注销" in routes.nth(0).inner_text() and "公安" in routes.nth(0).inner_text()
    shot(page, "21-case-routes")

    def decide(item: str, status: str, note: str = "") -> str:
        row = page.locator(f"#route-{item}")
        row.locator("select[name=status]").select_option(status)
        row.locator("input[name=note]").fill(note)
        with page.expect_navigation():
            row.get_by_role("button", name="确定").click()
        return _flash(page)

    assert "note" in decide("MZ-BZBZ", "rejected")  # a rejection needs its reason
    assert "已受理" in decide("GA-SWZX", "accepted")
    assert "已办结" in decide("GA-SWZX", "completed")
    assert "不予办理" in decide("MZ-BZBZ", "rejected", "逝者生前未在本区居住，不符合惠民殡葬补助条件")
    assert "案件已办结" in _flash(page)  # every route closed: the case is closed
    assert "已办结" in page.locator(".head").inner_text()
    assert page.locator("table.routes form").count() == 0
    shot(page, "22-case-routes-done")
    entries = server.console.audit.entries(target=bundle["uuid"])
    assert {"route.accepted", "route.completed", "route.rejected"} <= {
        e["action"] for e in entries}

    # the desk pulls each route's state and the closed case
    assert sync_desk(desk)["complete"]
    got = {r["item_code"]: r for r in desk.store.sync.case_routes(bundle["uuid"])}
    assert (got["GA-SWZX"]["status"], got["MZ-BZBZ"]["status"]) == ("completed", "rejected")
    assert got["MZ-BZBZ"]["note"].startswith("逝者生前未在本区居住")
    assert desk.store.get_case(bundle["uuid"])["district_status"] == "completed"

    # departments: routing offers only the managed list; the catalog page adds one
    page.goto(f"{base}/console/cases/{plain['uuid']}")
    options = page.locator("#decide select[name=department] option").all_inner_texts()
    assert "公安" in options and "不动产登记中心" not in options
    page.goto(f"{base}/console/catalog")
    page.get_by_label("部门名称").fill("不动产登记中心")
    with page.expect_navigation():
        page.get_by_role("button", name="添加部门").click()
    assert "已添加部门" in _flash(page)
    assert "不动产登记中心" in page.locator("#departments").inner_text()
    shot(page, "23-departments")
    page.goto(f"{base}/console/cases/{plain['uuid']}")
    page.get_by_label("转办部门").select_option("不动产登记中心")
    page.get_by_label("意见 / 原因").fill("涉及房产，转不动产登记中心")
    page.get_by_role("button", name="转办").click()
    assert "已转办" in _flash(page)
    assert server.storage.cases.get(plain["uuid"])["district_department"] == "不动产登记中心"


def test_console_refuses_an_unknown_department_naming_the_field(server: ConsoleServer,
                                                                 make_desk: Any,
                                                                 web: Any) -> None:
    """A crafted form (the select only offers listed departments) is refused clearly."""
    desk = make_desk()
    case = new_case(desk)
    assert sync_desk(desk)["complete"]
    w = web("admin")
    r = w.post(f"/console/cases/{case['uuid']}/status",
               {"action": "route", "department": "不存在的部门", "note": "x"})
    # issue 21 item 4: the page again, the error beside the department (the note kept)
    assert r.status_code == 422
    page = r.text
    assert 'id="department-error"' in page and "不存在的部门" in page
    assert "不在转办部门名单中" in page and ">x</textarea>" in page
    assert server.storage.cases.get(case["uuid"])["district_status"] == "received"
