"""Qt's own dialogs speak the UI's language: Yes/No, OK/Cancel (and the print dialog) come
from Qt's translation (qtbase_zh_CN.qm), loaded with the app's own; the installer bundles
it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox

from desk.ui import style


def _buttons(win: Any) -> dict[str, str]:
    box = QMessageBox(QMessageBox.Icon.Question, "t", "离开吗？",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No |
                      QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel, win)
    try:
        return {name: box.button(getattr(QMessageBox.StandardButton, name)).text()
                .replace("&", "") for name in ("Yes", "No", "Ok", "Cancel")}
    finally:
        box.deleteLater()


def test_message_box_buttons_in_the_ui_language(qtbot: Any, win: Any) -> None:
    app = QApplication.instance()
    try:
        assert style.install_language(app, "zh_CN")
        zh = _buttons(win)
        assert zh["Yes"].startswith("是") and zh["No"].startswith("否"), zh
        assert zh["Ok"].startswith("确定") and zh["Cancel"].startswith("取消"), zh
        assert style.install_language(app, "en")
        assert _buttons(win) == {"Yes": "Yes", "No": "No", "Ok": "OK", "Cancel": "Cancel"}
    finally:
        style.install_language(app, "zh_CN")
    assert _buttons(win)["Yes"].startswith("是")


def test_installer_bundles_qt_chinese_translation() -> None:
    spec = (Path(__file__).resolve().parents[2] / "installer" / "doorstep-desk.spec") \
        .read_text("utf-8")
    assert "qtbase_zh_CN.qm" in spec
    keep = re.search(r'QT_TRANSLATIONS = re\.compile\(r"(.+?)"\)', spec)
    assert keep and re.match(keep[1], "qtbase_zh_CN.qm")
    assert style.qt_translation("zh_CN").is_file()
