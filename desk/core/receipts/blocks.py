"""The blocks the case documents share (:mod:`.receipt`, :mod:`.correction`): the people
and case rows (numbers masked as their field definitions say), a bundle's services, the
materials received, the check code and QR code, the rating, the header, the footer and the
archive stub.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from desk.core.bundles import ROUTE_WORDS
from desk.core.receipts.bilingual import Bi
from desk.core.receipts.exempt import exempt_rows, stub_signature
from desk.core.receipts.facts import CaseFacts, material_line
from desk.core.receipts.verify import (
    group_code,
    qr_matrix,
    qr_payload,
    receipt_key,
    verification_code,
)
from desk.core.store import RATING_LEVELS
from forms.ids import mask_id, mask_phone
from forms.printing.notice import _materials, cn_date, iso_date, short_date

if TYPE_CHECKING:
    from desk.core.app import DeskContext
    from desk.core.receipts.layout import Sheet

STATUS_WORDS = {"accepted": "已受理", "deferred": "容缺受理（待补交材料）",
                "correction": "待补正（材料补齐后受理）"}
DISTRICT_WORDS = {"received": "区级已接收", "accepted": "区级已受理", "needs_correction": "需补正",
                  "completed": "已办结", "rejected": "不予办理", "routed": "已转办"}
RATING_ORDER = [RATING_LEVELS[k] for k in sorted(RATING_LEVELS, reverse=True)]
RATING_HOW = ("服务评价自愿进行：可当场在办事台上评价，也可在办结前致电{contact}补评。"
              "“不满意”“非常不满意”为差评，区政务服务中心将回访核实并督促整改。")


_UNKNOWN_ITEM_MASK = {"applicant_phone": mask_phone, "proxy_phone": mask_phone}


def shown_number(f: CaseFacts, key: str) -> str:
    """A person's number as printed: masked as its field definition says
    (:meth:`forms.model.FieldDef.show`); under an unknown item, masked all the same."""
    value = str(f.fields.get(key, ""))
    try:
        return f.item.field(key).show(value) if f.item is not None else \
            _UNKNOWN_ITEM_MASK.get(key, mask_id)(value)
    except KeyError:
        return _UNKNOWN_ITEM_MASK.get(key, mask_id)(value)


def people_rows(f: CaseFacts) -> list[tuple[str, str] | tuple[str, str, bool]]:
    d = f.fields
    rows: list[tuple[str, str] | tuple[str, str, bool]] = [
        ("申请人", str(d.get("applicant_name") or f.case.get("applicant_name", ""))),
        ("身份证号", shown_number(f, "applicant_id")),
        ("联系电话", shown_number(f, "applicant_phone")),
    ]
    if d.get("is_proxy"):
        relation = d.get("proxy_relation")
        rows += [
            ("代办人", f"{d.get('proxy_name', '')}" + (f"（{relation}）" if relation else "")),
            ("代办人证件", shown_number(f, "proxy_id")),
            ("代办人电话", shown_number(f, "proxy_phone")),
        ]
    return rows


def time_limit_words(f: CaseFacts) -> str:
    if f.item is None:
        return "—"
    if f.item.kind == "on_the_spot":
        return "即办（当场办结）"
    return f.words.t("{days}个工作日", days=f.item.promised_days)


def promised_words(f: CaseFacts) -> str:
    p = f.case.get("promised_date")
    if not p:
        return "材料补齐受理后计算"
    text, tr = cn_date(p), short_date(p)
    if not f.case.get("promised_exact", 1):
        guess = "（按法定节日推算，以国务院放假通知为准）"
        text += guess
        tr += " " + (f.words.get(guess) or "")
    moved = [u for u in recalendared(f) if u.get("field") == "promised_date"]
    if moved:
        text += f"（已按国务院放假通知更新，原为{cn_date(moved[0].get('old'))}）"
        tr += f" (moved by the holiday notice; was {short_date(moved[0].get('old'))})"
    return Bi(text, tr.strip() if f.words.lang == "en" else None)


def recalendared(f: CaseFacts) -> list[dict[str, Any]]:
    """Dates the official holiday arrangement moved after acceptance (desk.core.recalendar)."""
    try:
        data = json.loads(str(f.case.get("data_json") or "{}"))
    except ValueError:
        return []
    moved = data.get("recalendared") if isinstance(data, dict) else None
    return [u for u in moved if isinstance(u, dict)] if isinstance(moved, list) else []


def case_rows(f: CaseFacts, *, accepted: bool) -> list[tuple[str, str] | tuple[str, str, bool]]:
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
        rows += [("办理时限", time_limit_words(f)), ("承诺办结", promised_words(f))]
    else:
        rows += [("办理时限", f.words.t("{limit}（自受理之日起）", limit=time_limit_words(f)))]
    if c.get("district_status"):
        rows.append(("区级状态", DISTRICT_WORDS.get(str(c["district_status"]),
                                                  str(c["district_status"]))))
    rows += [("经办人", str(c.get("worker", ""))),
             ("经办电话", f.settings.worker_phone or "—")]
    if f.item is not None:
        rows.append(("办理依据", f.item.legal_basis, True))
    return rows


PRIORITY_ROW = ("办理通道", "绿色通道（老年人、残疾人、重病等群众优先办理）", True)


def service_rows(f: CaseFacts) -> list[dict[str, Any]]:
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


def routes_block(sheet: Sheet, f: CaseFacts) -> None:
    """联办事项: each service the resident applied for, its department and how far it is
    (the district's status of the route that handles it; 待处理 until a department acts)."""
    services = service_rows(f)
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


def received_table(sheet: Sheet, f: CaseFacts) -> None:
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


def verification(ctx: DeskContext, f: CaseFacts,
                  with_qr: bool) -> tuple[str, list[list[bool]] | None]:
    # a case taken over from a replaced desk keeps that desk's key: a reprint is the same
    key = ctx.store.handover.case_receipt_key(str(f.case["uuid"])) or receipt_key(ctx.store)
    code = verification_code(key, f.receipt_no, str(f.case["uuid"]))
    # the district's progress page once the desk knows its public address (issue 18)
    public = (ctx.store.get_meta("public_url") or "") if with_qr else ""
    matrix = qr_matrix(qr_payload(f.receipt_no, str(f.case["uuid"]), code, public)) \
        if with_qr else None
    return group_code(code), matrix


def contact_words(f: CaseFacts) -> str:
    return f.settings.district_contact or "区政务服务中心"


def rating_block(sheet: Sheet, f: CaseFacts) -> None:
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
    sheet.para(f.words.t("可当场评价，也可在办结前致电{contact}补评。", contact=contact_words(f)),
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
        sheet.para(f.words.t(RATING_HOW, contact=contact_words(f)), small=True)


def header_block(sheet: Sheet, ctx: DeskContext, f: CaseFacts, title: str, number_label: str,
            with_qr: bool, date_label: str) -> str:
    code, matrix = verification(ctx, f, with_qr)
    subtitle = "（申请人留存联）" if sheet.fmt == "a4" else "申请人留存"
    sheet.header(title, subtitle, f.issuer,
                 (matrix, f"核验码 {code}") if matrix is not None else None)
    sheet.numbered([(number_label, f.receipt_no),
                    (date_label, iso_date(f.case.get("accepted_date")))])
    return code


def footer_block(sheet: Sheet, ctx: DeskContext, f: CaseFacts, code: str, with_qr: bool) -> None:
    contact = contact_words(f)
    if sheet.fmt == "80mm" and with_qr:
        _, matrix = verification(ctx, f, True)
        assert matrix is not None
        sheet.qr_block(matrix, f"扫码核验真伪\n核验码 {code}")
    sheet.space(3)
    sheet.para(f.words.t("凭编号 {no} 可向本办事点或{contact}查询办理进度；"
                         "核验码 {code} 可供核验本凭证真伪。", no=f.receipt_no, contact=contact,
                         code=code), small=True)
    if sheet.fmt == "80mm":
        sheet.para("本凭证为申请人留存联，存根由办事点电子存档。", small=True)


def stub_block(sheet: Sheet, f: CaseFacts, title: str,
          extra: list[tuple[str, str] | tuple[str, str, bool]], exempt: bool = False) -> None:
    sheet.begin_stub()
    sheet.caption_title(f.words.t("{title}　存根（办事点归档联）", title=title))
    d = f.fields
    who = str(d.get("applicant_name") or f.case.get("applicant_name", ""))
    who += f"　{shown_number(f, 'applicant_id')}"
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


def material_names(f: CaseFacts, names: list[str]) -> str:
    """Material names joined with 、 (and their translations with commas)."""
    zh = "、".join(names)
    if not f.words.lang:
        return zh
    trs = [f.words.get(f.words.material(f.item, n)) for n in names]
    return Bi(zh, ", ".join(t or n for t, n in zip(trs, names, strict=True)))
