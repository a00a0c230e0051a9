"""The documents a resident takes home, composed from a committed case (or an item).

- 受理回执 (``receipt``): what was accepted, the promised date, how to follow up and rate.
- 容缺受理通知书 (``deferral``): the receipt's content plus every deferred material, its
  form and due date, the consequence of lateness and the resident's commitment.
- 补正材料告知书 (``correction``): every missing item, its required form, how and by when
  to bring it, and whom to ask.
- 一次性告知单 (``notice``): everything an item needs, told once, before any case exists.

ID numbers and phone numbers are masked everywhere (the full number never reaches the
PDF); nothing personal goes into the PDF metadata or the QR code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk.core import clock
from desk.core.bundles import ROUTE_WORDS, bundle_routes
from desk.core.cases import default_defer_days
from desk.core.receipts.bilingual import NONE, Bi, Words
from desk.core.receipts.exempt import exempt_rows, exempt_stub, signatures, stub_signature
from desk.core.receipts.layout import Sheet
from desk.core.receipts.obtained import obtained
from desk.core.receipts.verify import (
    group_code,
    qr_matrix,
    qr_payload,
    receipt_key,
    verification_code,
)
from desk.core.store import RATING_LEVELS
from forms.calendar import WorkCalendar
from forms.engine import all_materials
from forms.ids import mask_id, mask_phone
from forms.model import Item, Material
from forms.printing.notice import _condition_text as _condition_text
from forms.printing.notice import _material_note as _material_note
from forms.printing.notice import _materials as _materials
from forms.printing.notice import cn_date as cn_date
from forms.printing.notice import doc_words as doc_words
from forms.printing.notice import iso_date as iso_date
from forms.printing.notice import notice_document as _notice_document
from forms.printing.notice import short_date as short_date
from forms.workdays import add_working_days, working_days_between

if TYPE_CHECKING:
    from desk.core.app import DeskContext
    from desk.core.settings import Settings

KINDS = ("receipt", "correction", "deferral", "notice")
TITLES = {"receipt": "受理回执", "deferral": "容缺受理通知书", "correction": "补正材料告知书",
          "notice": "一次性告知单"}
STATUS_WORDS = {"accepted": "已受理", "deferred": "容缺受理（待补交材料）",
                "correction": "待补正（材料补齐后受理）"}
DISTRICT_WORDS = {"received": "区级已接收", "accepted": "区级已受理", "needs_correction": "需补正",
                  "completed": "已办结", "rejected": "不予办理", "routed": "已转办"}
RATING_ORDER = [RATING_LEVELS[k] for k in sorted(RATING_LEVELS, reverse=True)]
RATING_HOW = ("服务评价自愿进行：可当场在办事台上评价，也可在办结前致电{contact}补评。"
              "“不满意”“非常不满意”为差评，区政务服务中心将回访核实并督促整改。")


@dataclass
class CaseFacts:
    """A case read for printing: row, item definition (if known), data and materials."""

    case: dict[str, Any]
    item: Item | None
    fields: dict[str, Any]
    mats: dict[str, Any]
    settings: Settings
    by_name: dict[str, Material] = field(default_factory=dict)
    calendar: WorkCalendar | None = None  # the desk's working days (None: shipped + fallback)
    # a 一件事 bundle's routes (desk.core.bundles.bundle_routes): one per service chosen
    routes: list[dict[str, Any]] = field(default_factory=list)
    words: Words = NONE  # the documents' second language (文书第二语言)

    @property
    def item_label(self) -> str:
        """``名称（代码）``, with the item's translated name."""
        c = self.case
        zh = f"{c['item_name']}（{c['item_code']}）"
        tr = self.words.item(self.item).name if self.words.lang else None
        return Bi(zh, f"{tr} ({c['item_code']})" if tr else None)

    @property
    def receipt_no(self) -> str:
        return str(self.case["receipt_no"])

    def form_of(self, name: str) -> tuple[str, str]:
        """(form, count) of a material by name."""
        m = self.by_name.get(name)
        return (m.form_label, str(m.count)) if m else ("—", "1")

    @property
    def outstanding(self) -> list[dict[str, Any]]:
        """Missing materials not yet supplied (required first)."""
        out = [m for m in self.mats.get("missing", []) if not m.get("supplied_on")]
        return sorted(out, key=lambda m: not m.get("required", True))

    @property
    def desk_name(self) -> str:
        return str(self.settings.desk_name or self.settings.community or "家门口办事台")

    @property
    def desk_label(self) -> str:
        return f"{self.desk_name}（{self.case['desk_code']}）"

    @property
    def issuer(self) -> str:
        """Header text: desk name, then its code."""
        return f"{self.desk_name}\n办事点编码 {self.case['desk_code']}"


