"""In a real browser (Debian's Chromium): re-issuing a desk code is an explicit
replacement, and a case whose desk date offline work cannot explain is found by the
日期存疑 filter and flagged on its page (issues 21 item 2, 24)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from console_helpers import PASSWORD, ConsoleServer
from sync_helpers import resident_unless_taken

from desk.core import clock
from sync.client.desk import sync_desk

pytestmark = [pytest.mark.browser]


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/console/")


def test_replacing_a_desk_from_the_desks_page(server: ConsoleServer, make_desk: Any,
                                              page: Any) -> None:
    desk = make_desk("HY-QL01")
    old_id = desk.store.get_meta("desk_id")
    _sign_in(page, server.url, "admin")
    page.goto(f"{server.url}/console/desks")
    page.fill("input[name=desk_code]", "HY-QL01")
    page.fill("input[name=name]", "七里一村新电脑")
    page.click("form[action='/console/desks/codes'] button.primary")
    offer = page.locator("#replace-offer")
    offer.wait_for()
    assert "正由在用的办事点" in offer.inner_text()
    page.once("dialog", lambda d: d.accept())  # the confirmation names the old desk
    offer.locator("button").click()
    page.locator("#replaces-note").wait_for()
    assert old_id in page.locator("#replaces-note").inner_text()
    page.goto(f"{server.url}/console/desks")
    page.fill("input[name=desk_code]", "汉阳 01")
    page.fill("input[name=name]", "汉阳")
    page.evaluate("document.querySelector('input[name=desk_code]').removeAttribute('pattern')")
    page.click("form[action='/console/desks/codes'] button.primary")
    page.wait_for_url(f"{server.url}/console/desks")
    assert "格式不对" in page.content()


def test_date_flag_filter_and_case_page(server: ConsoleServer, make_desk: Any,
                                        page: Any) -> None:
    desk = make_desk("HY-QL02")
    ahead = datetime.now(UTC) + timedelta(days=90)
    example = dict(desk.catalog.get("MZ-GLJT").example)
    with clock.use(ahead):
        case = desk.cases.submit("MZ-GLJT", example, desk.actor(),
                                 today=ahead.astimezone(clock.current().zone).date())
    fine = desk.cases.submit("MZ-GLJT", resident_unless_taken(  # issue 23
        desk, desk.catalog.get("MZ-GLJT"), example), desk.actor())
    assert sync_desk(desk)["complete"]
    _sign_in(page, server.url, "reviewer")
    page.goto(f"{server.url}/console/cases")
    page.select_option("select[name=dates]", "1")
    page.locator("select[name=dates]").evaluate("s => s.form.requestSubmit()")
    page.wait_for_url("**dates=1**")
    body = page.content()
    assert case["receipt_no"] in body and fine["receipt_no"] not in body
    page.click(f"text={case['receipt_no']}")
    page.locator("#date-flag").wait_for()
    assert "办事点日期晚于区级接收日期" in page.locator("#date-flag").inner_text()
