"""The printed 民情诉求受理单 of a resident matter (issue 15): the receipt engine's look
(:mod:`.layout`), A4 (with the desk's archive stub) or the 80 mm roll.

It says what the resident raised in brief, where, the category and urgency, who owns it
(首问负责), by when and how the answer will come, and carries a check code and QR code made
exactly like a receipt's (:mod:`.verify`, the desk's receipt key over the matter number
and uuid), so the district can tell a genuine slip from a forged one. ID numbers and
phones are masked; nothing personal goes into the PDF's metadata or the QR code.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from desk.core.receipts.bilingual import Bi, Words, district_dir, words_for
from desk.core.receipts.layout import Sheet
from desk.core.receipts.verify import (
    group_code,
    qr_matrix,
    qr_payload,
    receipt_key,
    verification_code,
)
from forms.ids import mask_id, mask_phone
from forms.matters import SATISFACTION, place_words
from forms.printing.specs import FORMATS

if TYPE_CHECKING:
    from desk.core.app import DeskContext

TITLE = "民情诉求受理单"
ANSWER_WORDS = {"phone": "电话答复", "in_person": "当面答复", "none": "无需答复"}
BRIEF_CHARS = 240  # what was said, in brief: the slip is not the ledger


def cn_time(iso: str | None) -> str:
    """``2026-09-30T10:05:00+08:00`` → ``2026年9月30日 10:05``, reading ``2026-09-30 10:05``
    in the second language (blank stays blank)."""
    if not iso:
        return ""
    t = datetime.fromisoformat(str(iso))
    return Bi(f"{t.year}年{t.month}月{t.day}日 {t.hour:02d}:{t.minute:02d}",
              f"{t:%Y-%m-%d %H:%M}")


def resident_rows(resident: dict[str, Any]) -> list[tuple[str, str] | tuple[str, str, bool]]:
    """The resident, masked, a row per fact (an ID number is never split on the roll);
    匿名 when none was given."""
    if not resident:
        return [("居民", "匿名（未登记居民信息）", True)]
    rows: list[tuple[str, str] | tuple[str, str, bool]] = [
        ("居民", str(resident.get("name") or "（未留姓名）"))]
    if resident.get("phone"):
        rows.append(("联系电话", mask_phone(str(resident["phone"]))))
    if resident.get("id_number"):
        rows.append(("身份证号", mask_id(str(resident["id_number"]))))
    return rows


def answer_words(matter: dict[str, Any], resident: dict[str, Any]) -> str:
    """How the answer comes: by phone to the masked number, in person, or not at all."""
    how = str(matter.get("answer_by") or "none")
    words = ANSWER_WORDS.get(how, how)
    if how == "phone" and resident.get("phone"):
        words += f"（{mask_phone(str(resident['phone']))}）"
    return words


def brief(text: str, limit: int = BRIEF_CHARS) -> str:
    """The description, cut at ``limit`` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def matter_code(ctx: DeskContext, matter: dict[str, Any]) -> str:
    """The slip's check code (a receipt's, over the matter number and uuid)."""
    return verification_code(receipt_key(ctx.store), str(matter["matter_no"]),
                             str(matter["uuid"]))


Rows = list[tuple[str, str] | tuple[str, str, bool]]