def read_case(ctx: DeskContext, case: dict[str, Any]) -> CaseFacts:
    """Everything a document needs from a stored case."""
    data = json.loads(case.get("data_json") or "{}")
    mats = json.loads(case.get("materials_json") or "{}")
    item: Item | None = None
    catalog = None
    try:
        catalog = ctx.catalog_for(str(case.get("catalog_version", "")))
        if case["item_code"] in catalog:
            item = catalog.get(case["item_code"])
    except Exception:  # an unreadable catalog must not stop a reprint
        item = None
    facts = CaseFacts(case, item, data.get("fields", {}), mats, ctx.settings,
                      words=doc_words(ctx.settings, ctx.paths.data_dir),
                      calendar=ctx.store.calendar.work_calendar())
    if item is not None:
        facts.by_name = {m.name: m for m in all_materials(item)}
        if item.bundle:
            facts.routes = bundle_routes(item, facts.fields,
                                         ctx.store.sync.case_routes(str(case["uuid"])), catalog)
    return facts


def material_line(w: Words, item: Item | None, name: str, form: str, count: object,
                  zh_rest: str = "", tr_rest: str | None = "") -> str:
    """The roll's material entry: ``名称（形式 N份）`` with its translation when the name
    has one (and the rest, when ``tr_rest`` is not None)."""
    zh = f"{name}（{form} {count}份）{zh_rest}"
    name_tr = w.get(w.material(item, name))
    if not name_tr or tr_rest is None:
        return zh
    return Bi(zh, f"{name_tr} ({w.param(form)}, {count})" + (f" {tr_rest}" if tr_rest else ""))


# -- shared blocks --------------------------------------------------------------------------

_UNKNOWN_ITEM_MASK = {"applicant_phone": mask_phone, "proxy_phone": mask_phone}


def _shown(f: CaseFacts, key: str) -> str:
    """A person's number as printed: masked as its field definition says
    (:meth:`forms.model.FieldDef.show`); under an unknown item, masked all the same."""
    value = str(f.fields.get(key, ""))
    try:
        return f.item.field(key).show(value) if f.item is not None else \
            _UNKNOWN_ITEM_MASK.get(key, mask_id)(value)
    except KeyError:
        return _UNKNOWN_ITEM_MASK.get(key, mask_id)(value)


def _people(f: CaseFacts) -> list[tuple[str, str] | tuple[str, str, bool]]:
    d = f.fields
    rows: list[tuple[str, str] | tuple[str, str, bool]] = [
        ("申请人", str(d.get("applicant_name") or f.case.get("applicant_name", ""))),
        ("身份证号", _shown(f, "applicant_id")),
        ("联系电话", _shown(f, "applicant_phone")),
    ]
    if d.get("is_proxy"):
        relation = d.get("proxy_relation")
        rows += [
            ("代办人", f"{d.get('proxy_name', '')}" + (f"（{relation}）" if relation else "")),
            ("代办人证件", _shown(f, "proxy_id")),
            ("代办人电话", _shown(f, "proxy_phone")),
        ]
    return rows


def _time_limit(f: CaseFacts) -> str:
    if f.item is None:
        return "—"
    if f.item.kind == "on_the_spot":
        return "即办（当场办结）"
    return f.words.t("{days}个工作日", days=f.item.promised_days)


def _promised(f: CaseFacts) -> str:
    p = f.case.get("promised_date")
    if not p:
        return "材料补齐受理后计算"
    text, tr = cn_date(p), short_date(p)
    if not f.case.get("promised_exact", 1):
        guess = "（按法定节日推算，以国务院放假通知为准）"
        text += guess
        tr += " " + (f.words.get(guess) or "")
    moved = [u for u in _recalendared(f) if u.get("field") == "promised_date"]
    if moved:
        text += f"（已按国务院放假通知更新，原为{cn_date(moved[0].get('old'))}）"
        tr += f" (moved by the holiday notice; was {short_date(moved[0].get('old'))})"
    return Bi(text, tr.strip() if f.words.lang == "en" else None)


def _recalendared(f: CaseFacts) -> list[dict[str, Any]]:
    """Dates the official holiday arrangement moved after acceptance (desk.core.recalendar)."""
    try:
        data = json.loads(str(f.case.get("data_json") or "{}"))
    except ValueError:
        return []
    moved = data.get("recalendared") if isinstance(data, dict) else None
    return [u for u in moved if isinstance(u, dict)] if isinstance(moved, list) else []


