"""Sync runs by itself: the real window, enrolled through the sync page against a real
district server (in a thread, on loopback), pushes every saved case without a click; with
the district down the status bar says 离线 since when and what waits; when the district is
back on the same port the outbox drains within a minute, again without a click."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sync_helpers import District, fresh_id, serve_in_thread

from desk.ui.autosync import Intervals, backoff_delay

pytestmark = pytest.mark.timeout(300)

SHORT = Intervals(first=0.1, check=0.5, push_delay=0.1, pull=60.0, backoff=0.3,
                  backoff_max=2.0, connect_timeout=2.0)


def _serve_again(d: District) -> None:
    """The same district (same database) back on the same port, after ``d.stop()``."""
    from sync.district.app import create_app
    from sync.district.storage import Storage

    d.storage = Storage(d.db_url)
    d.app = create_app(storage=d.storage)
    d._sock = socket.socket()
    d._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    d._sock.bind(("127.0.0.1", d.port))
    d.server, d._thread = serve_in_thread(d.app, d._sock, timeout_keep_alive=30)


def _save_case(qtbot: Any, win: Any, driver: Any, name: str) -> dict[str, Any]:
    """A complete 高龄津贴 case through the form, saved with Ctrl+S."""
    item = win.ctx.catalog.get("MZ-GLJT")
    win.start_form("MZ-GLJT")
    data = dict(item.example)
    data["applicant_name"] = name
    # each save its own resident: 高龄津贴 is once per resident (issue 23), so the
    # example's resident saved twice is refused as a duplicate and no receipt appears
    data["applicant_id"] = fresh_id(str(data["applicant_id"]))
    win.form.form.set_values(data)
    for row in win.form.materials.rows:
        row.box.setChecked(True)
    return driver.save()


def test_cases_reach_the_district_without_a_click(qtbot: Any, win: Any, driver: Any,
                                                   district: District) -> None:
    win.autosync.intervals = SHORT
    assert win.autosync.state == "unenrolled"
    qtbot.waitUntil(lambda: "离线工作" in win.sync_label.text(), timeout=10_000)
    # enroll the way the worker does: the sync page's form
    win.go_sync()
    page = win.page("sync")
    qtbot.waitUntil(lambda: page.enroll_card.isVisible(), timeout=10_000)
    page.enroll_url.setText(district.url)
    page.enroll_code.setText(district.code("HY-QL01"))
    qtbot.mouseClick(page.enroll_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.autosync.state == "online", timeout=20_000)
    qtbot.waitUntil(lambda: win.sync_label.text().startswith("● 在线"), timeout=10_000)

    first = _save_case(qtbot, win, driver, "王桂兰")
    # no sync command: the save's nudge pushes it
    qtbot.waitUntil(lambda: district.storage.cases.get(first["uuid"]) is not None,
                    timeout=20_000)
    assert district.storage.cases.get(first["uuid"])["applicant_name"] == "王桂兰"
    qtbot.waitUntil(lambda: win.ctx.store.sync.outbox_counts().get("pending", 0) == 0,
                    timeout=10_000)
    qtbot.waitUntil(lambda: "待上传 0 条" in win.queue_label.text(), timeout=10_000)

    # the district goes away: the next save waits in the outbox, the bar tells the truth
    district.stop()
    second = _save_case(qtbot, win, driver, "李秀英")
    qtbot.waitUntil(lambda: win.autosync.state == "offline", timeout=30_000)
    qtbot.waitUntil(lambda: "离线（自" in win.sync_label.text(), timeout=10_000)
    qtbot.waitUntil(lambda: "待上传 1 条" in win.queue_label.text(), timeout=10_000)
    tip = win.sync_label.toolTip()
    assert "无法连接区级系统" in tip and "Error" not in tip and "Exception" not in tip
    assert win.ctx.store.sync.outbox_counts().get("pending", 0) == 1
    failures = win.autosync.failures
    # it keeps trying by itself (with backoff) while the district is away
    qtbot.waitUntil(lambda: win.autosync.failures >= failures + 2, timeout=30_000)

    # the district comes back on the same address: drained within a minute, no click
    _serve_again(district)
    back = time.monotonic()
    qtbot.waitUntil(lambda: district.storage.cases.get(second["uuid"]) is not None,
                    timeout=60_000)
    assert time.monotonic() - back < 60
    assert district.storage.cases.get(second["uuid"])["applicant_name"] == "李秀英"
    qtbot.waitUntil(lambda: win.autosync.state == "online", timeout=20_000)
    qtbot.waitUntil(lambda: win.sync_label.text().startswith("● 在线") and
                    "待上传 0 条" in win.queue_label.text(), timeout=20_000)
    assert win.ctx.store.sync.outbox_counts().get("pending", 0) == 0
    # the sync page tells the same round the background ran
    win.go_sync()
    qtbot.waitUntil(lambda: "在线" in page.values["state"].text(), timeout=10_000)
    # never on the UI thread: every round ran on the helper's network lane
    assert win.autosync.rounds >= 2


def test_backoff_grows_with_jitter_and_stays_under_a_minute() -> None:
    iv = Intervals()
    lows = [backoff_delay(n, iv, lambda: 0.0) for n in range(1, 12)]
    highs = [backoff_delay(n, iv, lambda: 1.0) for n in range(1, 12)]
    assert lows[0] == iv.backoff / 2 and highs[0] == iv.backoff
    assert highs == sorted(highs) and max(highs) == iv.backoff_max < 60
    assert all(lo == hi / 2 for lo, hi in zip(lows, highs, strict=True))
