"""Issue 21 item 13 in a real Chromium: issued enrollment codes are listed (until used) with
their expiry as a time and can be cancelled (a cancelled code enrolls nothing); the page
shows the server address the worker types into the desk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from console_helpers import ConsoleServer, shot
from test_console_browser import _flash, _sign_in

from sync.district.config import district_zone
from sync.district.errors import DistrictError

pytestmark = pytest.mark.browser


def test_enrollment_codes_listed_and_cancelled(server: ConsoleServer, page: Any,
                                               make_desk: Any) -> None:
    base = server.url
    make_desk("HY-QL01")  # enrolled: its code is used, so not listed
    _sign_in(page, base)
    page.goto(f"{base}/console/desks")
    assert server.url in page.locator("#server-url").inner_text()
    page.get_by_label("办事点编码").fill("HY-ZJ02")
    page.get_by_label("名称").fill("郑家台社区流动办事点")
    with page.expect_navigation():
        page.get_by_role("button", name="生成注册码").click()
    box = page.locator(".code-box").inner_text()
    code = page.locator(".code-box .code").inner_text().strip()
    assert server.url in box and "72 小时" not in box
    [pending] = server.storage.desks.pending_enroll_codes()
    expires = datetime.fromisoformat(pending["expires_at"]).astimezone(district_zone())
    assert f"{expires:%Y-%m-%d %H:%M} 前有效" in box  # a time, not "72 小时"
    rows = page.locator("table.codes tbody tr")
    assert rows.count() == 1 and "HY-ZJ02" in rows.first.inner_text()
    assert "HY-QL01" not in page.locator("table.codes").inner_text()
    shot(page, "60-desks-codes")

    page.on("dialog", lambda d: d.accept())
    with page.expect_navigation():
        rows.first.get_by_role("button", name="作废").click()
    assert "已作废 HY-ZJ02" in _flash(page)
    assert page.locator("table.codes").count() == 0
    assert server.storage.desks.pending_enroll_codes() == []
    with pytest.raises(DistrictError):  # the cancelled code enrolls nothing
        make_desk_with(server, code)
    entries = server.console.audit.entries(action="desk.enroll_code_cancel")
    assert entries and entries[0]["target"] == "HY-ZJ02"


def make_desk_with(server: ConsoleServer, code: str) -> None:
    from sync import protocol as P

    server.storage.desks.enroll(P.EnrollRequest(code=code, desk_code="HY-ZJ02", desk_name="x",
                                          receipt_key="0" * 64, client_version="0.1.0"))