def _case_rows(f: CaseFacts, *, accepted: bool) -> list[tuple[str, str] | tuple[str, str, bool]]:
    c = f.case
    rows: list[tuple[str, str] | tuple[str, str, bool]] = [
        ("办理事项", f.item_label, True),
        ("主管部门", f.words.department(f.item, str(c.get("department", "")))),
        ("受理状态", STATUS_WORDS.get(str(c["status"]), str(c["status"]))),
    ]
    if c.get("priority"):
        rows.append(PRIORITY_ROW)
    rows += exempt_rows(c)  # issue 18: 免申即享
    if accepted:
        rows += [("办理时限", _time_limit(f)), ("承诺办结", _promised(f))]
    else:
        rows += [("办理时限", f.words.t("{limit}（自受理之日起）", limit=_time_limit(f)))]
    if c.get("district_status"):
        rows.append(("区级状态", DISTRICT_WORDS.get(str(c["district_status"]),
                                                  str(c["district_status"]))))
    rows += [("经办人", str(c.get("worker", ""))),
             ("经办电话", f.settings.worker_phone or "—")]
    if f.item is not None:
        rows.append(("办理依据", f.item.legal_basis, True))
    return rows


PRIORITY_ROW = ("办理通道", "绿色通道（老年人、残疾人、重病等群众优先办理）", True)


def _services(f: CaseFacts) -> list[dict[str, Any]]:
    """Each service the resident applied for with its department and its route's status
    (``service``, ``department``, ``status``, ``note``), in the order chosen; then any
    route the district reported that no chosen service leads to (named by its item)."""
    if not f.routes:
        return []
    by_code = {str(r["item_code"]): r for r in f.routes}
    mapping = (f.item.bundle_services if f.item is not None else None) or {}
    chosen = f.fields.get("services")
    chosen = [chosen] if isinstance(chosen, str) else chosen if isinstance(chosen, list) else []
    out: list[dict[str, Any]] = []
    used: set[str] = set()
    for service in chosen:
        code = mapping.get(service) if isinstance(service, str) else None
        r = by_code.get(str(code)) if code else None
        if r is None:
            continue
        used.add(str(code))
        out.append({"service": str(service), "department": str(r["department"]),
                    "status": str(r["status"]), "note": str(r.get("note") or "")})
    for r in f.routes:
        if str(r["item_code"]) not in used:
            out.append({"service": str(r["item_name"]), "department": str(r["department"]),
                        "status": str(r["status"]), "note": str(r.get("note") or "")})
    return out


def _routes(sheet: Sheet, f: CaseFacts) -> None:
    """联办事项: each service the resident applied for, its department and how far it is
    (the district's status of the route that handles it; 待处理 until a department acts)."""
    services = _services(f)
    if not services:
        return
    sheet.heading("联办事项办理情况")
    rows, roll = [], []
    for i, s in enumerate(services, 1):
        word = ROUTE_WORDS.get(s["status"], s["status"])
        rows.append([str(i), s["service"], s["department"], word, s["note"]])
        roll.append((f"{s['service']}（{s['department']}）：{word}", s["note"]))
    _materials(sheet, ["序号", "申请的服务", "承办部门", "办理情况", "说明"], rows,
               [0.8, 3.6, 1.5, 1.5, 4.6] if any(s["note"] for s in services)
               else [0.8, 4.6, 1.8, 1.8, 2], (0, 2, 3), roll, "（无）", rank=2)


def _received_table(sheet: Sheet, f: CaseFacts) -> None:
    rows, roll = [], []
    supplied = {m["name"]: m.get("supplied_on") for m in f.mats.get("missing", [])
                if m.get("supplied_on")}
    for i, name in enumerate(f.mats.get("received", []), 1):
        form, count = f.form_of(name)
        shown = f.words.material(f.item, name)
        label = f.words.t("{name}（{date}补交）", name=shown, date=iso_date(supplied[name])) \
            if name in supplied else shown
        rows.append([str(i), label, form, count])
        roll.append((material_line(f.words, f.item, label, form, count), ""))
    _materials(sheet, ["序号", "材料名称", "形式", "份数"], rows, [0.8, 6, 2.2, 1], (0, 2, 3),
               roll, "（未收取纸质材料）", rank=3)


def _verification(ctx: DeskContext, f: CaseFacts,
                  with_qr: bool) -> tuple[str, list[list[bool]] | None]:
    # a case taken over from a replaced desk keeps that desk's key: a reprint is the same
    key = ctx.store.handover.case_receipt_key(str(f.case["uuid"])) or receipt_key(ctx.store)
    code = verification_code(key, f.receipt_no, str(f.case["uuid"]))
    # the district's progress page once the desk knows its public address (issue 18)
    public = (ctx.store.get_meta("public_url") or "") if with_qr else ""
    matrix = qr_matrix(qr_payload(f.receipt_no, str(f.case["uuid"]), code, public)) \
        if with_qr else None
    return group_code(code), matrix


