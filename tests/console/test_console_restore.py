"""The console after the district was restored from a backup (issue 22), in a real Chromium:
the restore is an audited event, and the desks page shows, per desk, whether it has
re-converged since — all green once every desk has synced."""

from __future__ import annotations

import contextlib
import io
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from console_helpers import ConsoleServer, new_case
from sync_helpers import backup_district, serve_in_thread
from test_console_browser import _sign_in

from sync.client.desk import sync_desk
from sync.district import cli as district_cli
from sync.district.storage import Storage

pytestmark = pytest.mark.browser


def _restore_and_restart(server: ConsoleServer, db_url: str, backup: Path) -> dict[str, Any]:
    """Stop the server, ``doorstep-district restore`` the backup, serve again on the same
    address (as an administrator would: stop, restore, start)."""
    from sync.district.app import create_app

    server.stop()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert district_cli.main(["--db", db_url, "restore", str(backup), "--json"]) == 0
    server.storage = Storage(db_url)
    server.app = create_app(storage=server.storage)
    server.console = server.app.state.console
    server._sock = socket.socket()
    server._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server._sock.bind(("127.0.0.1", server.port))
    server.server, server._thread = serve_in_thread(server.app, server._sock)
    done: dict[str, Any] = json.loads(out.getvalue())
    return done


def _row(page: Any, desk_code: str) -> str:
    return str(page.locator("table.list tbody tr", has_text=desk_code).inner_text())


def test_restore_is_audited_and_desks_show_reconvergence(
        server: ConsoleServer, make_desk: Any, page: Any, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'district.sqlite3'}"
    a = make_desk("HY-QL01", "刘晓燕", "七里一村社区流动办事点")
    b = make_desk("HY-ZJ02", "张敏", "郑家台社区流动办事点")
    first = []
    for ctx in (a, b):
        first.append(new_case(ctx)["uuid"])
        assert sync_desk(ctx)["complete"]
    backup = backup_district(db_url, tmp_path / "backups")
    for _ in range(3):
        new_case(a)
    server.storage.decisions.set_status(first[0], "completed", actor="admin")  # lost in the restore
    assert sync_desk(a)["complete"]

    done = _restore_and_restart(server, db_url, backup)
    assert done["epoch"] == 2 and done["cases"] == 2

    base = server.url
    _sign_in(page, base)
    page.goto(f"{base}/console/desks")
    banner = page.locator("#epoch").inner_text()
    assert "第 2 代" in banner and "从备份恢复" in banner and "0/2 个办事点已与区级一致" in banner
    assert "待同步" in _row(page, "HY-QL01") and "待同步" in _row(page, "HY-ZJ02")

    s = sync_desk(a)
    assert s["complete"] and s["epoch_changed"] and s["resent"] == 3, s
    assert s["decisions_reported"] == 1 and a.store.get_case(first[0])["district_status"] == \
        "completed"
    page.reload()
    assert "已一致" in _row(page, "HY-QL01") and "待同步" in _row(page, "HY-ZJ02")
    assert "丢失决定 1 条" in _row(page, "HY-QL01")
    page.goto(f"{base}/console/cases/{first[0]}")
    assert "区级恢复前的决定：已办结（区级已丢失，请重新作出）" in page.content()
    page.goto(f"{base}/console/desks")
    assert "1/2 个办事点已与区级一致" in page.locator("#epoch").inner_text()

    s = sync_desk(b)
    assert s["complete"] and s["epoch_changed"] and s["resent"] == 0, s
    page.reload()
    assert "全部 2 个办事点已与区级一致" in page.locator("#epoch").inner_text()
    assert page.locator("td.agreement .tag.ok").count() == 2

    page.goto(f"{base}/console/audit")
    text = page.content()
    assert "district.restore" in text and backup.name in text
