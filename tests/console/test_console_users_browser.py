"""Issue 21 item 14 in a real Chromium: usernames are checked ("a b" refused), the password
rule is the desk's (forms.passwords: "1234567890" refused) with the console's length; a user
has a real name and 科室; an admin resets a password (the user's sessions end, the new one
works), audited in words."""

from __future__ import annotations

from typing import Any

import pytest
from console_helpers import ConsoleServer, shot
from test_console_browser import _flash, _sign_in

from desk.core.keyring import KeyringError, check_password_rule
from sync.district.console.auth import password_problem

pytestmark = pytest.mark.browser


def test_desk_and_console_share_the_password_rule() -> None:
    for weak in ("1234567890", "12345678901234"):  # digits only: refused on both sides
        assert password_problem(weak) and "数字" in str(password_problem(weak))
        with pytest.raises(KeyringError):
            check_password_rule(weak)
    assert password_problem("abc12345") is not None  # the console asks for 10
    assert password_problem("correct horse") is None


def test_users_page(server: ConsoleServer, page: Any, web: Any) -> None:
    base = server.url
    reviewer = web("reviewer")
    _sign_in(page, base)
    page.goto(f"{base}/console/users")
    form = page.locator("#add-user")

    def add(username: str, password: str, real_name: str = "", unit: str = "") -> str:
        form.get_by_label("用户名").fill(username)
        form.get_by_label("姓名").fill(real_name)
        form.get_by_label("科室").fill(unit)
        form.get_by_label("初始密码").fill(password)
        with page.expect_navigation():
            form.get_by_role("button", name="添加").click()
        return _flash(page)

    assert "用户名" in add("a b", "correct horse 1")
    assert "不能全是数字" in add("zhangmin", "1234567890")
    assert server.console.users.get("zhangmin") is None and server.console.users.get("a b") is None
    assert "已添加用户 zhangmin" in add("zhangmin", "correct horse 1", "张敏", "社会事务科")
    row = page.locator("#user-zhangmin")
    assert row.get_by_label("zhangmin 的姓名").input_value() == "张敏"
    assert row.get_by_label("zhangmin 的科室").input_value() == "社会事务科"

    # an admin resets the reviewer's password: a weak one is refused, then it is done
    row = page.locator("#user-reviewer")
    page.on("dialog", lambda d: d.accept())
    row.locator("summary").click()
    row.get_by_label("reviewer 的新密码").fill("1234567890")
    with page.expect_navigation():
        row.get_by_role("button", name="确定").click()
    assert "reviewer 的新密码：不能全是数字" in _flash(page)
    row = page.locator("#user-reviewer")
    row.locator("summary").click()
    row.get_by_label("reviewer 的新密码").fill("a new secret 2026")
    with page.expect_navigation():
        row.get_by_role("button", name="确定").click()
    assert "已重置 reviewer 的密码" in _flash(page)
    shot(page, "50-users")
    assert reviewer.get("/console/").status_code == 303  # the old session ended
    assert web(None).login("reviewer", "a new secret 2026").status_code == 303
    actions = [e["action"] for e in server.console.audit.entries(target="reviewer")]
    assert "user.password" in actions
    page.goto(f"{base}/console/audit?action=重置密码")
    assert "重置密码" in page.locator("table.list tbody").inner_text()
