"""读卡 on a form (issue 17): the simulated reader through the real widget and the
background helper — fills what the item marks, warns on an expired card, shows each
reader failure in words."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from answers import Answers

# the widget is shown on its own, a top-level window: Qt's offscreen plugin says so
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

CARD = {"name": "王桂兰", "sex": "女", "nation": "汉", "birth_date": "19450101",
        "address": "湖北省武汉市汉阳区七里一村12栋3单元502室", "id_number": "420105194501010025",
        "issuer": "武汉市公安局汉阳分局", "valid_from": "20200101", "valid_to": "长期"}


def _widget(qtbot: Any, desk: Any, card_file: Path) -> tuple[Any, Any]:
    from desk.ui.card_read import CardRead
    from desk.ui.main import make_app
    from desk.ui.services import Services
    from desk.ui.tasks import TaskManager

    make_app()
    desk.settings.card_reader, desk.settings.card_reader_path = "simulated", str(card_file)
    tasks = TaskManager()
    w = CardRead(Services(desk, tasks, Answers()), desk.catalog.get("MZ-GLJT"))
    qtbot.addWidget(w)
    return w, tasks


def test_a_card_fills_the_marked_fields(qtbot: Any, desk: Any, tmp_path: Path) -> None:
    card_file = tmp_path / "card.json"
    card_file.write_text(json.dumps(CARD, ensure_ascii=False), encoding="utf-8")
    w, tasks = _widget(qtbot, desk, card_file)
    try:
        assert not w.isHidden()
        with qtbot.waitSignal(w.cardRead, timeout=30_000) as got:
            w.button.click()
        values, data = got.args
        assert values == {"applicant_name": "王桂兰", "applicant_id": "420105194501010025",
                          "hukou_address": CARD["address"]}
        assert data.photo is None
        assert "已填入 3 项" in w.message.text() and "过有效期" not in w.message.text()

        card_file.write_text(json.dumps({**CARD, "valid_to": "20260501"},
                                        ensure_ascii=False), encoding="utf-8")
        with qtbot.waitSignal(w.cardRead, timeout=30_000):
            w.button.click()
        assert "此身份证已过有效期（2026-05-01）" in w.message.text()

        card_file.write_text(json.dumps({"error": "no_card"}))
        w.button.click()
        qtbot.waitUntil(lambda: "读卡器上没有身份证" in w.message.text(), timeout=30_000)
        assert w.button.isEnabled()
    finally:
        tasks.shutdown()


def test_no_reader_set_up_hides_the_button(qtbot: Any, desk: Any) -> None:
    from desk.ui.card_read import CardRead
    from desk.ui.main import make_app
    from desk.ui.services import Services
    from desk.ui.tasks import TaskManager

    make_app()
    tasks = TaskManager()
    try:
        w = CardRead(Services(desk, tasks, Answers()), desk.catalog.get("MZ-GLJT"))
        qtbot.addWidget(w)
        assert w.isHidden()
    finally:
        tasks.shutdown()


def test_a_card_read_on_the_form_is_recorded_on_the_case(qtbot: Any, win: Any, desk: Any,
                                                         tmp_path: Path) -> None:
    """On the real window: 读卡 fills the 高龄津贴 form's name, ID and 户籍地址; the saved
    case says which fields came from the card — not one the worker then changed."""
    card_file = tmp_path / "card.json"
    card_file.write_text(json.dumps(CARD, ensure_ascii=False), encoding="utf-8")
    desk.settings.card_reader, desk.settings.card_reader_path = "simulated", str(card_file)
    win.start_form("MZ-GLJT")
    page = win.form
    assert not page.card.isHidden()
    example = dict(desk.catalog.get("MZ-GLJT").example)
    page.form.set_values({k: v for k, v in example.items() if k != "materials"})
    with qtbot.waitSignal(page.card.cardRead, timeout=30_000):
        page.card.button.click()
    assert page.form.values()["applicant_id"] == CARD["id_number"]
    page.form.set_values({"hukou_address": "湖北省武汉市汉阳区琴台路1号"})  # corrected
    sub = page.submission()
    assert sub["identity_read"] == ["applicant_id", "applicant_name"]
    assert sub["identity_valid_to"] == "长期"  # issue 23: the card's own expiry goes along
    case = desk.cases.submit("MZ-GLJT", {**sub, "materials": example["materials"]},
                             desk.actor())
    data = json.loads(desk.store.get_case(case["uuid"])["data_json"])
    assert data["identity"] == {"source": "card", "fields": ["applicant_id", "applicant_name"],
                                "valid_to": "长期"}
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=30_000)
    win._drop_form()  # its pending re-check must not run after the desk is closed
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
