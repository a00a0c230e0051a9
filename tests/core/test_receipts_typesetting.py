"""Receipt typesetting and 一件事 services (issue 14, items 5 and 13).

Every document kind in both formats, for the catalog items with the longest texts, as a
reprint after a district status with a long note, a rating and 一件事 route statuses: the
text positions extracted by poppler's ``pdftotext -bbox-layout`` must keep the Chinese
line-breaking rules (no line starts with closing punctuation, none ends with opening
punctuation) and stay inside the margins, and every A4 document keeps its tear-off 存根
on one page.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from desk.core.receipts import render_case_pdf, render_notice_pdf
from desk.core.receipts.linebreak import CANNOT_END, CANNOT_START, break_lines
from forms.engine import all_materials
from forms.ids import id_check_digit
from forms.model import Item
from forms.printing.specs import SPECS

TODAY = date(2026, 11, 30)
NS = "{http://www.w3.org/1999/xhtml}"
SEQ = itertools.count(1000)
LONG_NOTE = ("经区级复核：申请人提交的户口簿与身份证登记的出生日期不一致，请于十个工作日内"
             "携带户籍所在地派出所出具的《户籍证明》（原件）到社区便民服务站补交；"
             "逾期未补交的，将按《政务服务“好差评”管理办法》规定告知并终止办理。")


def submit(ctx: Any, code: str, **changes: Any) -> dict[str, Any]:
    item = ctx.catalog.get(code)
    sub = dict(item.example)
    sub.update(changes)
    saved = ctx.cases.submit(code, sub, ctx.actor(), today=TODAY)
    case = ctx.store.get_case(saved["uuid"])
    assert case is not None
    return case


def lines_of(pdf: bytes, tmp: Path) -> list[dict[str, Any]]:
    """Every text line of every page: its text, box and page size (pdftotext)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils (see README)")
    src = tmp / "doc.pdf"
    src.write_bytes(pdf)
    out = tmp / "doc.html"
    subprocess.run([tool, "-bbox-layout", str(src), str(out)], check=True, timeout=60)
    root = ET.parse(out).getroot()
    found = []
    for page in root.iter(f"{NS}page"):
        width = float(page.get("width", "0"))
        for line in page.iter(f"{NS}line"):
            words = list(line.iter(f"{NS}word"))
            found.append({
                "text": "".join(w.text or "" for w in words),
                "x0": min(float(w.get("xMin", "0")) for w in words),
                "x1": max(float(w.get("xMax", "0")) for w in words),
                "page_w": width,
            })
    return found


