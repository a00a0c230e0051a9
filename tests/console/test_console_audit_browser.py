"""Issue 21 items 7 and 15 in a real Chromium: the audit log answers "who looked at this
resident?" — filtered by receipt number or applicant (as masked lists show it), by Chinese
action names, with details in words; every export logged with its filter and row count; the
case page lists who revealed or exported it; a reveal is a redirect after POST, so reloading
neither reveals nor audits again."""

from __future__ import annotations

from typing import Any

import pytest
from console_helpers import ConsoleServer, new_case, shot
from test_console_browser import _flash, _sign_in

from sync.client.desk import sync_desk

pytestmark = pytest.mark.browser


def test_who_looked_at_this_resident(server: ConsoleServer, make_desk: Any,
                                     page: Any) -> None:
    base = server.url
    desk = make_desk()
    tang = new_case(desk, "MZ-GLJT", applicant_name="唐玉梅", applicant_phone="13871239188",
                    applicant_id="42010519520308002X")
    wang = new_case(desk, "MZ-GLJT")
    assert sync_desk(desk)["complete"]
    _sign_in(page, base)
    reveals = lambda: [e for e in server.console.audit.entries(  # noqa: E731
        target=tang["uuid"], action="pii.reveal")]

    # reveal: redirect after POST; the page shown once, a reload shows it masked again
    page.goto(f"{base}/console/cases/{tang['uuid']}")
    page.get_by_label("事由").fill("电话回访差评")
    page.get_by_role("button", name="显示身份证号、电话等").click()
    page.wait_for_url(f"**/console/cases/{tang['uuid']}?shown=*")
    assert "13871239188" in page.content() and len(reveals()) == 1
    page.reload()
    page.wait_for_url(f"{base}/console/cases/{tang['uuid']}")
    assert "13871239188" not in page.content() and "138****9188" in page.content()
    assert "只显示一次" in _flash(page)
    assert len(reveals()) == 1  # the reload revealed nothing and audited nothing

    # exports: each one audited with its filter and row count
    for q in ("?q=唐玉梅", ""):
        r = page.request.get(f"{base}/console/export.csv{q}")
        assert r.ok
    exports = server.console.audit.entries(action="export")
    assert [e["detail"]["rows"] for e in exports] == [2, 1]
    assert exports[1]["detail"]["filters"] == {"q": "唐玉梅"}

    # the audit log: by applicant as masked lists show it, then by Chinese action name
    page.goto(f"{base}/console/audit")
    page.get_by_label("案件").fill("唐*梅")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/console/audit?**")
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 3  # the reveal and both exports held her case
    text = page.locator("table.list").inner_text()
    assert "查看完整个人信息" in text and "导出" in text
    assert f"{tang['receipt_no']} 唐*梅" in text  # the object in words, masked
    assert "事由：“电话回访差评”" in text
    assert "筛选：全部案件（未筛选）；共 2 条" in text
    assert "筛选：搜索“唐玉梅”；共 1 条" in text
    assert "pii.reveal" not in text and tang["uuid"] not in text
    shot(page, "30-audit-who-looked")
    page.get_by_label("操作").select_option(label="导出")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/console/audit?**")
    assert page.locator("table.list tbody tr").count() == 2
    # by receipt number (its end, as a caller reads it): her entries, not Wang's
    page.goto(f"{base}/console/audit?case={tang['receipt_no'][8:]}")
    assert page.locator("table.list tbody tr").count() == 3
    page.goto(f"{base}/console/audit?case={wang['receipt_no']}&action=查看")
    assert page.locator("table.list tbody tr").filter(has_text="查看完整个人信息").count() == 0

    # the case page lists who revealed or exported it
    page.goto(f"{base}/console/cases/{tang['uuid']}")
    access = page.locator("#access").inner_text()
    assert access.count("admin") == 3 and "查看完整个人信息" in access and "共 2 条" in access
    shot(page, "31-case-access")
    page.goto(f"{base}/console/cases/{wang['uuid']}")
    assert page.locator("#access li").all_inner_texts() == [  # the unfiltered one only
        page.locator("#access li").first.inner_text()]
    assert "全部案件（未筛选）" in page.locator("#access li").first.inner_text()
    assert server.console.audit.verify() is None
