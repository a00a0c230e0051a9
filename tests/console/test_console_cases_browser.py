"""Issue 21 items 3, 4, 5, 8 in a real Chromium at 1366×768, and the pages of the case
list, a case, batches and the catalog at a 390×844 phone without horizontal page scroll:
当场办结 items are 区级未确认, never 已超期; columns sort; ?page past the end shows the
last page; 不予办理 asks for its reason before its warning and a refused decision keeps
the clerk's input beside the error; bulk actions are checked, confirmed with count and
action, keep the selection after an error and can take every matching case."""

from __future__ import annotations

from typing import Any

import pytest
from console_helpers import ConsoleServer, new_case, shot
from test_console_browser import _sign_in

from forms.ids import id_check_digit
from sync.client.desk import sync_desk

pytestmark = pytest.mark.browser


def _id(i: int) -> str:
    first17 = f"42010519400101{i:03d}"
    return first17 + id_check_digit(first17)


def _no_page_scroll(page: Any) -> None:
    """Nothing in the page's own content (``main``: the part these pages draw; the menu bar
    is base.html's) reaches past the viewport; wide tables scroll inside their box."""
    out = page.evaluate("""() => [...document.querySelectorAll('main, main *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                && !e.closest('.scroll-x'))
        .slice(0, 6).map(e => e.tagName + '.' + e.className + ' ' +
                         Math.round(e.getBoundingClientRect().right))""")
    assert out == [], (page.url, out)
    boxes = page.evaluate("""() => [...document.querySelectorAll('main .scroll-x')]
        .map(e => Math.round(e.getBoundingClientRect().right))""")
    assert all(r <= page.viewport_size["width"] for r in boxes), (page.url, boxes)


