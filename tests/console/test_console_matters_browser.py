"""Resident matters in the console, in a real Chromium (issue 15): a clerk dispatches, the
department's user signs for and answers the order, the clerk revisits 不满意 → 重办, the
department answers again, 满意 → 办结; a decision someone else made first shows
已被他人处理; the rates shown match a hand count; every matter page fits a 1366×768 screen
and a 390×844 phone without sideways scrolling (screenshots in /work/shots/console/)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from console_helpers import PASSWORD, ConsoleServer, new_case
from matters_helpers import ASK, LEAK, WUYE, desk_for, make_server, record
from test_console_browser import SIGN_IN_WAIT, _sign_in

from sync.client.desk import sync_desk
from sync.district.config import district_zone

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("CONSOLE_SHOTS", "/work/shots/console"))


@pytest.fixture(params=["sqlite"])
def ms(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ConsoleServer]:
    s = make_server(request, tmp_path)
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def desk(ms: ConsoleServer, tmp_path: Path) -> Iterator[Any]:
    ctx = desk_for(ms, tmp_path)
    try:
        yield ctx
    finally:
        ctx.close()


def _context(browser: Any, w: int = 1366, h: int = 768, phone: bool = False) -> Any:
    ctx = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN",
                              timezone_id="Asia/Shanghai", is_mobile=phone, has_touch=phone)
    ctx.set_default_timeout(45_000)
    return ctx


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sign_in_department(page: Any, base: str, username: str) -> None:
    """Sign in as a department user: the console's start page is its work orders."""
    page.goto(f"{base}/console/login")
    page.wait_for_function("document.activeElement && document.activeElement.name === "
                           "'username'", timeout=SIGN_IN_WAIT)
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation(url="**/console/matters", timeout=SIGN_IN_WAIT):
        page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state(timeout=SIGN_IN_WAIT)


def _submit(page: Any, form: str, button: str) -> None:
    """Click a form's button and wait for the answer page (a redirect or a 4xx page)."""
    with page.expect_navigation():
        page.locator(form).get_by_role("button", name=button).click()
    page.wait_for_load_state()


