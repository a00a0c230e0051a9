"""The one-time notice (一次性告知单) as printed — by a desk, and by the district's console
previewing a catalog before it is published (issue 16), with the same code.

Moved from ``desk.core.receipts.documents`` (which re-exports it): the district may not
import the desk, and a preview must be what the desk will print.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from forms.engine import all_materials
from forms.model import Item, Material, NoticeTranslation
from forms.preview import condition_words
from forms.printing.bilingual import NONE, Bi, Words, district_dir, words_for
from forms.printing.layout import Sheet

NOTICE_TITLE = "一次性告知单"


def cn_date(iso: str | None) -> str:
    """``2026-11-21`` → ``2026年11月21日`` (blank stays blank)."""
    if not iso:
        return ""
    d = date.fromisoformat(str(iso)[:10])
    return f"{d.year}年{d.month}月{d.day}日"


def short_date(iso: str | None) -> str:
    """``2026-11-27`` (the roll's compact form); blank stays blank."""
    return str(iso)[:10] if iso else ""


def iso_date(iso: str | None) -> str:
    """A date printed in Chinese (``2026年11月21日``) that reads ``2026-11-21`` in a
    template's translation."""
    return Bi(cn_date(iso), short_date(iso) or None)


def doc_words(settings: Any, data_dir: Path | None = None) -> Words:
    """The desk's second language for documents (:data:`NONE` when none is set), with the
    district's translation files kept in ``data_dir``."""
    return words_for(str(getattr(settings, "doc_language", "") or ""), district_dir(data_dir))


def _materials(sheet: Sheet, headers: list[str], rows: list[list[str]], widths: list[float],
               center: tuple[int, ...], roll: list[tuple[str, str]], empty: str, *,
               rank: int | None = None) -> None:
    """A materials table on A4; numbered entries with a detail line on the roll. With a
    ``rank``, a sheet that would not fit one page sets the table in the small size."""
    if sheet.fmt == "a4" and rank is not None and rows:
        sheet.alternatives(
            lambda: sheet.table(headers, rows, widths, center_cols=center, empty=empty),
            lambda: sheet.table(headers, rows, widths, center_cols=center, empty=empty,
                                small=True), rank=rank)
    elif sheet.fmt == "a4" or not rows:
        sheet.table(headers, rows, widths, center_cols=center, empty=empty)
    else:
        sheet.listing(roll)
        sheet.space(sheet.spec.body * 0.3)


def _material_note(item: Item, m: Material, w: Words = NONE) -> str:
    """The notice's note on a material; translated when every part of it is."""
    parts = []
    if m.show_if is not None:
        parts.append("代办时提供" if m.show_if.field == "is_proxy"
                     else condition_words(item, m.show_if) + "提供")
    if not m.required:
        parts.append("选交")
    elif m.deferrable:
        parts.append("★可容缺后补")
    if m.note:
        parts.append(m.note)
    zh = "；".join(parts)
    trs = [w.get(p) for p in parts] if w.lang else [None]
    return Bi(zh, "; ".join(t for t in trs if t)) if all(trs) else zh


def _shared_materials(sheet: Sheet, item: Item, shared: list[Material], w: Words) -> None:
    """免提交材料 (issue 17): obtained by the desk through data sharing or the electronic
    licence library — listed so the resident knows not to bring them."""
    sheet.heading("免提交材料（部门共享/电子证照）")
    rows, roll = [], []
    for i, m in enumerate(shared, 1):
        how = f"免提交（{m.source_label}）"
        note = w.t("由办事点向{dept}核验，无需提交", dept=m.source_department) \
            if m.source_department else w.t("由办事点核验，无需提交")
        mname = w.material(item, m.name)
        rows.append([str(i), mname, how, note])
        roll.append((mname, f"{how}；{note}"))
    _materials(sheet, ["序号", "材料名称", "获取方式", "说明"], rows, [0.8, 3.6, 2.6, 5.0],
               (0, 2), roll, "（无）")


def _lines(zh: list[str], tr: list[str] | None) -> list[str]:
    """Notice lines, each with its translation (the catalog's, line for line)."""
    if not tr or len(tr) != len(zh):
        return list(zh)
    return [Bi(z, t) for z, t in zip(zh, tr, strict=True)]


def _time_limit(item: Item, w: Words, nt: NoticeTranslation) -> str:
    """办理时限: the item's promised days (or 即办) and the notice's own words on it."""
    n = item.notice
    limit = "即办（当场办结）" if item.kind == "on_the_spot" else \
        w.t("{days}个工作日", days=item.promised_days)
    tl_tr, limit_tr = nt.time_limit or w.get(n.time_limit), w.get(limit)
    if limit in n.time_limit:
        return Bi(n.time_limit, tl_tr or limit_tr)
    return Bi(f"{limit}（{n.time_limit}）",
              f"{limit_tr} ({tl_tr})" if limit_tr and tl_tr else tl_tr or limit_tr)


def _materials_to_bring(sheet: Sheet, item: Item, mats: list[Material], w: Words) -> None:
    """申请材料: what the resident brings, with its form, count and note."""
    rows, roll = [], []
    for i, m in enumerate(mats, 1):
        note = _material_note(item, m, w)
        mname = w.material(item, m.name)
        rows.append([str(i), mname, m.form_label, str(m.count), note])
        detail = f"{m.form_label} {m.count}份" + (f"；{note}" if note else "")
        if w.lang and (not note or w.get(note)):
            detail = Bi(detail, f"{w.param(m.form_label)}, {m.count}"
                        + (f"; {w.get(note)}" if note else ""))
        roll.append((mname, detail))
    _materials(sheet, ["序号", "材料名称", "形式", "份数", "说明"], rows, [0.8, 3.6, 2.2, 1, 4.4],
               (0, 2, 3), roll, "（无）")


def _stub(sheet: Sheet, item: Item, w: Words, *, title: str, today: date,
          worker: str | None) -> None:
    """The A4 archive stub: what was told, when, by whom, and the resident's signature."""
    sheet.begin_stub()
    sheet.caption_title(w.t("{title}　存根（办事点归档联）", title=title))
    name_tr = w.item(item).name
    sheet.fields([("告知事项", Bi(f"{item.name}（{item.code}）",
                                  f"{name_tr} ({item.code})" if name_tr else None), True),
                  ("告知日期", cn_date(today.isoformat())),
                  ("经办人", worker or "")])
    sheet.space(3)
    sheet.para("本人已知晓办理上述事项所需的全部条件和材料。", small=True)
    sheet.signature(["被告知人签字："], date_line=True)


def notice_document(item: Item, fmt: str, catalog_version: str, settings: Any, *,
                    today: date, data_dir: Path | None = None) -> bytes:
    """一次性告知单: conditions, every material, steps, time limit, contacts — A4 (with the
    desk's stub) or the 80 mm roll. ``settings``: the desk's (``desk_name``,
    ``community``, ``desk_code``, ``worker_name``, ``worker_phone``, ``district_contact``,
    ``doc_language``); ``item``: resolved (the catalog's parameter values in its texts)."""
    title = NOTICE_TITLE
    w = doc_words(settings, data_dir)
    desk = (settings.desk_name or settings.community or "家门口办事台") + (
        f"（{settings.desk_code}）" if settings.desk_code else "")
    sheet = Sheet(fmt, title=f"{title} {item.code}", subject=item.name, author=desk, words=w)
    issuer = (settings.desk_name or settings.community or "家门口办事台") + (
        f"\n办事点编码 {settings.desk_code}" if settings.desk_code else "")
    name = w.name(item, item.name)
    sheet.header(title, name, issuer)
    sheet.numbered([("事项编码", item.code), ("告知日期", iso_date(today.isoformat()))])
    n = item.notice
    words = w.item(item)
    nt = words.notice or NoticeTranslation()
    shown_limit = _time_limit(item, w, nt)
    sheet.fields([
        ("办理事项", name, True),
        ("主管部门", w.department(item, item.department)),
        ("办理时限", shown_limit),
        ("收费标准", item.fee),
        ("办理地点", Bi(n.where, nt.where) if n.where else "社区便民服务站或流动办事点"),
        ("办理结果", Bi(n.result, nt.result) if n.result else "—", True),
        ("设定依据", item.legal_basis, True),
    ])
    sheet.heading("办理条件")
    sheet.bullets([*_lines(n.conditions, nt.conditions),
                   *_lines(item.eligibility, words.eligibility)])
    sheet.heading("申请材料")
    # 免提交 (issue 17): what the desk obtains itself is never listed as something to bring
    mats = [m for m in all_materials(item) if not m.obtained_by_sharing]
    shared = [m for m in all_materials(item) if m.obtained_by_sharing]
    _materials_to_bring(sheet, item, mats, w)
    if item.allows_deferral:
        sheet.para("★ 可容缺后补：主要材料齐全时，经您书面承诺，可先受理、在规定期限内补交"
                   "（容缺受理）。", small=True)
    if shared:
        _shared_materials(sheet, item, shared, w)
    sheet.heading("办理流程")
    sheet.bullets(_lines(n.steps, nt.steps))
    if n.tips:
        sheet.heading("温馨提示")
        sheet.bullets(_lines(n.tips, nt.tips), numbered=False)
    sheet.heading("咨询与监督")
    phone = settings.worker_phone
    worker = settings.worker_name
    contact = settings.district_contact or "区政务服务中心"
    sheet.para(w.t("经办人：{worker}，电话 {phone}；咨询与投诉：{contact}。" if worker and phone
                   else "经办人：{worker}；咨询与投诉：{contact}。" if worker
                   else "咨询与投诉：{contact}。", worker=worker, phone=phone, contact=contact))
    sheet.para("以上为办理本事项所需的全部条件和材料，一次性告知。因本告知单未列明的材料"
               "让您多跑一趟的，可向区政务服务中心反映。", small=True)
    sheet.para(w.t("目录版本：{version}", version=catalog_version), small=True)
    if fmt == "a4":
        _stub(sheet, item, w, title=title, today=today, worker=worker)
    return sheet.render()
