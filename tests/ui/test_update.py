"""有新版本 on the desk (issue 19): the worker reads the notes, downloads through the
district (off the UI thread, with progress) and installs with a click; a broken
connection keeps what arrived and 重新下载 resumes. Real district server, real desk."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from answers import Answers
from sync_helpers import District, enroll

from sync.client import updates
from sync.client.desk import sync_desk
from sync.district import releases

# an offscreen top-level dialog: Qt's offscreen plugin says it cannot pass size hints on
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def offered(district: District, desk: Any, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Path]:
    monkeypatch.setattr(updates, "running_version", lambda: "0.9.2")
    enroll(district, desk)
    deb = tmp_path / "doorstep-desk_0.9.3_amd64.deb"
    deb.write_bytes(os.urandom(3 * 1024 * 1024 + 5))  # four pieces
    releases.add_release(district.storage, deb, version="0.9.3", platform="linux",
                         notes="新增诉求登记；回执打印更快", actor="test")
    assert sync_desk(desk)["release"] == "0.9.3"
    rel = updates.offered(desk)
    assert rel is not None
    return rel, deb


def _dialog(qtbot: Any, desk: Any, rel: Any, opened: list[Path]) -> Any:
    from desk.ui.main import make_app
    from desk.ui.services import Services
    from desk.ui.tasks import TaskManager
    from desk.ui.update import UpdateDialog

    make_app()
    tasks = TaskManager()
    dlg = UpdateDialog(Services(desk, tasks, Answers()), rel,
                       open_file=lambda p: opened.append(p) or True)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg, tasks


def test_the_worker_downloads_and_installs_with_a_click(qtbot: Any, desk: Any,
                                                       offered: tuple[Any, Path]) -> None:
    rel, deb = offered
    opened: list[Path] = []
    dlg, tasks = _dialog(qtbot, desk, rel, opened)
    try:
        assert "有新版本 0.9.3（当前 0.9.2）" in dlg.findChild(type(dlg.info), "pageTitle").text()
        assert not dlg.install_btn.isEnabled()  # nothing to install before the download
        dlg.download_btn.click()
        qtbot.waitUntil(dlg.install_btn.isEnabled, timeout=60_000)
        assert dlg.bar.value() == 1000 and "校验无误" in dlg.message.text()
        assert opened == []  # downloading never installs
        dlg.install_btn.click()
        assert len(opened) == 1 and opened[0].read_bytes() == deb.read_bytes()
        assert dlg.result() == dlg.DialogCode.Accepted
    finally:
        tasks.shutdown()


def test_a_broken_download_says_so_and_resumes(qtbot: Any, desk: Any, district: District,
                                              offered: tuple[Any, Path]) -> None:
    rel, deb = offered
    opened: list[Path] = []
    dlg, tasks = _dialog(qtbot, desk, rel, opened)
    try:
        district.stop()  # no network in the compound
        desk.store.set_meta("clock_offset", "0")
        dlg.download_btn.click()
        qtbot.waitUntil(lambda: dlg.download_btn.isEnabled(), timeout=120_000)
        assert dlg.download_btn.text() == "重新下载"
        assert "无法连接区级系统" in dlg.message.text() and "接着下载" in dlg.message.text()
        assert "Error" not in dlg.message.text()  # plain Chinese, no exception names
        assert not dlg.install_btn.isEnabled()
        district.restart()
        dlg.download_btn.click()
        qtbot.waitUntil(dlg.install_btn.isEnabled, timeout=60_000)
        dlg.install_btn.click()
        assert opened[0].read_bytes() == deb.read_bytes()
    finally:
        tasks.shutdown()


def test_the_window_offers_the_new_version_after_a_sync(qtbot: Any, win: Any,
                                                        offered: tuple[Any, Path]) -> None:
    """The status bar shows 有新版本 once a sync learnt of it; a click opens the notes."""
    win.status.refresh()
    qtbot.waitUntil(lambda: win.status.update_button.isVisible(), timeout=30_000)
    assert "有新版本 0.9.3" in win.status.update_button.text()
    win.status.update_button.linkActivated.emit("update")  # the worker clicks the link
    dlg = win.updates.dialog
    qtbot.waitUntil(dlg.isVisible, timeout=10_000)
    from PySide6.QtWidgets import QTextBrowser

    assert "新增诉求登记" in dlg.findChild(QTextBrowser).toPlainText()
    dlg.reject()
