"""Case pages, the exports: the filtered case list as CSV (streamed while it is read) or
XLSX (written in constant memory, then streamed), audited, personal data masked."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from forms.catalog import load_catalog
from sync import protocol as P
from sync.district.console import auth
from sync.district.console.auth import Exporter, User
from sync.district.console.case_list import CaseFilter
from sync.district.console.cases import (
    list_filter,
    masks_names,
)
from sync.district.console.routes import masked_name
from sync.district.console.store import ConsoleStore, local_today
from sync.district.console.views import (
    STATUS_LABELS,
    local_time,
    render,
)

router = APIRouter()


EXPORT_COLUMNS = (
    ("受理编号", "receipt_no"), ("事项编码", "item_code"), ("事项名称", "item_name"),
    ("当前部门", "department"), ("办事点", "desk_code"), ("经办人", "worker"),
    ("申请人", "applicant_name"), ("身份证号（脱敏）", "id_masked"),
    ("联系电话（脱敏）", "phone_masked"), ("受理日期", "accepted_date"),
    ("承诺办结日期", "promised_date"), ("区级状态", "district_status"),
    ("区级意见", "district_note"), ("区级接收时间", "received_at"), ("案件编号", "uuid"),
)


def _cells(r: dict[str, Any], mask: bool = False) -> list[Any]:
    out = []
    for _, key in EXPORT_COLUMNS:
        v = r.get(key)
        if key == "applicant_name" and mask:
            v = masked_name(str(v or ""))
        elif key == "district_status":
            v = STATUS_LABELS.get(v or "", v)
        elif key == "received_at":
            v = local_time(v, "%Y-%m-%d %H:%M:%S")
        out.append("" if v is None else v)
    return out


def _safe(v: Any) -> Any:
    # A cell starting with = + - @ is a formula to a spreadsheet: quote it (CSV injection).
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def _csv_stream(cs: ConsoleStore, f: CaseFilter, mask: bool) -> Iterator[bytes]:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([c for c, _ in EXPORT_COLUMNS])
    yield ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel reads UTF-8 correctly
    for rows in cs.caselist.iter_cases(f):
        buf.seek(0)
        buf.truncate()
        for r in rows:
            w.writerow([_safe(v) for v in _cells(r, mask)])
        yield buf.getvalue().encode("utf-8")


def filter_words(cs: ConsoleStore, f: CaseFilter) -> list[tuple[str, str]]:
    """The filters of a list in words, e.g. [("办事点", "HY-QL01 七里一村"), ("状态", "需补正")]."""
    items = {it.code: it.name for it in load_catalog().items}
    desks = dict(cs.desk_choices())
    overdue = {"overdue": "已超期（待办）", "near": "3 天内到期（待办）",
               "unconfirmed": "当场办结 · 区级未确认"}
    words = []
    if f.desk:
        words.append(("办事点", desks.get(f.desk, f.desk)))
    if f.status:
        words.append(("状态", "全部待办" if f.status == "open" else STATUS_LABELS[f.status]))
    if f.item:
        words.append(("事项", items.get(f.item, f.item)))
    for label, v in (("部门", f.department), ("经办人", f.worker), ("搜索", f.q)):
        if v:
            words.append((label, v))
    if f.date_from or f.date_to:
        words.append(("受理日期", f"{f.date_from or '…'} 至 {f.date_to or '…'}"))
    if f.overdue:
        words.append(("承诺期", overdue[f.overdue]))
    if f.priority:
        words.append(("绿色通道", "仅绿色通道"))
    if f.dates:
        words.append(("办事点日期", "日期存疑"))
    if f.dup:
        words.append(("重复申请", "待核实"))
    return words


def export_name(cs: ConsoleStore, f: CaseFilter, fmt: str) -> str:
    """The export's file name with its filter, e.g. ``cases-HY-QL01-补正-20261202.csv``
    (desk code, status, item, department, worker, dates; never a search term — it may be
    a resident's name or number)."""
    parts = ["cases"]
    if f.desk:
        label = dict(cs.desk_choices()).get(f.desk, "")  # "HY-QL01 七里一村…"
        parts.append(label.split(" ", 1)[0] or f.desk[:12])
    short = {"needs_correction": "补正", "received": "待审核", "accepted": "已受理",
             "completed": "已办结", "rejected": "不予办理", "routed": "已转办", "open": "待办"}
    if f.status:
        parts.append(short.get(f.status, f.status))
    if f.item:
        parts.append(f.item)
    for v in (f.department, f.worker):
        if v:
            parts.append(v)
    if f.date_from or f.date_to:
        parts.append(f"{f.date_from.replace('-', '')}至{f.date_to.replace('-', '')}"
                     if f.date_from and f.date_to else
                     (f"自{f.date_from.replace('-', '')}" if f.date_from
                      else f"至{f.date_to.replace('-', '')}"))
    if f.overdue:
        parts.append({"overdue": "已超期", "near": "将到期", "unconfirmed": "区级未确认"}[f.overdue])
    if f.priority:
        parts.append("绿色通道")
    if f.dates:
        parts.append("日期存疑")
    if f.dup:
        parts.append("重复申请")
    parts.append(local_today().strftime("%Y%m%d"))
    bad = set('\\/:*?"<>|;,') | {chr(c) for c in range(32)}
    name = "-".join("".join("_" if ch in bad or ch.isspace() else ch for ch in p)
                    for p in parts)
    return f"{name[:150]}.{fmt}"


def _disposition(name: str) -> str:
    """attachment; an ASCII fallback name and the real one (RFC 6266 / 5987)."""
    ascii_name = "".join(ch if ch.isascii() else "_" for ch in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def _xlsx_file(cs: ConsoleStore, f: CaseFilter, mask: bool = False,
               head_rows: list[tuple[str, str]] | None = None) -> str:
    import xlsxwriter

    fd, path = tempfile.mkstemp(prefix="doorstep-export-", suffix=".xlsx")
    os.close(fd)
    wb = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": tempfile.gettempdir(),
                                    "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("案件")
    head = wb.add_format({"bold": True, "bg_color": "#E8EEF5"})
    widths = (24, 10, 22, 10, 10, 10, 10, 20, 14, 12, 12, 10, 30, 20, 38)
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    # a header block: what this is (filter, exporter, time), then the table
    title = wb.add_format({"bold": True})
    n = 0
    for label, value in head_rows or []:
        ws.write_string(n, 0, label, title)
        ws.write_string(n, 1, value)
        n += 1
    if n:
        n += 1  # a blank row before the table
    ws.freeze_panes(n + 1, 0)
    for i, (c, _) in enumerate(EXPORT_COLUMNS):
        ws.write_string(n, i, c, head)
    n += 1
    for rows in cs.caselist.iter_cases(f):
        for r in rows:
            for i, v in enumerate(_cells(r, mask)):
                ws.write_string(n, i, str(v))
            n += 1
    wb.close()
    return path


def file_stream(path: str) -> Iterator[bytes]:
    """A finished export file in 256 KB chunks, deleted once sent (or the client left)."""
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(256 * 1024):
                yield chunk
    finally:
        os.unlink(path)


@router.get("/export.{fmt}", include_in_schema=False)
async def export(request: Request, fmt: str, user: User = Exporter) -> Response:
    """The filtered case list as CSV (streamed while it is read) or XLSX (written in
    constant memory, then streamed). Personal data stays masked in exports."""
    if fmt not in ("csv", "xlsx"):
        return render(request, "error.html", 404, title="不支持的格式", message="仅支持 CSV 和 XLSX。")
    cs: ConsoleStore = auth.console(request)
    f = list_filter(request)
    await run_in_threadpool(lambda: cs.readmodel.refresh(max_age=1.0))
    # audited with its filter and row count; the cases it holds are remembered (issue 21)
    await run_in_threadpool(cs.caselist.log_export, user.username, fmt, f)
    mask = masks_names(user)  # viewers: names masked as in the list
    name = await run_in_threadpool(export_name, cs, f, fmt)
    headers = {"Content-Disposition": _disposition(name),
               "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if fmt == "csv":
        return StreamingResponse(_csv_stream(cs, f, mask), media_type="text/csv; charset=utf-8",
                                 headers=headers)
    words = await run_in_threadpool(filter_words, cs, f)
    head_rows = [("案件导出", name),
                 ("筛选条件", "；".join(f"{k}：{v}" for k, v in words) or "全部案件"),
                 ("导出人", user.username),
                 ("导出时间", local_time(P.utc_now(), "%Y-%m-%d %H:%M:%S")),
                 ("说明", "身份证号、电话已脱敏" + ("；申请人姓名已脱敏" if mask else ""))]
    path = await run_in_threadpool(_xlsx_file, cs, f, mask, head_rows)
    headers["Content-Length"] = str(os.path.getsize(path))
    return StreamingResponse(
        file_stream(path), headers=headers,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
