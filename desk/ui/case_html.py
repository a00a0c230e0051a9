"""A saved case as rich text: the receipt fallback and the body of the case detail view.

ID numbers and phones are masked (promise 5): the screen faces the resident's neighbours
as often as the resident.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from desk.core.bundles import bundle_routes
from desk.core.receipts.exempt import proactive_mark
from desk.ui.style import colour
from desk.ui.text import (
    district_label,
    esc,
    rating_label,
    route_label,
    status_label,
    sync_label,
    tr,
)
from forms.engine import all_fields
from forms.model import FieldDef, Item

if TYPE_CHECKING:
    from desk.core.app import DeskContext


def _labels() -> dict[str, str]:
    """Row labels of the summary (literal tr() calls, so lupdate finds them)."""
    return {
        "受理编号": tr("受理编号"),
        "办理事项": tr("办理事项"),
        "办理状态": tr("办理状态"),
        "受理日期": tr("受理日期"),
        "承诺办结": tr("承诺办结"),
        "办事点 / 经办人": tr("办事点 / 经办人"),
        "区级状态": tr("区级状态"),
        "上传状态": tr("上传状态"),
        "居民评价": tr("居民评价"),
    }


def doc_title(status: str) -> str:
    """The document a case's status calls for."""
    return {"accepted": tr("受理回执"), "deferred": tr("容缺受理通知书"),
            "correction": tr("补正告知书")}.get(status, tr("受理回执"))


def item_of(ctx: DeskContext, case: dict[str, Any]) -> Item | None:
    """The item definition the case was filled under (None if unknown)."""
    try:
        return ctx.catalog_for(case.get("catalog_version", "")).get(case["item_code"])
    except Exception:  # an old or foreign catalog: show keys instead of labels
        return None


def show_value(f: FieldDef | None, value: Any, reveal: bool = False) -> str:
    """A stored value in words; sensitive ones masked unless ``reveal``."""
    if value is None or value == "":
        return ""
    t = f.type if f else ""
    if f is not None and f.masked:  # the field definition decides (forms.model.FieldDef)
        return str(value) if reveal else f.show(value)
    if t == "yes_no" or isinstance(value, bool):
        return tr("是") if value else tr("否")
    if t == "address" and isinstance(value, dict):
        return " ".join(str(value.get(k, "")) for k in ("compound", "building", "unit", "room")
                        if value.get(k))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if t in ("number", "money") and isinstance(value, int | float):
        n = int(value) if float(value).is_integer() else value
        return f"{n}{f.unit if f else ''}"
    return str(value)


def fields_html(item: Item | None, data: dict[str, Any], reveal: bool = False) -> str:
    """The form's values as a two-column table."""
    defs = {f.key: f for f in all_fields(item)} if item else {}
    order = list(defs) + [k for k in data if k not in defs]
    rows = []
    for key in order:
        if key not in data:
            continue
        f = defs.get(key)
        value = data[key]
        label = f.label if f else key
        if f is not None and f.type == "group" and isinstance(value, list):
            subs = {s.key: s for s in f.fields or []}
            for i, row in enumerate(value, 1):
                keys = [k for k in subs if k in row] + [k for k in row if k not in subs]
                text = "；".join(f"{esc(subs[k].label if k in subs else k)}："
                                f"{esc(show_value(subs.get(k), row[k], reveal))}"
                                for k in keys if row[k] not in (None, ""))
                rows.append(f"<tr><td class='k'>{esc(f.item_label or label)} {i}</td>"
                            f"<td>{text}</td></tr>")
            continue
        rows.append(f"<tr><td class='k'>{esc(label)}</td>"
                    f"<td>{esc(show_value(f, value, reveal))}</td></tr>")
    return "<table width='100%' cellpadding='5'>" + "".join(rows) + "</table>"


def materials_html(case: dict[str, Any]) -> str:
    """Received and missing materials, with due dates and supply dates."""
    mats = json.loads(case.get("materials_json") or "{}")
    out = []
    if mats.get("received"):
        out.append("<p><b>" + tr("已收材料：") + "</b>" + esc("、".join(mats["received"])) + "</p>")
    missing = mats.get("missing") or []
    if missing:
        out.append("<p><b>" + tr("待补材料：") + "</b></p><ul>")
        for m in missing:
            bits = [f"{esc(m['name'])}（{esc(m.get('form', ''))}）"]
            if not m.get("required"):
                bits.append(tr("选交"))
            if m.get("due_date"):
                bits.append(tr("补交期限 {d}").format(d=esc(m["due_date"])))
            if m.get("supplied_on"):
                bits.append(f"<b style='color:{colour('ok')}'>" + tr("已于 {d} 补交").format(
                    d=esc(m["supplied_on"])) + "</b>")
            out.append("<li>" + " · ".join(bits) + "</li>")
        out.append("</ul>")
    return "".join(out)


