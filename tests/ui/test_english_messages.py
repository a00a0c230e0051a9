"""English mode shows validation messages in English (issue 14, item 14).

The engine's problems carry their Chinese template and parameters; the desk translates the
template (doorstep_en.ts) and fills in the parameters. The command line keeps its Chinese
``field: [rule] message`` lines.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from answers import Answers
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desk.core.resources import resources_dir
from desk.ui.problems import known_templates
from forms.engine import validate

FORMS = Path(__file__).resolve().parents[2] / "forms"
ENGINE = (FORMS / "engine.py", FORMS / "values.py")  # the checks, and each value's own


def engine_templates() -> set[str]:
    """Every template the engine builds a field's message from (read from its source)."""
    src = "".join(path.read_text("utf-8") for path in ENGINE)
    bad = re.findall(r'BadValue\(\s*"\w+",\s*"([^"]+)"', src)
    direct = re.findall(r'_problem\([^,]+,\s*"\w+",\s*"([^"]+)"', src)
    return {"{label}：" + t for t in bad} | set(direct)


def test_every_engine_template_is_known_to_the_ui_and_translated() -> None:
    known = set(known_templates())  # no translator installed: tr() gives the source
    templates = engine_templates()
    assert len(templates) >= 25
    assert templates - {"{label}：未知字段类型 {t}"} <= known, templates - known
    ts = ET.parse(resources_dir() / "translations" / "doorstep_en.ts").getroot()
    done = {m.findtext("source"): m.find("translation") for m in ts.iter("message")}
    for t in known:
        tr = done.get(t)
        assert tr is not None and tr.get("type") != "unfinished" and tr.text, t
        assert re.findall(r"\{\w+\}", t) == re.findall(r"\{\w+\}", tr.text) or \
            set(re.findall(r"\{\w+\}", t)) == set(re.findall(r"\{\w+\}", tr.text)), (t, tr.text)


def test_problems_carry_template_and_parameters() -> None:
    from desk.core.app import DeskContext  # noqa: F401 - the catalog comes with the desk
    from forms.catalog import load_catalog

    item = load_catalog().get("MZ-GLJT")
    sub = dict(item.example)
    sub["applicant_name"] = ""
    sub["applicant_phone"] = "12"
    result = validate(item, sub, today=date(2026, 9, 29))
    by_field = {p.field: p for p in result.errors}
    name = by_field["applicant_name"]
    assert name.template == "{label}：必须填写" and dict(name.params)["label"]
    assert name.message == name.template.format(**dict(name.params))
    assert name.as_dict() == {"field": "applicant_name", "rule": "required",
                              "message": name.message, "level": "error"}  # CLI unchanged


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


def test_english_window_shows_english_validation_messages(qtbot: Any,
                                                         english_win: Any) -> None:
    win = english_win
    win.start_form("MZ-GLJT")
    page = win.form
    assert win.stack.currentWidget() is page
    name = page.form.editor("applicant_name")
    name.edit.setFocus()
    qtbot.keyClicks(name.edit, "x")  # one Latin letter: not a name
    phone = page.form.editor("applicant_phone")
    qtbot.keyClicks(phone.edit, "12")
    qtbot.keyClick(win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # save → all shown
    qtbot.waitUntil(lambda: page.form.show_all)
    row = page.form.rows["applicant_name"]
    qtbot.waitUntil(lambda: row.message.isVisible())
    shown = row.message.text()
    assert shown and not re.search(r"[\u4e00-\u9fff]", shown), shown  # English, no Chinese
    assert "name" in shown.lower()
    summary = page.summary.text()
    assert "should be 2 to 40" in summary, summary
    assert "必须填写" not in summary and "姓名应为" not in summary
    # the field's label as the catalog translates it, in the row and in the summary
    assert "Name of the elder" in row.label.text() and "Name of the elder" in summary


def test_english_window_shows_catalog_translations_else_chinese(qtbot: Any,
                                                               english_win: Any) -> None:
    win = english_win
    names = {win.home.list.item(i).data(Qt.ItemDataRole.UserRole):
             win.home.list.item(i).text() for i in range(win.home.list.count())}
    assert names["MZ-GLJT"] == "Advanced-age allowance"  # translated in the catalog
    # every shipped item's name is translated now (issue 16); one without a translation
    # (a district's own item) shows the catalog's Chinese
    from desk.ui.catalog_text import item_name

    bare = win.ctx.catalog.get("MZ-DB").model_copy(update={"translations": {}})
    assert item_name(bare) == "最低生活保障申请"
    win.start_form("YJS-TX")
    boxes = {r.material.name: r.box.text() for r in win.form.materials.rows}
    assert boxes["社会保障卡"] == "Social security card"
    assert win.form.form.rows["applicant_name"].label.text().startswith("退休人员姓名")


def test_rare_name_characters_show_on_screen(qtbot: Any, win: Any) -> None:
    """The window draws rare name characters (Extensions B, G, H), not a missing-glyph
    box: with the bundled fallback fonts where the system's font lacks them (WenQuanYi, as
    CI has it), or with the system's font where it has them (Noto Sans CJK has 𰻞)."""
    from PySide6.QtGui import QRawFont, QTextLayout

    from desk.ui import style

    qtbot.waitUntil(lambda: style._fallbacks_loaded)
    system = QRawFont.fromFont(win.font())
    for ch in ("𪸩", "𰻞", "𲎯"):
        layout = QTextLayout(ch, win.font())
        layout.beginLayout()
        layout.createLine()
        layout.endLayout()
        runs = layout.glyphRuns()
        assert runs, ch
        for run in runs:
            family = run.rawFont().familyName()
            assert run.rawFont().supportsCharacter(ord(ch)), (ch, family)
            assert all(g != 0 for g in run.glyphIndexes()), (ch, family)
            if not system.supportsCharacter(ord(ch)):
                assert family.startswith("Doorstep Han Fallback"), (ch, family)