def _contact(f: CaseFacts) -> str:
    return f.settings.district_contact or "区政务服务中心"


def _rating(sheet: Sheet, f: CaseFacts) -> None:
    sheet.alternatives(lambda: _rating_full(sheet, f), lambda: _rating_compact(sheet, f),
                       rank=1)


def _rating_compact(sheet: Sheet, f: CaseFacts) -> None:
    """The rating in a line or two (a full sheet: a reprint after statuses and a rating)."""
    level = f.case.get("rating")
    chosen = RATING_LEVELS.get(int(level)) if level else None
    if chosen:
        when = iso_date(f.case.get("rated_at"))
        sheet.para(f.words.t("服务评价（好差评）：您已评价“{level}”（{when}）。感谢您的评价！"
                             if when else "服务评价（好差评）：您已评价“{level}”。感谢您的评价！",
                             level=chosen, when=when), small=True)
        return
    sheet.heading("服务评价（好差评）")
    sheet.choices(RATING_ORDER, None)
    sheet.para(f.words.t("可当场评价，也可在办结前致电{contact}补评。", contact=_contact(f)),
               small=True)


def _rating_full(sheet: Sheet, f: CaseFacts) -> None:
    sheet.heading("服务评价（好差评）")
    level = f.case.get("rating")
    chosen = RATING_LEVELS.get(int(level)) if level else None
    sheet.choices(RATING_ORDER, chosen)
    if chosen:
        when = iso_date(f.case.get("rated_at"))
        sheet.para(f.words.t("您已评价：{level}（{when}）。感谢您的评价！" if when
                             else "您已评价：{level}。感谢您的评价！", level=chosen, when=when),
                   small=True)
    else:
        sheet.para(f.words.t(RATING_HOW, contact=_contact(f)), small=True)


def _header(sheet: Sheet, ctx: DeskContext, f: CaseFacts, title: str, number_label: str,
            with_qr: bool, date_label: str) -> str:
    code, matrix = _verification(ctx, f, with_qr)
    subtitle = "（申请人留存联）" if sheet.fmt == "a4" else "申请人留存"
    sheet.header(title, subtitle, f.issuer,
                 (matrix, f"核验码 {code}") if matrix is not None else None)
    sheet.numbered([(number_label, f.receipt_no),
                    (date_label, iso_date(f.case.get("accepted_date")))])
    return code


def _footer(sheet: Sheet, ctx: DeskContext, f: CaseFacts, code: str, with_qr: bool) -> None:
    contact = _contact(f)
    if sheet.fmt == "80mm" and with_qr:
        _, matrix = _verification(ctx, f, True)
        assert matrix is not None
        sheet.qr_block(matrix, f"扫码核验真伪\n核验码 {code}")
    sheet.space(3)
    sheet.para(f.words.t("凭编号 {no} 可向本办事点或{contact}查询办理进度；"
                         "核验码 {code} 可供核验本凭证真伪。", no=f.receipt_no, contact=contact,
                         code=code), small=True)
    if sheet.fmt == "80mm":
        sheet.para("本凭证为申请人留存联，存根由办事点电子存档。", small=True)


def _stub(sheet: Sheet, f: CaseFacts, title: str,
          extra: list[tuple[str, str] | tuple[str, str, bool]], exempt: bool = False) -> None:
    sheet.begin_stub()
    sheet.caption_title(f.words.t("{title}　存根（办事点归档联）", title=title))
    d = f.fields
    who = str(d.get("applicant_name") or f.case.get("applicant_name", ""))
    who += f"　{_shown(f, 'applicant_id')}"
    rows: list[tuple[str, str] | tuple[str, str, bool]] = [
        ("编号", f.receipt_no),
        ("日期", cn_date(f.case.get("accepted_date"))),
        ("办理事项", f.item_label, True),
        ("申请人", who),
        ("经办人", str(f.case.get("worker", ""))),
        *extra,
    ]
    sheet.alternatives(lambda: sheet.fields(rows), lambda: sheet.fields(rows, small=True),
                       rank=4)
    stub_signature(sheet, f.case if exempt else {})  # issue 18: 无需签字 on a 免申 case


# -- documents ------------------------------------------------------------------------------


