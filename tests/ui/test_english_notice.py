"""The desk's one-time notice page in the English UI (issue 16): the notice's body —
eligibility, conditions, steps, time limit, place, result, tips — shows the catalog's English
where the item has it, and the catalog's Chinese for each text it leaves out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from answers import Answers
from PySide6.QtWidgets import QApplication

from forms.model import NoticeTranslation


@pytest.fixture
def english_win(qtbot: Any, desk: Any) -> Iterator[Any]:
    """The main window, built after the English translation is installed."""
    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    app = make_app()
    assert style.install_language(app, "en")
    style.apply(app, False, False)
    w = MainWindow(desk, dialogs=Answers())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: not w.tasks.busy)
    try:
        yield w
    finally:
        w.tasks.shutdown()
        style.install_language(QApplication.instance(), "zh_CN")


def _shown(win: Any) -> str:
    page = win.notice_page
    assert win.stack.currentWidget() is page
    return str(page.text.toPlainText())


def test_english_notice_page_shows_the_catalogs_english_body(qtbot: Any,
                                                            english_win: Any) -> None:
    win = english_win
    item = win.ctx.catalog.get("MZ-GLJT")
    en = item.translated("en")
    assert en.notice is not None and en.notice.conditions and en.notice.steps
    win.open_notice("MZ-GLJT")
    text = _shown(win)
    for line in [*en.notice.conditions, *en.notice.steps, *(en.notice.tips or []),
                 *(en.eligibility or [])]:
        assert line in text, (line, text)
    for line in [en.notice.time_limit, en.notice.where, en.notice.result]:
        assert line and line in text, (line, text)
    assert "Aged 80 or over" in text  # the parameter's value in the English text
    assert "Resident ID card" in text and "Civil Affairs" in text
    # none of the Chinese body is left (the legal basis is a citation and stays as it is)
    for zh in [*item.notice.conditions, *item.notice.steps, *item.notice.tips,
               *item.eligibility, item.notice.time_limit, item.notice.where,
               item.notice.result, "居民身份证", "户口簿"]:
        assert zh not in text, (zh, text)
    assert not re.search(r"[\u4e00-\u9fff]", "".join(en.notice.steps))  # really English


def test_english_notice_page_falls_back_to_chinese_per_text(qtbot: Any,
                                                           english_win: Any) -> None:
    """A translation with steps only: the steps in English, every other text in Chinese."""
    win = english_win
    item = win.ctx.catalog.get("MZ-GLJT")
    en = item.translated("en")
    assert en.notice is not None and en.notice.steps
    partial = en.model_copy(update={"eligibility": None,
                                    "notice": NoticeTranslation(steps=en.notice.steps)})
    win.notice_page.show_item(item.model_copy(update={"translations": {"en": partial}}))
    text = win.notice_page.text.toPlainText()
    assert all(s in text for s in en.notice.steps), text
    assert all(c in text for c in [*item.notice.conditions, *item.notice.tips,
                                   *item.eligibility, item.notice.time_limit,
                                   item.notice.where, item.notice.result]), text
    assert not any(c in text for c in en.notice.conditions)
    assert "Advanced-age allowance" in text  # the name is still translated
