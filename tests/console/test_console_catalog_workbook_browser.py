"""Issue 16 item 4: 事项目录 authored as a workbook, in a real Chromium — the template
downloads; a workbook with mistakes shows every one by sheet/row/column and publishes
nothing; the fixed workbook shows the diff item by item; 发布 publishes the next version
(audited); a desk syncs it and files a case under it."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
from console_helpers import ConsoleServer, shot
from openpyxl import load_workbook
from test_console_browser import _flash, _sign_in

from forms.catalog import load_catalog
from forms.workbook import read_workbook, write_workbook
from sync.client.desk import sync_desk

pytestmark = pytest.mark.browser


def _edit(data: bytes, sheet: str, match: dict[str, str], **cells: Any) -> bytes:
    book = load_workbook(io.BytesIO(data))
    ws = book[sheet]
    header = [c.value for c in ws[1]]
    hits = 0
    for row in ws.iter_rows(min_row=2):
        if all(row[header.index(k)].value == v for k, v in match.items()):
            hits += 1
            for col, value in cells.items():
                row[header.index(col)].value = value
    assert hits == 1, (sheet, match)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _upload(page: Any, base: str, path: Path) -> None:
    page.goto(f"{base}/console/catalog")
    page.locator("input[type=file][name=workbook]").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="上传并检查").click()


def test_workbook_upload_errors_diff_publish_and_a_desk_files_under_it(
        server: ConsoleServer, make_desk: Any, page: Any, tmp_path: Path) -> None:
    base = server.url
    _sign_in(page, base)
    page.goto(f"{base}/console/catalog")
    shot(page, "16-catalog-workbook-panel")
    with page.expect_download() as got:
        page.get_by_role("link", name="下载空白模板（含填写说明和一个示例事项）").click()
    template = tmp_path / "template.xlsx"
    got.value.save_as(template)
    blank, problems = read_workbook(template)
    assert problems == [] and blank is not None
    assert [it.code for it in blank.items] == ["MZ-GLJT"]
    assert "说明" in load_workbook(template, read_only=True).sheetnames

    fixed = _edit(write_workbook(load_catalog()), "items", {"code": "MZ-GLJT"},
                  name="高龄津贴申领（试行）", promised_days=7,
                  notice_time_limit="7个工作日内办结")
    # a local parameter: 高龄津贴 from 75 here (every text and rule that uses it follows)
    fixed = _edit(fixed, "params", {"name": "gljt_min_age"}, value=75)
    broken = _edit(fixed, "fields", {"item": "MZ-GLJT", "key": "living_alone"}, type="phon")
    broken = _edit(broken, "materials", {"item": "YB-JMCB", "name": "户口簿"}, form="扫描件")
    bad_path, good_path = tmp_path / "本区目录-有错.xlsx", tmp_path / "本区目录.xlsx"
    bad_path.write_bytes(broken)
    good_path.write_bytes(fixed)

    _upload(page, base, bad_path)
    listing = page.locator("table.problems").inner_text()
    rows = page.locator("table.problems tbody tr")
    assert rows.count() == 2, listing
    assert "类型 'phon' 不认识，可选：" in listing and "形式 '扫描件' 不认识" in listing
    assert "fields!E" in listing and "materials!D" in listing
    assert "未发布" in page.locator("h2").first.inner_text()
    shot(page, "16-catalog-workbook-errors")
    assert server.console.catalog_versions() == []

    _upload(page, base, good_path)
    diff = page.locator("section.workbook-diff").inner_text()
    # MZ-GLJT, and MZ-JJYL whose 高龄 texts and age check use the parameter
    assert "检查通过" in diff and "改名 1" in diff and "有改动 2" in diff
    assert "高龄津贴申领 → 高龄津贴申领（试行）" in diff
    assert "承诺工作日：10 → 7" in diff
    params = page.locator("table.params tbody tr")
    assert params.count() == 1
    assert params.inner_text().split("\t") == ["gljt_min_age", "高龄津贴起始年龄", "80周岁",
                                                 "75周岁"]
    shot(page, "16-catalog-workbook-diff")

    # each changed item's form as the desk will show it, and its printed notice
    previews = page.locator("details.preview")
    assert sorted(previews.evaluate_all("ds => ds.map(d => d.dataset.code)")) == [
        "MZ-GLJT", "MZ-JJYL"]
    gljt = page.locator("details.preview[data-code=MZ-GLJT]")
    if gljt.get_attribute("open") is None:
        gljt.locator("summary").click()
    form = gljt.locator(".form-preview")
    assert form.is_visible()
    assert form.locator(".field[data-key=payment_channel] .choice").all_inner_texts() == [
        "○ 社保卡", "○ 本人银行账户"]
    assert form.locator(".field[data-key=applicant_id] .req").count() == 1
    assert "仅发放方式为“本人银行账户”时显示" in form.locator(
        ".field[data-key=bank_name]").inner_text()
    assert "★可容缺后补" in form.locator("table.materials").inner_text()
    assert "老人未满75周岁" in form.locator("ul.warnings").inner_text()
    assert "年满75周岁" in form.locator(".notice").inner_text()
    gljt.scroll_into_view_if_needed()
    shot(page, "16-catalog-workbook-preview")
    with page.expect_download() as got:
        gljt.get_by_role("button", name="下载一次性告知单（PDF，与办事台打印的相同）").click()
    pdf = tmp_path / "notice.pdf"
    got.value.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, timeout=60, check=True).stdout
    assert "一次性告知单" in text and "高龄津贴申领（试行）" in text
    assert "年满75周岁" in text and "年满80周岁" not in text
    assert server.console.catalog_versions() == []  # a preview publishes nothing
    with page.expect_navigation():
        page.get_by_role("button", name="发布").click()
    text = _flash(page)
    assert "2026.11-hanyang.2 已发布" in text, text
    assert [v["version"] for v in server.console.catalog_versions()] == ["2026.11-hanyang.2"]
    published = server.console.audit.entries(action="catalog.publish")
    assert [e["target"] for e in published] == ["2026.11-hanyang.2"]
    assert published[0]["actor"] == "admin"

    # the same workbook again: nothing new to publish
    _upload(page, base, good_path)
    assert "未变" in page.locator("section.workbook-diff").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="发布").click()
    assert "未重复发布" in _flash(page)
    assert len(server.console.catalog_versions()) == 1

    ctx = make_desk()
    summary = sync_desk(ctx)
    assert summary["catalog_version"] == "2026.11-hanyang.2"
    item = ctx.catalog.get("MZ-GLJT")
    assert (item.name, item.promised_days) == ("高龄津贴申领（试行）", 7)
    case = ctx.cases.submit("MZ-GLJT", dict(item.example), ctx.actor())
    saved = ctx.store.get_case(case["uuid"])
    assert (saved["catalog_version"], saved["item_name"]) == ("2026.11-hanyang.2",
                                                             "高龄津贴申领（试行）")