def test_dispatch_sign_answer_revisit_redo_close_in_the_browser(
        ms: ConsoleServer, desk: Any, browser: Any) -> None:
    leak, ask = record(desk, LEAK, ASK)
    clerk_ctx, dept_ctx = _context(browser), _context(browser)
    try:
        clerk, dept = clerk_ctx.new_page(), dept_ctx.new_page()
        clerk.on("dialog", lambda d: d.accept())  # 回访 asks to confirm (cannot be undone)
        _sign_in(clerk, ms.url, "reviewer")
        clerk.goto(ms.url + "/console/matters")
        _shot(clerk, "desktop-matters-queue")
        clerk.get_by_role("link", name=leak["matter_no"]).click()
        clerk.wait_for_url(f"**/console/matters/{leak['uuid']}")
        clerk.locator("#dispatch-form select[name=department]").select_option(WUYE)
        _submit(clerk, "#dispatch-form", "派单")
        assert "已派单" in clerk.locator(".flash").inner_text()

        _sign_in_department(dept, ms.url, "wuye")  # lands on its queue: only its own order
        rows = dept.locator("table.matters tbody tr")
        assert rows.count() == 1 and leak["matter_no"] in rows.first.inner_text()
        assert ask["matter_no"] not in dept.content()
        assert dept.get_by_role("navigation", name="主导航").get_by_role("link").count() == 1
        dept.get_by_role("link", name=leak["matter_no"]).click()
        dept.wait_for_url(f"**/console/matters/{leak['uuid']}")
        # the clerk has the same order open with 签收 showing; the department signs first
        clerk.reload()
        _submit(dept, "#sign-form", "签收")
        _submit(clerk, "#sign-form", "签收")
        taken = clerk.locator("#taken")
        assert "已被他人处理" in taken.inner_text()
        _shot(clerk, "desktop-matter-taken")
        # an empty answer: the error beside the box
        _submit(dept, "#answer-form", "反馈")
        err = dept.locator("#answer-answer-error")
        assert err.is_visible() and "请填写答复内容" in err.inner_text()
        assert dept.locator("#answer-text").get_attribute("aria-invalid") == "true"
        dept.locator("#answer-text").fill("已约楼上住户本周维修防水")
        _submit(dept, "#answer-form", "反馈")
        assert "已反馈" in dept.locator(".flash").inner_text()

        clerk.goto(f"{ms.url}/console/matters/{leak['uuid']}")
        clerk.locator("#revisit-form input[value=不满意]").check()
        _submit(clerk, "#revisit-form", "登记回访")
        err = clerk.locator("#revisit-reason-error")
        assert err.is_visible() and "原因" in err.inner_text()
        assert clerk.locator("#revisit-form input[value=不满意]").is_checked()  # kept
        _shot(clerk, "desktop-matter-error")
        clerk.locator("#revisit-reason").fill("天花板仍在渗水")
        _submit(clerk, "#revisit-form", "登记回访")
        assert "重办" in clerk.locator(".flash").inner_text()

        dept.reload()
        _submit(dept, "#sign-form", "签收")
        dept.locator("#answer-text").fill("已更换防水层，居民确认不再渗水")
        _submit(dept, "#answer-form", "反馈")

        clerk.reload()
        clerk.locator("#revisit-form input[value=满意]").check()
        _submit(clerk, "#revisit-form", "登记回访")
        assert "已办结" in clerk.locator(".flash").inner_text()
        timeline = clerk.locator("#timeline").inner_text()
        for words in ("已派单", "已签收", "已反馈", "重办中", "已办结", "天花板仍在渗水"):
            assert words in timeline, words
        _shot(clerk, "desktop-matter-closed")
        # the desk sees the end at its next sync
        assert sync_desk(desk)["complete"]
        mine = desk.store.matters.get_matter(leak["uuid"])
        assert mine is not None and mine["district_status"] == "closed"

        # the rates: hand count — dispatched 1 (signed in time) → 响应率 1/1; closed and not
        # 不满意: 1 of 2 orders → 解决率 1/2; the revisit result now 满意 → 满意率 1/1
        month = datetime.now(district_zone()).strftime("%Y-%m")
        clerk.goto(f"{ms.url}/console/matters/rates?period={month}")
        kpis = {k: clerk.locator(f"[data-rate={k}]").inner_text()
                for k in ("response", "resolve", "satisfy")}
        assert kpis == {"response": "100.0%", "resolve": "50.0%", "satisfy": "100.0%"}
        fracs = clerk.locator("#rates .kpis em.frac").all_inner_texts()
        assert fracs == ["1 / 1", "1 / 2", "1 / 1"]
        _shot(clerk, "desktop-matters-rates")
    finally:
        clerk_ctx.close()
        dept_ctx.close()


SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


@pytest.mark.parametrize("size", list(SIZES))
def test_every_matter_page_fits(ms: ConsoleServer, desk: Any, browser: Any,
                                size: str) -> None:
    case = new_case(desk, "MZ-GLJT")
    assert sync_desk(desk)["complete"]
    ms.storage.decisions.set_status(case["uuid"], "needs_correction", note="缺户籍证明")
    assert sync_desk(desk)["complete"]
    leak, _ask, cannot = record(desk, LEAK, ASK, {
        "from_case": case["uuid"], "subcategory": "补正后仍办不成",
        "description": "户籍在外省，无法开具户籍证明，补正后仍办不成"})
    w, h = SIZES[size]
    ctx = _context(browser, w, h, phone=size == "phone")
    try:
        page = ctx.new_page()
        _sign_in(page, ms.url, "reviewer")
        pages = {"matters": "/console/matters", "matter": f"/console/matters/{leak['uuid']}",
                 "matter-cannot": f"/console/matters/{cannot['uuid']}",
                 "matters-cannot": "/console/matters/cannot",
                 "matters-ledger": "/console/matters/ledger",
                 "matters-rates": "/console/matters/rates"}
        wide = []
        for name, path in pages.items():
            page.goto(ms.url + path)
            page.wait_for_load_state("load")
            _shot(page, f"{size}-{name}")
            over = page.evaluate("Math.max(document.documentElement.scrollWidth, "
                                 "window.innerWidth)") - w
            if over > 0:
                wide.append((name, over))
        assert wide == [], f"pages wider than the {w}px screen (page, extra px): {wide}"
    finally:
        ctx.close()