def render_matter_pdf(ctx: DeskContext, matter: dict[str, Any], fmt: str = "a4", *,
                      qr: bool = True) -> bytes:
    """The 受理单 of a stored matter (a row from ``ctx.store.matters.get_matter``) as PDF bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"format: 受理单格式只能是 a4 或 80mm（收到 {fmt!r}）")
    s = ctx.settings
    desk_name = str(s.desk_name or s.community or "家门口办事台")
    desk_code = str(matter.get("desk_code") or s.desk_code or "")
    contact = str(getattr(s, "district_contact", "") or "区政务服务中心")
    no, uuid = str(matter["matter_no"]), str(matter["uuid"])
    resident = json.loads(matter.get("resident_json") or "{}")
    place = json.loads(matter.get("place_json") or "{}")
    sla = json.loads(matter.get("sla_json") or "{}")
    code = matter_code(ctx, matter)
    grouped = group_code(code)
    # the district's progress page when the desk knows its public address (issue 18): a
    # phone's camera opens the matter's steps (sync.district.matters_public)
    public = (ctx.store.get_meta("public_url") or "") if qr else ""
    matrix = qr_matrix(qr_payload(no, uuid, code, public)) if qr else None

    w = words_for(str(getattr(s, "doc_language", "") or ""),  # 文书第二语言 (issue 16)
                  district_dir(ctx.paths.data_dir))
    sheet = Sheet(fmt, title=f"{TITLE} {no}", subject=str(matter.get("category", "")),
                  author=f"{desk_name}（{desk_code}）", words=w)
    subtitle = "（居民留存联）" if fmt == "a4" else "居民留存"
    sheet.header(TITLE, subtitle, f"{desk_name}\n办事点编码 {desk_code}",
                 (matrix, f"核验码 {grouped}") if matrix is not None else None)
    sheet.numbered([("诉求编号", no), ("受理时间", cn_time(matter.get("created_at")))])
    category = _category(matter)
    due = cn_time(matter.get("district_due_at") or matter.get("due_at"))
    rows = _matter_rows(matter, resident, place, category, due, str(sla.get("label") or ""), w)
    sheet.alternatives(lambda: sheet.fields(rows), lambda: sheet.fields(rows, small=True),
                       rank=2)
    _outcome(sheet, matter, w)
    _closing(sheet, fmt, matrix, w.t("凭诉求编号 {no} 可向本办事点或{contact}查询办理进度；"
                                     "核验码 {code} 可供核验本受理单真伪。",
                                     no=no, contact=contact, code=grouped), grouped)
    _stub(sheet, matter, resident, category, due, w)
    return sheet.render()


def _category(matter: dict[str, Any]) -> str:
    """诉求分类 · 子分类."""
    category = str(matter.get("category", ""))
    if matter.get("subcategory"):
        category += f" · {matter['subcategory']}"
    return category


def _matter_rows(matter: dict[str, Any], resident: dict[str, Any], place: dict[str, Any],
                 category: str, due: str, limit: str, w: Words) -> Rows:
    """The slip's facts: who, where, what, how urgent, who owns it, how and by when the
    answer comes, and the case it came from (办不成事)."""
    rows: Rows = [
        *resident_rows(resident),
        ("地点", place_words(place) or "（未填写）", True),
        ("诉求分类", category),
        ("紧急程度", str(matter.get("urgency", ""))),
        ("诉求内容", brief(str(matter.get("description", ""))), True),
        ("首问负责人", str(matter.get("owner", ""))),
        ("答复方式", answer_words(matter, resident)),
        ("答复期限", due + (f"（{limit}内）" if limit else ""), True),
    ]
    if matter.get("from_receipt_no"):
        rows.append(("来源案件", w.t("受理编号 {no}（办不成事）", no=matter["from_receipt_no"]),
                     True))
    return rows


def _outcome(sheet: Sheet, matter: dict[str, Any], w: Words) -> None:
    """Closed on the spot (the result and the resident's rating), the district's answer,
    or the owner's promise to follow it through."""
    if matter.get("status") == "closed":
        sheet.heading("当场办结")
        sheet.para(w.t("办理结果：{result}", result=brief(str(matter.get("result") or ""))))
        sheet.choices(list(SATISFACTION), matter.get("satisfaction"))
    elif matter.get("district_answer"):
        sheet.heading("区级答复")
        sheet.para(brief(str(matter["district_answer"])))
    else:
        sheet.space(3)
        sheet.para(w.t("本诉求由首问负责人 {owner} 跟进到底，"
                       "移交他人或上报区级时均留有记录；不会因移交而搁置。",
                       owner=matter.get("owner", "")), small=True)


def _closing(sheet: Sheet, fmt: str, matrix: list[list[bool]] | None, note: str,
             grouped: str) -> None:
    """The signatures, the stamp (A4), the QR code (roll) and how to follow the matter."""
    sheet.space(2)
    sheet.signature(["居民签字：", "经办人签字："])
    if fmt == "a4":
        sheet.para("（办事点盖章）", right=True)
    if fmt == "80mm" and matrix is not None:
        sheet.qr_block(matrix, f"扫码核验真伪\n核验码 {grouped}")
    sheet.space(3)
    sheet.para(note, small=True)


def _stub(sheet: Sheet, matter: dict[str, Any], resident: dict[str, Any], category: str,
          due: str, w: Words) -> None:
    """The desk's archive stub (存根), signed for by the resident."""
    sheet.begin_stub()
    sheet.caption_title(w.t("{title}　存根（办事点归档联）", title=TITLE))
    stub: Rows = [
        ("诉求编号", str(matter["matter_no"])),
        ("受理时间", cn_time(matter.get("created_at"))),
        ("诉求分类", category), ("紧急程度", str(matter.get("urgency", ""))),
        *resident_rows(resident),
        ("首问负责人", str(matter.get("owner", ""))), ("答复期限", due),
    ]
    sheet.alternatives(lambda: sheet.fields(stub), lambda: sheet.fields(stub, small=True),
                       rank=4)
    sheet.signature(["居民签收："], date_line=True)


__all__ = ["TITLE", "matter_code", "render_matter_pdf"]
