"""受理回执 (``receipt``) — what was accepted, the promised date, how to follow up and
rate — and 容缺受理通知书 (``deferral``): the receipt's content plus every deferred material,
its form and due date, the consequence of lateness and the resident's commitment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from desk.core.receipts.bilingual import Bi
from desk.core.receipts.blocks import (
    case_rows,
    footer_block,
    header_block,
    material_names,
    people_rows,
    rating_block,
    received_table,
    routes_block,
    service_rows,
    stub_block,
)
from desk.core.receipts.exempt import exempt_stub, signatures
from desk.core.receipts.facts import TITLES, CaseFacts
from desk.core.receipts.layout import Sheet
from desk.core.receipts.obtained import obtained
from forms.printing.notice import _materials, cn_date, iso_date, short_date

if TYPE_CHECKING:
    from desk.core.app import DeskContext


def receipt_document(ctx: DeskContext, f: CaseFacts, fmt: str, *, deferral: bool,
                     with_qr: bool, signature: bytes | None) -> bytes:
    """受理回执, or 容缺受理通知书 (the receipt plus the deferred materials)."""
    status = str(f.case["status"])
    title = TITLES["deferral"] if deferral else (
        "收件回执" if status == "correction" else TITLES["receipt"])
    sheet = Sheet(fmt, title=f"{title} {f.receipt_no}", subject=str(f.case["item_name"]),
                  author=f.desk_label, words=f.words)
    code = header_block(sheet, ctx, f, title, "受理编号", with_qr, "受理日期")
    pending = f.outstanding
    if deferral:
        sheet.para(f.words.t("您申请的“{item}”事项主要材料齐全，经您书面承诺，"
                             "本办事点予以容缺受理。请按下列期限补交所缺材料。",
                             item=f.words.name(f.item, str(f.case["item_name"]))))
        sheet.space(3)
    rows = [*people_rows(f), *case_rows(f, accepted=status != "correction")]
    sheet.alternatives(  # a sheet still too long after that sets all the fields small
        lambda: sheet.fields(rows),
        lambda: sheet.alternatives(lambda: sheet.fields(rows, small_wide=True),
                                   lambda: sheet.fields(rows, small=True), rank=5), rank=2)
    routes_block(sheet, f)
    sheet.heading("已收材料")
    received_table(sheet, f)
    obtained(sheet, f)  # issue 17: 免提交 materials; identity read from the card
    required = [m for m in pending if m.get("required", True)]
    optional = [str(m["name"]) for m in pending if not m.get("required", True)]
    if deferral or (required and status == "deferred"):
        _deferred_section(sheet, f, pending)
    elif required:
        sheet.heading("待补材料")
        sheet.para(f.words.t("尚有{n}件材料未交齐，详见《补正材料告知书》。", n=len(required)),
                   small=True)
    elif optional:
        sheet.para(f.words.t("可选材料（如有可补充，不影响办理）：{names}。",
                             names=material_names(f, optional)), small=True)
    if f.case.get("district_note"):
        sheet.heading("区级备注")
        note = str(f.case["district_note"])
        sheet.alternatives(lambda: sheet.para(note), lambda: sheet.para(note, small=True),
                           rank=1)
    rating_block(sheet, f)
    sheet.space(2)
    signatures(sheet, f.case, signature)  # issue 18: 无需签字 for a 免申 case
    if fmt == "a4":
        sheet.para("（办事点盖章）", right=True)
    footer_block(sheet, ctx, f, code, with_qr)
    received = len(f.mats.get("received", []))
    mats = f.words.t("已收{received}件", received=received)
    if required:
        due = max((m.get("due_date") or "" for m in required), default="")
        mats = f.words.t("已收{received}件，待补{missing}件（{due}前）" if due else
                         "已收{received}件，待补{missing}件", received=received,
                         missing=len(required), due=short_date(due))
    extra: list[tuple[str, str] | tuple[str, str, bool]] = [
        ("承诺办结", cn_date(f.case.get("promised_date")) or "—"), ("材料", mats)]
    if f.case.get("priority"):
        extra.append(("办理通道", "绿色通道"))
    extra += exempt_stub(f.case)
    services = service_rows(f)
    if services:
        extra.append(("联办事项", f.words.t("{n}项（见申请人留存联）", n=len(services))))
    stub_block(sheet, f, title, extra, exempt=True)
    return sheet.render()


def _deferred_section(sheet: Sheet, f: CaseFacts, pending: list[dict[str, Any]]) -> None:
    sheet.heading("容缺补交材料")
    rows, roll = [], []
    w = f.words
    for i, m in enumerate(pending, 1):
        optional = not m.get("required", True)
        due = "选交" if optional else (cn_date(m.get("due_date")) or "—")
        name = w.material(f.item, str(m["name"]))
        rows.append([str(i), name, str(m.get("form", "—")), str(m.get("count", 1)), due])
        when = "选交" if optional else f"{short_date(m.get('due_date'))}前补交"
        detail = f"{m.get('form', '—')} {m.get('count', 1)}份，{when}"
        if w.lang:
            detail = Bi(detail, f"{w.param(m.get('form', '—'))}, {m.get('count', 1)}; "
                        + (w.param("选交") if optional else
                           f"by {short_date(m.get('due_date'))}"))
        roll.append((name, detail))
    _materials(sheet, ["序号", "材料名称", "形式", "份数", "补交期限"], rows,
               [0.8, 4.6, 2.2, 1, 2.8], (0, 2, 3, 4), roll, "（已全部补齐）", rank=3)
    if not pending:
        return
    due = f.mats.get("defer_due") or max((m.get("due_date") or "" for m in pending), default="")
    sheet.bullets([
        "补交方式：本人或代办人带上述材料到本办事点或社区便民服务站提交，以送达之日为准。",
        w.t("逾期后果：{due}前未补交的，本事项暂停办理并告知您；因不可抗力不能按期"
            "补交的，可申请延期；逾期仍未补交的，终止办理并退回申请材料。", due=iso_date(due)),
    ], numbered=False, small=True)
    sheet.heading("申请人承诺")
    promise = w.t("本人自愿申请容缺受理，已知晓上述需补交的材料、形式和期限，承诺于"
                  "{due}前补交齐全，所交材料真实有效；未按期补交的，"
                  "愿意承担暂停或终止办理的后果。", due=iso_date(due))
    sheet.alternatives(lambda: sheet.para(promise), lambda: sheet.para(promise, small=True),
                       rank=3)
