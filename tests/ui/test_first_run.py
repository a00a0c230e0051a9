"""First run: an empty desk code is asked for (not called malformed); a message goes as
soon as its field is fixed; the worker's contact phone is asked (and editable in settings)
and printed on receipts as 经办电话."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.timeout(120)


def test_first_run_asks_for_code_and_clears_fixed_errors(qtbot: Any, desk: Any) -> None:
    from desk.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(desk.settings, first_run=True)
    qtbot.addWidget(dlg)
    code, name, phone = (dlg.edits[k] for k in ("desk_code", "worker_name", "worker_phone"))
    code.setText("")
    name.setText("")
    phone.setText("12345")
    dlg.try_accept()
    assert dlg.result_settings is None
    assert dlg.errors["desk_code"].text().startswith("请填写办事点编号")
    assert "大写字母" not in dlg.errors["desk_code"].text()
    assert not dlg.errors["worker_name"].isHidden()
    assert "工作人员电话" in dlg.errors["worker_phone"].text()
    # typing a wrong code changes the message to the rule; a right one clears it at once
    code.setText("hy ql")
    assert "大写字母" in dlg.errors["desk_code"].text()
    code.setText("hy-ql02")
    assert dlg.errors["desk_code"].isHidden()
    name.setText("王芳")
    assert dlg.errors["worker_name"].isHidden()
    phone.setText("13871234567")
    assert dlg.errors["worker_phone"].isHidden()
    dlg.try_accept()
    assert dlg.result_settings is not None
    assert dlg.result_settings.worker_phone == "13871234567"


def test_worker_phone_edited_in_settings_prints_on_receipt(qtbot: Any, desk: Any) -> None:
    from desk.core.receipts import render_case_pdf
    from desk.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(desk.settings)
    qtbot.addWidget(dlg)
    dlg.edits["worker_phone"].setText("027-84561234")
    dlg.try_accept()
    assert dlg.result_settings is not None
    desk.settings = dlg.result_settings
    desk.save_settings()
    case = desk.cases.submit("MZ-GLJT", dict(desk.catalog.get("MZ-GLJT").example),
                             desk.actor())
    pdf = render_case_pdf(desk, desk.store.get_case(case["uuid"]), "a4")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "027-84561234" in text
    assert "经办电话 —" not in text
