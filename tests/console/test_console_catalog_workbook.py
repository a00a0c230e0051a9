"""Issue 16 item 4 over plain HTTP: the preview carries the checked catalog to 发布; a
version published since the preview, a tampered preview, a non-admin and a non-workbook
are refused with a message, and nothing is published."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from typing import Any

from console_helpers import ConsoleServer, Web
from openpyxl import load_workbook

from forms.catalog import load_catalog
from forms.workbook import read_workbook, write_workbook


def _bumped(days: int) -> bytes:
    book = load_workbook(io.BytesIO(write_workbook(load_catalog())))
    ws = book["items"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "MZ-GLJT":
            row[header.index("promised_days")].value = days
            row[header.index("notice_time_limit")].value = f"{days}个工作日内办结"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _upload(w: Web, data: bytes, name: str = "目录.xlsx") -> Any:
    return w._take(w.http.post("/console/catalog/workbook", headers=w._hdr(),
                               data={"csrf": w.csrf}, files={"workbook": (name, data)}))


def _fields(page: str) -> dict[str, str]:
    return {m.group(1): html.unescape(m.group(2)) for m in re.finditer(
        r'<input type="hidden" name="(draft|current|filename)" value="([^"]*)">', page)}


def _flash(w: Web) -> str:
    page = w.get("/console/catalog").text
    m = re.search(r'class="flash[^"]*"[^>]*>(.*?)</', page, re.S)
    return html.unescape(m.group(1)) if m else ""


def test_preview_then_publish_and_its_refusals(server: ConsoleServer,
                                               web: Callable[[str | None], Web]) -> None:
    admin = web("admin")
    r = _upload(admin, _bumped(8))
    assert r.status_code == 200 and "检查通过" in r.text
    form = _fields(r.text)
    assert set(form) == {"draft", "current", "filename"} and form["current"] == ""

    # a version published between the preview and 发布: the preview is stale
    other = load_catalog().to_json()
    other["version"] = "2026.12-hanyang.1"
    server.storage.catalogs.publish(other)
    r = admin.post("/console/catalog/workbook/publish", form)
    assert r.status_code == 303
    assert "预览之后已有新版本 2026.12-hanyang.1 发布" in _flash(admin)
    # a tampered preview
    r = admin.post("/console/catalog/workbook/publish",
                   dict(form, draft=form["draft"][:-40] + "A" * 40,
                        current="2026.12-hanyang.1"))
    assert "预览内容无效" in _flash(admin)
    assert [v["version"] for v in server.console.catalog_versions()] == ["2026.12-hanyang.1"]

    # previewed again against the new current version, then published as its next
    r = _upload(admin, _bumped(8))
    form = _fields(r.text)
    assert form["current"] == "2026.12-hanyang.1"
    admin.post("/console/catalog/workbook/publish", form)
    assert "2026.12-hanyang.2 已发布" in _flash(admin)
    entry = server.console.audit.entries(action="catalog.publish")[0]
    assert entry["target"] == "2026.12-hanyang.2" and entry["actor"] == "admin"

    # not a workbook; not an admin
    r = _upload(admin, b"hello", "notes.xlsx")
    assert r.status_code == 422 and "不是能打开的 XLSX 工作簿" in r.text
    viewer = web("viewer")
    assert _upload(viewer, _bumped(9)).status_code == 403
    assert viewer.get("/console/catalog/template.xlsx").status_code == 403
    assert len(server.console.catalog_versions()) == 2


def test_template_and_export_downloads(server: ConsoleServer,
                                       web: Callable[[str | None], Web]) -> None:
    admin = web("admin")
    r = admin.get("/console/catalog/template.xlsx")
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    blank, problems = read_workbook(r.content)
    assert problems == [] and blank is not None and len(blank.items) == 1
    r = admin.get("/console/catalog/export.xlsx")
    cat, problems = read_workbook(r.content)
    assert problems == [] and cat is not None
    assert cat.version == load_catalog().version and cat.items == load_catalog().items