def receipt_document(ctx: DeskContext, f: CaseFacts, fmt: str, *, deferral: bool,
                     with_qr: bool, signature: bytes | None) -> bytes:
    """受理回执, or 容缺受理通知书 (the receipt plus the deferred materials)."""
    status = str(f.case["status"])
    title = TITLES["deferral"] if deferral else (
        "收件回执" if status == "correction" else TITLES["receipt"])
    sheet = Sheet(fmt, title=f"{title} {f.receipt_no}", subject=str(f.case["item_name"]),
                  author=f.desk_label, words=f.words)
    code = _header(sheet, ctx, f, title, "受理编号", with_qr, "受理日期")
    pending = f.outstanding
    if deferral:
        sheet.para(f.words.t("您申请的“{item}”事项主要材料齐全，经您书面承诺，"
                             "本办事点予以容缺受理。请按下列期限补交所缺材料。",
                             item=f.words.name(f.item, str(f.case["item_name"]))))
        sheet.space(3)
    rows = [*_people(f), *_case_rows(f, accepted=status != "correction")]
    sheet.alternatives(  # a sheet still too long after that sets all the fields small
        lambda: sheet.fields(rows),
        lambda: sheet.alternatives(lambda: sheet.fields(rows, small_wide=True),
                                   lambda: sheet.fields(rows, small=True), rank=5), rank=2)
    _routes(sheet, f)
    sheet.heading("已收材料")
    _received_table(sheet, f)
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
                             names=_names(f, optional)), small=True)
    if f.case.get("district_note"):
        sheet.heading("区级备注")
        note = str(f.case["district_note"])
        sheet.alternatives(lambda: sheet.para(note), lambda: sheet.para(note, small=True),
                           rank=1)
    _rating(sheet, f)
    sheet.space(2)
    signatures(sheet, f.case, signature)  # issue 18: 无需签字 for a 免申 case
    if fmt == "a4":
        sheet.para("（办事点盖章）", right=True)
    _footer(sheet, ctx, f, code, with_qr)
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
    services = _services(f)
    if services:
        extra.append(("联办事项", f.words.t("{n}项（见申请人留存联）", n=len(services))))
    _stub(sheet, f, title, extra, exempt=True)
    return sheet.render()


def _names(f: CaseFacts, names: list[str]) -> str:
    """Material names joined with 、 (and their translations with commas)."""
    zh = "、".join(names)
    if not f.words.lang:
        return zh
    trs = [f.words.get(f.words.material(f.item, n)) for n in names]
    return Bi(zh, ", ".join(t or n for t, n in zip(trs, names, strict=True)))


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


def correction_document(ctx: DeskContext, f: CaseFacts, fmt: str, *, with_qr: bool,
                        signature: bytes | None) -> bytes:
    """补正材料告知书: every missing item, its form, how and by when to bring it."""
    title = TITLES["correction"]
    sheet = Sheet(fmt, title=f"{title} {f.receipt_no}", subject=str(f.case["item_name"]),
                  author=f.desk_label, words=f.words)
    w = f.words
    code = _header(sheet, ctx, f, title, "告知书编号", with_qr, "告知日期")
    pending = f.outstanding
    due = correction_due(f)
    sheet.para(w.t("您申请办理的“{item}”事项，经核查，申请材料不齐全或不符合"
                   "法定形式。现将需要补正的全部材料一次性告知如下：",
                   item=w.name(f.item, str(f.case["item_name"]))))
    sheet.space(3)
    phone = f.settings.worker_phone
    rows: list[tuple[str, str] | tuple[str, str, bool]] = [
        *_people(f), ("办理事项", f.item_label, True),
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
        w.t("咨询与投诉：{contact}。", contact=_contact(f)),
    ], numbered=False)
    received = f.mats.get("received", [])
    sheet.para(w.t("已收材料（无需重复提供）：{names}。",
                   names=_names(f, received) if received else "无"), small=True)
    sheet.space(2)
    sheet.signature(["申请人（代办人）签收：", "经办人签字："], image=signature)
    _footer(sheet, ctx, f, code, with_qr)
    _stub(sheet, f, title, [("补正期限", cn_date(due)),
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


# -- one-time notice --------------------------------------------------------------------------
# the notice is forms.printing.notice (issue 16: the district's console prints it too)


def notice_document(item: Item, fmt: str, catalog_version: str, settings: Any, *,
                    today: date | None = None, data_dir: Path | None = None) -> bytes:
    """一次性告知单 (:func:`forms.printing.notice.notice_document`) on the desk's day."""
    return _notice_document(item, fmt, catalog_version, settings,
                            today=today or clock.today(), data_dir=data_dir)
