"""The 绿色通道 flag keeps what its tooltip promises (the receipt and the case list mark
it), and a 一件事 case's detail shows each chosen service's route as the district last said
(issue 12, items 10 and 15)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desk.core.receipts import render_case_pdf
from desk.ui.cases import UUID_ROLE


def _pdf_text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_priority_tooltip_promises_only_what_is_done(qtbot: Any, win: Any) -> None:
    ctx = win.ctx
    win.start_form("MZ-GLJT")
    tip = win.form.priority.toolTip()
    assert "回执" in tip and "案件列表" in tip  # what it promises ...
    example = dict(ctx.catalog.get("MZ-GLJT").example, priority=True)
    urgent = ctx.cases.submit("MZ-GLJT", example, ctx.actor())
    plain = ctx.cases.submit("MZ-GLJT", dict(ctx.catalog.get("MZ-GLJT").example,  # issue 23:
                                              applicant_id="420105194302020028"),  # another
                             ctx.actor())
    # ... the receipt marks it, in both formats
    for fmt in ("a4", "80mm"):
        assert "绿色通道" in _pdf_text(render_case_pdf(ctx, ctx.store.get_case(urgent["uuid"]),
                                                      fmt=fmt))
    # ... and the case list marks it (a star and a tooltip on the applicant's name)
    win.go_cases()
    model = win.page("cases").model
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=10_000)
    col = [c[0] for c in model.columns].index("applicant_name")
    marks = {}
    for row in range(model.rowCount()):
        idx = model.index(row, col)
        marks[model.data(idx, UUID_ROLE)] = (model.data(idx),
                                             model.data(idx, Qt.ItemDataRole.ToolTipRole))
    assert marks[urgent["uuid"]][0].startswith("★") and marks[urgent["uuid"]][1] == "绿色通道"
    assert not marks[plain["uuid"]][0].startswith("★") and marks[plain["uuid"]][1] is None


def test_bundle_detail_shows_each_chosen_route(qtbot: Any, win: Any) -> None:
    ctx = win.ctx
    example = dict(ctx.catalog.get("YJS-SH").example,
                   services=["死亡户口注销", "惠民殡葬补助"])
    case = ctx.cases.submit("YJS-SH", example, ctx.actor())
    ctx.store.sync.apply_changes([
        {"seq": 3, "kind": "route", "case_uuid": case["uuid"], "status": "rejected",
         "note": "逝者生前不在本区居住", "department": "民政",
         "at": "2026-11-24T02:00:00.000+00:00", "item_code": "MZ-BZBZ",
         "item_name": "惠民殡葬/丧葬补助", "catalog": None}], "3")
    win.show_case(case["uuid"])
    detail = win.page("detail")
    qtbot.waitUntil(lambda: detail.case is not None and detail.case["uuid"] == case["uuid"])
    text = detail.body.toPlainText()
    assert "联办事项办理情况" in text
    assert "死亡户口注销" in text and "公安" in text and "待处理" in text
    assert "不予办理" in text and "逝者生前不在本区居住" in text
    assert "城乡居民养老保险死亡待遇申领" not in text  # not chosen: no route