def routes_html(ctx: DeskContext, case: dict[str, Any], item: Item | None,
                fields: dict[str, Any], pulled: list[dict[str, Any]] | None) -> str:
    """A 一件事 bundle case's routes: each service chosen, its department and its status
    at the district (pending until a department acts); empty for other cases."""
    if item is None or not item.bundle:
        return ""
    try:
        catalog = ctx.catalog_for(case.get("catalog_version", ""))
    except Exception:  # an old or foreign catalog: the pulled names still show
        catalog = None
    rows = bundle_routes(item, fields, pulled or [], catalog)
    if not rows:
        return ""
    out = ["<h3>" + tr("联办事项办理情况") + "</h3><table cellpadding='4'>"]
    for r in rows:
        word = route_label(str(r["status"]))
        out.append(f"<tr><td>{esc(r['item_name'])}</td><td class='k'>{esc(r['department'])}"
                   f"</td><td><b>{esc(word)}</b>"
                   + (f"：{esc(r['note'])}" if r.get("note") else "") + "</td></tr>")
    out.append("</table>")
    return "".join(out)


def mianshen_tags(case: dict[str, Any]) -> str:
    """免申即享 (and 无需签字) beside the status of a case filed from the proactive list,
    as the district's case page marks it (issue 18); nothing for an applied-for case."""
    mark = proactive_mark(case)
    if mark is None:
        return ""
    tags = [tr("免申即享")] + ([tr("无需签字")] if mark.get("no_signature") else [])
    return "".join(f" · <b style='color:{colour('ok')}'>{esc(t)}</b>" for t in tags)


def mianshen_rows(case: dict[str, Any]) -> list[str]:
    """The list entry a 免申 case came from and the rule's reason in words."""
    mark = proactive_mark(case)
    if mark is None:
        return []
    words = tr("主动服务名单第 {n} 号").format(n=esc(mark.get("entry_id")))
    if mark.get("reason"):
        words += "：" + esc(mark["reason"])
    return [f"<tr><td class='k'>{tr('办理方式')}</td><td>{words}</td></tr>"]


def summary_html(ctx: DeskContext, case: dict[str, Any], *, reveal: bool = False,
                 routes: list[dict[str, Any]] | None = None) -> str:
    """The whole saved case (receipt fallback and print of last resort); ID numbers and
    phones in full only with ``reveal`` (the detail page, on purpose, audited). ``routes``:
    a bundle case's routes as pulled from the district (``store.sync.case_routes``)."""
    item = item_of(ctx, case)
    data = json.loads(case.get("data_json") or "{}")
    fields = data.get("fields", {})
    status = case.get("status", "")
    lab = _labels()
    head = [
        f"<h2>{esc(doc_title(status))}</h2>",
        "<table cellpadding='4'>",
        f"<tr><td class='k'>{lab['受理编号']}</td><td><b>{esc(case.get('receipt_no'))}</b></td></tr>",
        f"<tr><td class='k'>{lab['办理事项']}</td><td>{esc(case.get('item_name'))}"
        f"（{esc(case.get('item_code'))}）</td></tr>",
        f"<tr><td class='k'>{lab['办理状态']}</td><td>{esc(status_label(status))}"
        + (f" · <b style='color:{colour('ok')}'>" + tr("绿色通道") + "</b>" if case.get("priority") else "")
        + mianshen_tags(case) + "</td></tr>",
        *mianshen_rows(case),
        f"<tr><td class='k'>{lab['受理日期']}</td><td>{esc(case.get('accepted_date'))}</td></tr>",
    ]
    if case.get("promised_date") and status != "correction":
        head.append(f"<tr><td class='k'>{lab['承诺办结']}</td>"
                    f"<td>{esc(case.get('promised_date'))}</td></tr>")
    head.append(f"<tr><td class='k'>{lab['办事点 / 经办人']}</td><td>"
                f"{esc(case.get('desk_code'))} / {esc(case.get('worker'))}</td></tr>")
    if case.get("district_status"):
        head.append(f"<tr><td class='k'>{lab['区级状态']}</td><td>"
                    f"{esc(district_label(case.get('district_status')))}"
                    + (f"：{esc(case.get('district_note'))}" if case.get("district_note") else "")
                    + "</td></tr>")
    if case.get("sync_state"):
        head.append(f"<tr><td class='k'>{lab['上传状态']}</td><td>"
                    f"{esc(sync_label(case.get('sync_state')))}"
                    + (f"（{esc(case.get('sync_error'))}）" if case.get("sync_error") else "")
                    + "</td></tr>")
    if case.get("rating"):
        head.append(f"<tr><td class='k'>{lab['居民评价']}</td><td>"
                    f"{esc(rating_label(case.get('rating')))}"
                    + (f"：{esc(case.get('rating_reason'))}" if case.get("rating_reason") else "")
                    + "</td></tr>")
    head.append("</table>")
    warn = data.get("warnings") or []
    parts = [
        "<style>td.k{color:" + colour("muted") + ";white-space:nowrap;padding-right:14px}</style>",
        *head,
        routes_html(ctx, case, item, fields, routes),
        "<h3>" + tr("申请信息") + "</h3>",
        fields_html(item, fields, reveal),
        "<h3>" + tr("材料") + "</h3>",
        materials_html(case) or "<p>—</p>",
    ]
    if warn:
        parts.append("<h3>" + tr("资格提示") + "</h3><ul>" +
                     "".join(f"<li>{esc(w.get('message'))}</li>" for w in warn) + "</ul>")
    if data.get("remarks"):
        parts.append("<h3>" + tr("备注") + "</h3><p>" + esc(data["remarks"]) + "</p>")
    return "".join(parts)
