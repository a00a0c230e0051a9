"""补正材料告知书 (``correction``): every missing item, its required form, how and by when
to bring it, and whom to ask.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from desk.core.cases import default_defer_days
from desk.core.receipts.bilingual import Bi
from desk.core.receipts.blocks import (
    PRIORITY_ROW,
    contact_words,
    footer_block,
    header_block,
    material_names,
    people_rows,
    stub_block,
)
from desk.core.receipts.facts import TITLES, CaseFacts
from desk.core.receipts.layout import Sheet
from forms.printing.notice import _materials, cn_date, iso_date
from forms.workdays import add_working_days, working_days_between

if TYPE_CHECKING:
    from desk.core.app import DeskContext


def correction_document(ctx: DeskContext, f: CaseFacts, fmt: str, *, with_qr: bool,
                        signature: bytes | None) -> bytes:
    """补正材料告知书: every missing item, its form, how and by when to bring it."""
    title = TITLES["correction"]
    sheet = Sheet(fmt, title=f"{title} {f.receipt_no}", subject=str(f.case["item_name"]),
                  author=f.desk_label, words=f.words)
    w = f.words
    code = header_block(sheet, ctx, f, title, "告知书编号", with_qr, "告知日期")
    pending = f.outstanding
    due = correction_due(f)
    sheet.para(w.t("您申请办理的“{item}”事项，经核查，申请材料不齐全或不符合"
                   "法定形式。现将需要补正的全部材料一次性告知如下：",
                   item=w.name(f.item, str(f.case["item_name"]))))
    sheet.space(3)
    phone = f.settings.worker_phone
    rows: list[tuple[str, str] | tuple[str, str, bool]] = [
        *people_rows(f), ("办理事项", f.item_label, True),
        ("主管部门", w.department(f.item, str(f.case.get("department", "")))),
        *([PRIORITY_ROW] if f.case.get("priority") else []),
        ("经办人", str(f.case.get("worker", ""))), ("经办电话", phone or "—")]
    sheet.alternatives(lambda: sheet.fields(rows), lambda: sheet.fields(rows, small=True),
                       rank=5)
    sheet.heading("需补正的材料")
    table, roll = [], []
    for i, m in enumerate(pending, 1):
        need = "必交" if m.get("required", True) else "如有请提供"
        note = str(m.get("note") or "")
        name = w.material(f.item, str(m["name"]))
        table.append([str(i), name, str(m.get("form", "—")), str(m.get("count", 1)),
                     need + (f"；{note}" if note else "")])
        detail = f"{m.get('form', '—')} {m.get('count', 1)}份，{need}" + (
            f"；{note}" if note else "")
        if w.lang and not note:
            detail = Bi(detail, f"{w.param(m.get('form', '—'))}, {m.get('count', 1)}; "
                        f"{w.param(need)}")
        roll.append((name, detail))
    _materials(sheet, ["序号", "材料名称", "要求形式", "份数", "说明"], table,
               [0.8, 3.8, 2.2, 1, 4.2], (0, 2, 3), roll, "（无需补正）", rank=3)
    sheet.heading("补正期限与方式")
    days = working_days_between(date.fromisoformat(str(f.case["accepted_date"])[:10]),
                                date.fromisoformat(due), f.calendar)
    sheet.bullets([
        w.t("补正期限：请于{due}前（{days}个工作日内）补齐上述材料。", due=iso_date(due),
            days=days),
        w.t("补正方式：带上述材料到{desk}或社区便民服务站提交；也可委托他人代办，"
            "须带授权委托书和代办人身份证。", desk=f.desk_name),
        "材料补齐后即予受理，办理时限自受理之日起计算；已收的材料无需重复提供。",
        w.t("咨询与投诉：{contact}。", contact=contact_words(f)),
    ], numbered=False)
    received = f.mats.get("received", [])
    sheet.para(w.t("已收材料（无需重复提供）：{names}。",
                   names=material_names(f, received) if received else "无"), small=True)
    sheet.space(2)
    sheet.signature(["申请人（代办人）签收：", "经办人签字："], image=signature)
    footer_block(sheet, ctx, f, code, with_qr)
    stub_block(sheet, f, title, [("补正期限", cn_date(due)),
                            ("需补正", w.t("{n}件", n=len(pending)))])
    return sheet.render()


def correction_due(f: CaseFacts) -> str:
    """The date by which corrected materials are due (ISO), from the case alone."""
    dues = [m["due_date"] for m in f.outstanding if m.get("due_date")]
    if dues:
        return str(max(dues))
    start = date.fromisoformat(str(f.case["accepted_date"])[:10])
    days = default_defer_days(f.item) if f.item is not None else 5
    return add_working_days(start, days, f.calendar).day.isoformat()