def test_case_list_and_decisions_in_a_browser(server: ConsoleServer, make_desk: Any,
                                              page: Any, browser: Any) -> None:
    base = server.url
    desk = make_desk()
    promised = [new_case(desk, "MZ-GLJT", applicant_name=n, applicant_id=_id(i))
                for i, n in enumerate(["唐玉梅", "张秀英", "李娜", "王芳", "刘洋", "陈静"])]
    spot = new_case(desk, "YB-JMCB")
    assert sync_desk(desk)["complete"]
    _sign_in(page, base)

    # item 3: the on-the-spot case reads 当场办结 · 区级未确认, never 已超期
    page.goto(f"{base}/console/cases/{spot['uuid']}")
    promised_text = page.locator("#promised").inner_text()
    assert "当场办结" in promised_text and "区级未确认" in promised_text
    assert "已超期" not in promised_text
    assert "七里一村社区流动办事点" in page.locator("dl.facts").inner_text()  # item 10: names
    page.goto(f"{base}/console/")
    assert page.locator("[data-kpi=unconfirmed] b").inner_text() == "1"

    # item 8: sortable columns, default newest accepted first, bounded pages
    page.goto(f"{base}/console/cases")
    head = page.locator("table.cases thead th[data-sort=accepted]")
    assert head.get_attribute("aria-sort") == "descending"
    page.locator("table.cases thead th[data-sort=applicant] a").click()
    page.wait_for_url("**sort=-applicant**")
    names = page.locator("table.cases tbody tr td:nth-child(4)").all_inner_texts()
    names = [n.split()[0] for n in names]
    assert names == sorted(names, reverse=True)
    page.locator("table.cases thead th[data-sort=applicant] a").click()
    page.wait_for_url("**sort=applicant**")
    assert page.locator("th[data-sort=applicant]").get_attribute("aria-sort") == "ascending"
    page.goto(f"{base}/console/cases?page=999")
    assert page.locator("table.cases tbody tr").count() == 7  # the last (only) page
    assert "999" not in page.locator("main").inner_text()
    shot(page, "21a-cases-sorted")

    # item 4: 不予办理 without a reason asks for it first (no "cannot be undone" yet)
    target = promised[0]["uuid"]
    page.goto(f"{base}/console/cases/{target}")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.get_by_role("button", name="不予办理").click()
    err = page.locator("#note-error")
    assert err.is_visible() and "理由" in err.inner_text()
    assert dialogs == []
    assert page.evaluate("document.activeElement.id") == "decide-note"
    # with a reason: the warning comes; dismissed, nothing changes
    page.locator("#decide-note").fill("申请人户籍不在本区")
    page.get_by_role("button", name="不予办理").click()
    assert dialogs and "不可撤销" in dialogs[0]
    assert server.storage.cases.get(target)["district_status"] == "received"
    # a refusal the server makes (转办 without a department): beside the control, input kept
    with page.expect_navigation():
        page.get_by_role("button", name="转办").click()
    assert page.locator("#department-error").is_visible()
    assert page.locator("#decide-note").input_value() == "申请人户籍不在本区"
    top = page.evaluate("document.getElementById('department-error')"
                        ".getBoundingClientRect().top")
    assert 0 <= top <= 768, top  # in view, not scrolled past
    shot(page, "21a-case-decision-error", full=False)

    # item 5: bulk — a missing note said once, before anything; confirmation with count
    page2 = page.context.new_page()
    page2.goto(f"{base}/console/cases?sort=receipt")
    boxes = page2.locator("table.cases tbody input[name=uuid]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page2.locator("select[name=action]").select_option("correct")
    page2.get_by_role("button", name="执行").click()
    assert "须写明原因" in page2.locator("#bulk-error").inner_text()
    asked: list[str] = []

    def accept(d: Any) -> None:
        asked.append(d.message)
        d.accept()

    page2.on("dialog", accept)
    page2.locator("input[name=note]").fill("缺户口簿首页")
    with page2.expect_navigation():
        page2.get_by_role("button", name="执行").click()
    assert asked and "确定对 2 件案件执行“需补正”" in asked[-1]
    assert "2 件案件状态已改为“需补正”" in page2.locator(".flash").first.inner_text()
    # an error from the server keeps the selection: 办结 two cases, one already closed
    server.storage.decisions.set_status(promised[5]["uuid"], "completed", actor="t")
    server.console.readmodel.refresh()
    page2.goto(f"{base}/console/cases?sort=receipt")
    rows = page2.locator("table.cases tbody tr")
    for r in (promised[4], promised[5]):
        rows.filter(has_text=r["receipt_no"]).locator("input[name=uuid]").check()
    page2.locator("select[name=action]").select_option("complete")
    with page2.expect_navigation():
        page2.get_by_role("button", name="执行").click()
    failures = page2.locator("#bulk-error ul.failures li").all_inner_texts()
    assert len(failures) == 1 and promised[5]["receipt_no"] in failures[0]
    assert "陈*" in failures[0] or "陈*静" in failures[0]
    checked = page2.locator("table.cases tbody input[name=uuid]:checked")
    assert checked.count() == 2
    shot(page2, "21a-bulk-error", full=False)
    page2.close()

    # at a phone's width the pages scroll inside their tables, never the page
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                timezone_id="Asia/Shanghai")
    phone.set_default_timeout(45_000)
    p = phone.new_page()
    p.context.add_cookies(page.context.cookies())
    batch_id = server.console.list_batches().rows[0]["batch_id"]
    for path, name in (("/console/cases", "cases"), (f"/console/cases/{target}", "case"),
                       ("/console/batches", "batches"), (f"/console/batches/{batch_id}", "batch"),
                       ("/console/catalog", "catalog")):
        p.goto(base + path)
        shot(p, f"21a-phone-{name}")
        _no_page_scroll(p)
    # the case list's filters beyond 搜索 and 状态 fold behind 更多筛选 while none is set
    # (eleven of them had filled two screens before the first case)
    p.goto(base + "/console/cases")
    assert p.locator("select[name=status]").is_visible()
    assert not p.locator("select[name=item]").is_visible()
    cases_top = p.locator("table.cases").bounding_box()
    assert cases_top is not None and cases_top["y"] < 844, cases_top
    toggle = p.get_by_role("button", name="更多筛选（10 项）")
    toggle.click()
    assert p.locator("select[name=item]").is_visible()
    assert p.evaluate("document.activeElement.name") == "item"
    shot(p, "21a-phone-cases-more")
    p.locator("select[name=item]").select_option("MZ-GLJT")
    with p.expect_navigation():
        p.get_by_role("button", name="筛选").click()
    # a filter set: every filter shows, and no button to fold them
    assert p.locator("select[name=item]").is_visible()
    assert p.get_by_role("button", name="更多筛选（10 项）").count() == 0
    phone.close()
