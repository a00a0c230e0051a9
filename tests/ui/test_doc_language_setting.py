"""The Settings dialog's 文书第二语言 (issue 16): the languages the desk can print in are
offered (English, and those the catalog or the district's translation files provide), the
choice is saved with the settings, and a language the district published with its catalog
is offered as the UI language too."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.timeout(120)


def test_the_settings_dialog_sets_the_documents_second_language(qtbot: Any, desk: Any) -> None:
    from desk.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(desk.settings, doc_languages=["en", "ii"], ui_languages=["en", "ii"])
    qtbot.addWidget(dlg)
    box = dlg.doc_language
    assert [box.itemData(i) for i in range(box.count())] == ["", "en", "ii"]
    assert box.currentData() == ""  # none until chosen: Chinese alone
    assert [dlg.language.itemData(i) for i in range(dlg.language.count())] == \
        ["zh_CN", "en", "ii"]
    box.setCurrentIndex(box.findData("en"))
    dlg.try_accept()
    assert dlg.result_settings is not None
    assert dlg.result_settings.doc_language == "en"
    # saved and shown again as chosen
    desk.settings = dlg.result_settings
    desk.save_settings()
    again = SettingsDialog(desk.settings, doc_languages=["en"])
    qtbot.addWidget(again)
    assert again.doc_language.currentData() == "en"
    # a language set before but no longer provided is still shown (not silently dropped)
    desk.settings.doc_language = "bo"
    kept = SettingsDialog(desk.settings, doc_languages=["en"])
    qtbot.addWidget(kept)
    assert kept.doc_language.currentData() == "bo"
