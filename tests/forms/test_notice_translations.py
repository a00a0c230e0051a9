"""The one-time notice's body in a second language (issue 16): an item's eligibility and
notice texts (conditions, steps, time limit, place, result, tips) carry translations line
for line, the workbook's ``…::en`` columns round-trip them, the checker places a bad one
at its cell, and the bilingual 一次性告知单 prints each text with its English beneath."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from forms.catalog import Catalog, load_catalog
from forms.model import NoticeTranslation
from forms.printing.notice import notice_document
from forms.workbook import read_workbook, write_workbook

PARTS = ("conditions", "steps", "tips")


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return load_catalog()


def _cell(book: object, sheet: str, code: str, col: str) -> str:
    ws = book[sheet]  # type: ignore[index]
    head = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == code:
            return f"{sheet}!{row[head.index(col)].column_letter}{row[0].row}"
    raise AssertionError(f"{code} not in {sheet}")


def test_the_workbook_carries_the_notice_translations(shipped: Catalog) -> None:
    """Each notice part has its ``::en`` column (one line per Chinese line), and reading
    the workbook back gives the same translations."""
    data = write_workbook(shipped)
    book = load_workbook(io.BytesIO(data))
    item = shipped.authored[0]
    en = item.translated("en")
    assert en.notice is not None
    ws = book["items"]
    steps = ws[_cell(book, "items", item.code, "notice_steps::en").partition("!")[2]].value
    assert steps.split("\n") == en.notice.steps
    elig = ws[_cell(book, "items", item.code, "eligibility::en").partition("!")[2]].value
    assert elig.split("\n") == en.eligibility
    back, problems = read_workbook(data)
    assert problems == [] and back is not None
    for a, b in zip(shipped.authored, back.authored, strict=True):
        assert a.translated("en") == b.translated("en"), a.code


def test_a_translation_that_does_not_match_the_chinese_is_placed_at_its_cell(
        shipped: Catalog) -> None:
    book = load_workbook(io.BytesIO(write_workbook(shipped)))
    first, second, third = shipped.authored[:3]
    ws = book["items"]

    def at(cell: str) -> str:
        return cell.partition("!")[2]

    steps_cell = _cell(book, "items", first.code, "notice_steps::en")
    ws[at(steps_cell)] = "Only one step"
    elig_cell = _cell(book, "items", second.code, "eligibility::en")
    ws[at(elig_cell)] = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine"
    ws[at(_cell(book, "items", third.code, "notice_where"))] = None  # the English left alone
    buf = io.BytesIO()
    book.save(buf)
    catalog, problems = read_workbook(buf.getvalue())
    assert catalog is None
    got = {p.cell: p.message for p in problems}
    n_steps = len(first.notice.steps)
    assert got == {
        steps_cell: f"en 翻译有 1 条，中文有 {n_steps} 条：须一条中文对应一条翻译（每条占一行）",
        elig_cell: f"en 翻译有 9 条，中文有 {len(second.eligibility)} 条：须一条中文对应一条翻译"
                   "（每条占一行）",
        _cell(book, "items", third.code, "notice_where::en"): "中文没有填写，en 翻译无从对应",
    }, problems


def test_a_catalog_json_with_a_short_translation_is_refused(shipped: Catalog) -> None:
    data = shipped.to_json()
    raw = data["items"][0]
    raw["translations"]["en"]["notice"]["conditions"] = ["only one", "two", "three", "four",
                                                         "five", "six", "seven"]
    with pytest.raises(ValueError, match=r"translations\.en\.notice\.conditions: 7 lines"):
        Catalog.from_json(data)


def test_every_shipped_item_has_english_for_its_notice(shipped: Catalog) -> None:
    missing = []
    for item in shipped.items:
        en = item.translated("en")
        nt = en.notice or NoticeTranslation()
        n = item.notice
        if item.eligibility and not en.eligibility:
            missing.append(f"{item.code}: eligibility")
        for part in PARTS:
            if getattr(n, part) and not getattr(nt, part):
                missing.append(f"{item.code}: notice.{part}")
        for part in ("time_limit", "where", "result"):
            if getattr(n, part) and not getattr(nt, part):
                missing.append(f"{item.code}: notice.{part}")
        texts = [*(en.eligibility or []), *(nt.conditions or []), *(nt.steps or []),
                 *(nt.tips or []), nt.time_limit or "", nt.where or "", nt.result or ""]
        for t in texts:  # English, the parameters filled in
            if re.search(r"[\u4e00-\u9fff]", t) or "{" in t:
                missing.append(f"{item.code}: not English: {t}")
    assert not missing, f"{len(missing)}: {missing[:20]}"


def _pdftotext(pdf: bytes, tmp: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils (see README)")
    f = tmp / "notice.pdf"
    f.write_bytes(pdf)
    return subprocess.run([tool, str(f), "-"], check=True, capture_output=True, text=True,
                          timeout=60).stdout


def _squash(text: str) -> str:
    return re.sub(r"[\s\u00ad-]+", "", text)


@pytest.mark.parametrize("fmt", ["a4", "80mm"])
@pytest.mark.parametrize("code", ["MZ-GLJT", "YJS-TX", "GA-SWZX"])
def test_the_english_notice_prints_every_body_text_with_its_translation(
        shipped: Catalog, tmp_path: Path, code: str, fmt: str) -> None:
    item = shipped.get(code)
    settings = SimpleNamespace(desk_name="墨水湖社区家门口办事台", community="墨水湖社区",
                               desk_code="HY-MSH-01", worker_name="李娟",
                               worker_phone="027-84611234", district_contact="区政务服务中心",
                               doc_language="en")
    pdf = notice_document(item, fmt, shipped.version, settings, today=date(2026, 11, 20),
                          data_dir=tmp_path)
    text = _squash(_pdftotext(pdf, tmp_path))
    en = item.translated("en")
    nt = en.notice
    assert nt is not None and nt.conditions and nt.steps
    n = item.notice
    pairs = [*zip(n.conditions, nt.conditions, strict=True),
             *zip(item.eligibility, en.eligibility or [], strict=True),
             *zip(n.steps, nt.steps, strict=True), *zip(n.tips, nt.tips or [], strict=True),
             (n.where, nt.where), (n.result, nt.result)]
    for zh, tr in pairs:
        assert tr and _squash(zh) in text and _squash(tr) in text, (code, fmt, zh, tr)
    assert _squash(nt.time_limit or "") in text
    if code == "MZ-GLJT":  # the parameter's value, not its name
        assert "{" not in text and "80orover" in text
    # without the setting: Chinese alone
    settings.doc_language = ""
    plain = _squash(_pdftotext(notice_document(item, fmt, shipped.version, settings,
                                               today=date(2026, 11, 20), data_dir=tmp_path),
                               tmp_path))
    assert _squash(n.steps[0]) in plain and _squash(nt.steps[0]) not in plain
