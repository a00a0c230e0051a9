"""Masked by default, revealed on purpose: the case detail shows full ID numbers and
phones only after the worker gives a reason, which goes into the hash-chained audit log;
a minute later (or on leaving the page) they are masked again."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog

OFFSCREEN_DIALOG = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@OFFSCREEN_DIALOG
def test_reveal_needs_a_reason_is_audited_and_masks_again(qtbot: Any, win: Any) -> None:
    ctx = win.ctx
    example = dict(ctx.catalog.get("MZ-GLJT").example)
    case = ctx.cases.submit("MZ-GLJT", example, ctx.actor())
    full_id, phone = example["applicant_id"], example["applicant_phone"]
    win.show_case(case["uuid"])
    detail = win.page("detail")
    qtbot.waitUntil(lambda: detail.case is not None and detail.case["uuid"] == case["uuid"])
    text = detail.body.toPlainText()
    assert full_id not in text and phone not in text and full_id[-4:] in text

    answers: list[str] = []

    def answer(reason: str | None) -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, QInputDialog):
            QTimer.singleShot(20, lambda: answer(reason))
            return
        answers.append(dlg.labelText())
        if reason is None:
            dlg.reject()
        else:
            dlg.setTextValue(reason)
            dlg.accept()

    QTimer.singleShot(0, lambda: answer(None))  # cancelled: nothing shown, nothing audited
    detail.reveal.click()
    assert full_id not in detail.body.toPlainText() and not detail.reveal.isChecked()
    assert not [e for e in ctx.store.history(case["uuid"]) if e["action"] == "case.reveal"]

    QTimer.singleShot(0, lambda: answer("电话联系居民"))
    detail.reveal.click()
    assert "审计日志" in answers[-1]
    text = detail.body.toPlainText()
    assert full_id in text and phone in text and detail.reveal.isChecked()
    reveals = [e for e in ctx.store.history(case["uuid"]) if e["action"] == "case.reveal"]
    assert len(reveals) == 1 and reveals[0]["detail"] == {"reason": "电话联系居民"}
    assert reveals[0]["actor"] == ctx.settings.worker_name
    assert "查看完整信息" in detail.history.toPlainText()
    assert ctx.store.verify_audit() is None

    detail.remask.setInterval(50)  # the minute, shortened
    detail.remask.start()
    qtbot.waitUntil(lambda: not detail.reveal.isChecked(), timeout=5_000)
    assert full_id not in detail.body.toPlainText()

    with pytest.raises(Exception, match="原因"):
        ctx.store.record_reveal(case["uuid"], "刘晓燕", "  ")
