"""Issue 21 item 9: every console page at a 390×844 phone and at 1366×768 in a real
Chromium — on the phone the menu folds behind 菜单 (退出 always visible) and opens; no page
scrolls sideways (wide tables scroll inside their own box). Screenshots of every page at
both sizes go to /work/shots/console/ (or $CONSOLE_SHOTS) for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from console_helpers import PASSWORD, ConsoleServer, new_case
from test_console_browser import _sign_in

from sync.client.desk import sync_desk

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("CONSOLE_SHOTS", "/work/shots/console"))
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


def _pages(server: ConsoleServer, cases: list[dict[str, Any]]) -> dict[str, str]:
    batch = server.console.list_batches().rows[0]["batch_id"]
    return {
        "dashboard": "/console/", "batches": "/console/batches",
        "batch": f"/console/batches/{batch}", "cases": "/console/cases",
        "case": f"/console/cases/{cases[0]['uuid']}", "callbacks": "/console/callbacks",
        "desks": "/console/desks", "catalog": "/console/catalog",
        "calendar": "/console/calendar", "users": "/console/users", "audit": "/console/audit",
        "not-found": "/console/xyz",
    }


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_fits(server: ConsoleServer, make_desk: Any, browser: Any,
                         size: str) -> None:
    desk = make_desk()
    cases = [new_case(desk, code) for code in ("MZ-GLJT", "MZ-DB", "GA-JZZ", "YB-JMCB")]
    desk.cases.rate(cases[0]["uuid"], 1, "窗口等了一个多小时，材料要求也没讲清楚")
    assert sync_desk(desk)["complete"]
    w, h = SIZES[size]
    ctx = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN",
                              timezone_id="Asia/Shanghai", is_mobile=size == "phone",
                              has_touch=size == "phone")
    ctx.set_default_timeout(45_000)
    page = ctx.new_page()
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(f"{server.url}/console/login")
        page.screenshot(path=str(SHOTS / f"{size}-login.png"), full_page=True)
        _sign_in(page, server.url)
        wide = []
        for name, path in _pages(server, cases).items():
            page.goto(server.url + path)
            page.wait_for_load_state("load")
            page.screenshot(path=str(SHOTS / f"{size}-{name}.png"), full_page=True)
            # against the screen's width: a mobile browser widens its layout viewport
            # (zooming the page out) when content is wider than the screen
            over = page.evaluate("Math.max(document.documentElement.scrollWidth, "
                                 "window.innerWidth)") - w
            if over > 0:
                wide.append((name, over))
            logout = page.get_by_role("button", name="退出")
            assert logout.is_visible(), name
            nav = page.get_by_role("navigation", name="主导航")
            if size == "phone":
                assert not nav.is_visible(), name  # folded
                page.get_by_role("button", name="菜单").click()
                assert nav.is_visible() and nav.get_by_role("link", name="案件").is_visible()
                box = nav.bounding_box()
                assert box is not None and box["width"] <= w
                if name == "dashboard":
                    page.screenshot(path=str(SHOTS / "phone-menu-open.png"))
                page.get_by_role("button", name="收起").click()
                assert not nav.is_visible()
            else:
                assert nav.is_visible() and page.locator(".menu-toggle").is_hidden()
        assert wide == [], f"pages wider than the {w}px screen (page, extra px): {wide}"
        # the menu works on the phone: open it and go to a page
        if size == "phone":
            page.goto(server.url + "/console/")
            page.get_by_role("button", name="菜单").click()
            page.get_by_role("navigation", name="主导航").get_by_role(
                "link", name="差评回访").click()
            page.wait_for_url("**/console/callbacks")
    finally:
        ctx.close()
    assert PASSWORD  # (the sign-in used the helpers' password)