def pages_of(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def check_typesetting(pdf: bytes, fmt: str, tmp: Path, what: str) -> None:
    spec = SPECS[fmt]
    lines = lines_of(pdf, tmp)
    assert lines, what
    bad_start = [ln["text"] for ln in lines if ln["text"][:1] in CANNOT_START]
    bad_end = [ln["text"] for ln in lines if ln["text"][-1:] in CANNOT_END]
    assert not bad_start, f"{what}: lines start with closing punctuation: {bad_start}"
    assert not bad_end, f"{what}: lines end with opening punctuation: {bad_end}"
    tol = 1.0
    outside = [(ln["text"], round(ln["x0"], 1), round(ln["x1"], 1)) for ln in lines
               if ln["x0"] < spec.margin_x - tol or ln["x1"] > ln["page_w"] - spec.margin_x + tol]
    assert not outside, f"{what}: text outside the margins: {outside}"
    if fmt == "a4":
        assert pages_of(pdf) == 1, f"{what}: the A4 document and its stub take more than a page"
        assert any("存根" in ln["text"] for ln in lines), what


def longest_items(catalog: Any) -> list[Item]:
    """The items with the longest texts: legal basis, name, materials, notice, services."""
    items: list[Item] = list(catalog.items)

    def notice_len(it: Item) -> int:
        n = it.notice
        return sum(map(len, [*n.conditions, *n.steps, *n.tips, *it.eligibility]))

    keys = [lambda it: len(it.legal_basis), lambda it: len(it.name),
            lambda it: sum(len(m.name) + len(m.note or "") for m in all_materials(it)),
            notice_len, lambda it: len(it.bundle or [])]
    chosen: dict[str, Item] = {}
    for key in keys:
        best = max(items, key=key)
        chosen[best.code] = best
    return list(chosen.values())


def full_reprint(ctx: Any, item: Item, status: str) -> dict[str, Any]:
    """A case of ``item`` in ``status``, with every optional block a reprint can have."""
    first17 = str(item.example["applicant_id"])[:14] + f"{next(SEQ) % 1000:03d}"
    changes: dict[str, Any] = {"priority": True,  # one resident per case (限申请一次)
                               "applicant_id": first17 + id_check_digit(first17)}
    mats = [m for m in item.materials if m.required and m.show_if is None]
    example = list(item.example.get("materials", []))
    if status == "deferred":
        changes["materials"] = [n for n in example if not any(
            m.name == n and m.deferrable for m in mats)]
    elif status == "correction":
        changes["materials"] = example[:1]
    case = submit(ctx, item.code, **changes)
    routes = [{"seq": next(SEQ), "kind": "route", "case_uuid": case["uuid"],
               "status": ("completed", "needs_correction", "rejected", "accepted")[i % 4],
               "note": LONG_NOTE[:40] if i % 4 == 1 else "", "department": "区级部门",
               "at": f"2026-10-09T0{i % 9}:00:00.000+00:00", "item_code": code,
               "item_name": ctx.catalog.get(code).name, "catalog": None}
              for i, code in enumerate(item.bundle or [])]
    ctx.store.sync.apply_changes([{"seq": next(SEQ), "kind": "status", "case_uuid": case["uuid"],
                                   "status": "needs_correction", "note": LONG_NOTE,
                                   "department": item.department,
                                   "at": "2026-10-08T02:00:00.000+00:00"}, *routes],
                            str(next(SEQ)))
    ctx.cases.rate(case["uuid"], 2)
    again = ctx.store.get_case(case["uuid"])
    assert again is not None and again["district_status"] and again["rating"] == 2
    return dict(again)


@pytest.mark.parametrize("lang", ["", "en"])  # issue 16: bilingual documents as well
@pytest.mark.parametrize("fmt", ["a4", "80mm"])
def test_every_document_keeps_line_breaking_margins_and_one_page(desk: Any, fmt: str, lang: str,
                                                                tmp_path: Path) -> None:
    desk.settings.doc_language = lang
    desk.settings.worker_phone = "027-84611234"
    desk.settings.district_contact = "汉阳区政务服务中心（琴台大道特1号）027-84845000"
    items = longest_items(desk.catalog)
    assert any(it.bundle for it in items)
    checked = 0
    for item in items:
        statuses = ["accepted", "correction"] + (["deferred"] if item.allows_deferral else [])
        for status in statuses:
            case = full_reprint(desk, item, status)
            kinds = ["receipt", "correction"] + (["deferral"] if status == "deferred" else [])
            for kind in kinds:
                pdf = render_case_pdf(desk, case, fmt=fmt, kind=kind)
                check_typesetting(pdf, fmt, tmp_path, f"{item.code} {status} {kind} {fmt}")
                checked += 1
        pdf = render_notice_pdf(item, fmt, "2026.11", desk.settings, today=TODAY)
        what = f"{item.code} notice {fmt}"
        if fmt == "a4" and pages_of(pdf) > 1:  # a long notice may take two pages ...
            lines = lines_of(pdf, tmp_path)    # ... with its stub on the last one
            assert "存根" not in "".join(ln["text"] for ln in lines[:-12])
            check_typesetting_rules_only(pdf, fmt, tmp_path, what)
        else:
            check_typesetting(pdf, fmt, tmp_path, what)
        checked += 1
    assert checked >= 20


def check_typesetting_rules_only(pdf: bytes, fmt: str, tmp: Path, what: str) -> None:
    spec = SPECS[fmt]
    for ln in lines_of(pdf, tmp):
        assert ln["text"][:1] not in CANNOT_START, (what, ln["text"])
        assert ln["text"][-1:] not in CANNOT_END, (what, ln["text"])
        assert spec.margin_x - 1 <= ln["x0"] and ln["x1"] <= ln["page_w"] - spec.margin_x + 1, (
            what, ln)


def test_break_lines_moves_the_break_instead_of_hanging() -> None:
    text = "依据《国务院关于工人退休、退职的暂行办法》；《住房公积金管理条例》"
    widths = [1.0] * len(text)
    for width in range(4, 20):
        lines = break_lines(list(text), widths, [float(width)])
        assert "".join(text[a:b] for a, b in lines) == text
        for a, b in lines:
            assert b - a <= width  # never past the margin
            assert text[a] not in CANNOT_START or a == 0
            assert text[b - 1] not in CANNOT_END or b == len(text)
    # a phone number is kept whole when a break before it is near
    text = "请致电027-84845000咨询"
    lines = break_lines(list(text), [1.0] * len(text), [12.0])
    assert [text[a:b] for a, b in lines] == ["请致电", "027-84845000", "咨询"]



def test_a_check_code_is_never_split_inside_a_group() -> None:
    """A resident reads the check code off the roll to verify the receipt: it may go to
    the next line whole, or after one of its hyphens, never inside a group of four (it
    printed as GNNI-JZEA-ST / YE-3NY5 whenever the code fell near the line's end)."""
    code = "GNNI-JZEA-STYE-3NY5"
    for lead in range(0, 30):
        text = "可向本办事点查询办理进度；" * 2 + "码" * lead + "核验码" + code + "可供核验。"
        widths = [0.5 if ch.isascii() else 1.0 for ch in text]
        for width in (12.0, 16.0, 20.0, 24.0):
            lines = [text[a:b] for a, b in break_lines(list(text), widths, [width])]
            assert "".join(lines) == text
            # wherever the code is cut, the cut falls just after a hyphen
            where = text.index(code)
            cuts = [b for a, b in break_lines(list(text), widths, [width])
                    if where < b < where + len(code)]
            for cut in cuts:
                assert text[cut - 1] == "-", (lead, width, lines)


# -- item 5: the services applied for ------------------------------------------------------


@pytest.mark.parametrize("fmt", ["a4", "80mm"])
def test_bundle_receipt_lists_each_service_with_its_department_and_status(
        desk: Any, fmt: str, tmp_path: Path) -> None:
    services = ["基本养老保险退休待遇核定", "职工医保退休待遇核定", "住房公积金退休提取"]
    case = submit(desk, "YJS-TX", services=services)
    assert json.loads(case["data_json"])["fields"]["services"] == services
    text = "".join(ln["text"] for ln in lines_of(render_case_pdf(desk, case, fmt=fmt), tmp_path))
    for service in services:
        assert service in text, service
    assert "（人社）" in text or "人社" in text
    assert "公积金" in text and text.count("待处理") == 3
    desk.store.sync.apply_changes([
        {"seq": 3, "kind": "route", "case_uuid": case["uuid"], "status": "completed",
         "note": "", "department": "人社", "at": "2026-10-09T02:00:00.000+00:00",
         "item_code": "RS-TX", "item_name": "职工（含灵活就业人员）退休申请", "catalog": None},
        {"seq": 4, "kind": "route", "case_uuid": case["uuid"], "status": "needs_correction",
         "note": "请补交公积金联名卡", "department": "公积金",
         "at": "2026-10-09T03:00:00.000+00:00", "item_code": "GJJ-TQ",
         "item_name": "住房公积金提取", "catalog": None},
        {"seq": 5, "kind": "route", "case_uuid": case["uuid"], "status": "completed",
         "note": "", "department": "医保", "at": "2026-10-09T04:00:00.000+00:00",
         "item_code": "YB-ZGTX", "item_name": "职工医保退休人员待遇核定（缴费年限认定）",
         "catalog": None}], "5")
    again = desk.store.get_case(case["uuid"])
    pdf = render_case_pdf(desk, again, fmt=fmt)
    text = "".join(ln["text"] for ln in lines_of(pdf, tmp_path))
    # the 人社 and 医保 services each show their own route's status (职工医保 goes to the
    # 医保 department's YB-ZGTX, issue 16); the 公积金 one its own status and note
    assert text.count("已办结") == 2 and "需补正" in text and "请补交公积金联名卡" in text
    assert "待处理" not in text
    check_typesetting(pdf, fmt, tmp_path, f"YJS-TX reprint {fmt}")


def test_an_a4_sheet_is_built_only_at_levels_that_may_fit(desk: Any, monkeypatch: Any) -> None:
    """An A4 document that would not fit one page is compacted, lowest rank first; a level
    whose blocks' heights alone exceed the page is skipped without building it (a build is
    ~15 ms: the deferral with its QR code took two, 31.7 ms). The level chosen is still the
    first that fits: every level before it, built, takes two pages."""
    from forms.printing import pages as page_module

    builds: list[tuple[Any, Any, bool, int]] = []
    real = page_module._build_a4

    def counted(*sheet: Any, shrink: bool = False) -> tuple[bytes, int]:
        pdf, pages = real(*sheet, shrink=shrink)
        builds.append((sheet[:4], sheet[4], shrink, pages))
        return pdf, pages

    monkeypatch.setattr(page_module, "_build_a4", counted)
    desk.settings.worker_phone = "027-84611234"
    desk.settings.district_contact = "汉阳区政务服务中心（琴台大道特1号）027-84845000"
    compacted = 0
    for item in longest_items(desk.catalog):
        if not item.allows_deferral:
            continue
        case = full_reprint(desk, item, "deferred")
        for kind in ("receipt", "deferral"):
            builds.clear()
            pdf = render_case_pdf(desk, case, fmt="a4", kind=kind)
            assert pages_of(pdf) == 1
            what = (item.code, kind, [(c, sh, p) for _, c, sh, p in builds])
            sheet = builds[-1][0]  # story, stub, spec, meta
            levels = [None, *sorted(_ranks(sheet[0] + (sheet[1] or [])))]
            tried = [b for b in builds if not b[2]]  # the levels built (not the last resort)
            if builds[-1][2]:  # shrunk: every level takes two pages; the last one was built
                assert tried == [builds[0]] and tried[0][1] == levels[-1], what
                chosen_at = len(levels)
            else:
                assert len(builds) == 1 and builds[0][3] == 1, what  # one build, and it fit
                chosen_at = levels.index(builds[0][1])
            for level in levels[:chosen_at]:  # each level skipped really takes two pages
                assert real(*sheet, level)[1] > 1, (what, level)
            compacted += chosen_at > 0
    assert compacted >= 1  # the test saw a sheet that needed compacting


def _ranks(blocks: list[Any]) -> set[int]:
    from forms.printing.pages import Alternative

    out: set[int] = set()
    for b in blocks:
        if isinstance(b, Alternative):
            out |= {b.rank} | _ranks(b.compact)
    return out
