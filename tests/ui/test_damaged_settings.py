"""The window tells the worker when the settings file was damaged and kept aside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desk.core.app import DeskContext


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_window_says_the_settings_file_was_kept_aside(qtbot: Any, tmp_path: Path) -> None:
    from desk.ui import main as ui_main

    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    ctx.close()
    (data / "settings.json").write_text('{"desk_code": "HY-QL01", "work', "utf-8")
    ctx = DeskContext.open(str(data))
    (aside,) = data.glob("settings.json.damaged-*")
    seen: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        box.accept()

    ui_main.make_app()
    QTimer.singleShot(50, read_and_close)
    try:
        ui_main.tell_notices(ctx)
    finally:
        ctx.close()
    assert len(seen) == 1 and "设置文件已损坏" in seen[0] and aside.name in seen[0]
