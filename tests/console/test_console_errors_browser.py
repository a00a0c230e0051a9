"""Issue 21 item 15 in a real Chromium: the 403 page keeps the menu (and 退出); an unknown
/console/ address is the console's HTML 404 page while the API's unknown paths still
answer JSON; signing out says so."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from console_helpers import ConsoleServer, shot
from test_console_browser import _flash, _sign_in

pytestmark = pytest.mark.browser


def test_error_pages_keep_the_console(server: ConsoleServer, page: Any) -> None:
    base = server.url
    _sign_in(page, base, "viewer")
    r = page.goto(f"{base}/console/users")
    assert r.status == 403
    assert page.get_by_role("navigation", name="主导航").is_visible()
    assert page.get_by_role("button", name="退出").is_visible()
    assert "只读" in page.locator("main").inner_text()
    shot(page, "40-forbidden")

    r = page.goto(f"{base}/console/xyz")
    assert r.status == 404 and "text/html" in r.headers["content-type"]
    assert "没有这个页面" in page.locator("main h1").inner_text()
    assert page.get_by_role("navigation", name="主导航").is_visible()
    shot(page, "41-not-found")
    api = httpx.get(f"{server.api_url}/api/xyz", timeout=30)  # the API: JSON as before
    assert api.status_code == 404 and api.headers["content-type"] == "application/json"

    with page.expect_navigation():
        page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/console/login")
    assert "已退出登录" in _flash(page)
    # signed out, an unknown console page is still the console's (without a menu)
    r = page.goto(f"{base}/console/nothing/here")
    assert r.status == 404 and page.get_by_role("navigation").count() == 0
    assert "没有这个页面" in page.locator("main").inner_text()
