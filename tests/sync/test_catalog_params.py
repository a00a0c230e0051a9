"""A district changes one local parameter (issue 16): the workbook's params sheet is
imported as the next version, a desk syncs it and its warnings, notice text and printed
一次性告知单 show the new value — with a real district server and a real desk."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sync_helpers import District, enroll

from forms.catalog import load_catalog
from sync.client.desk import sync_desk


def ok(db: str, *args: str) -> Any:
    out = subprocess.run([sys.executable, "-m", "sync.district.cli", "--db", db, *args],
                         capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return json.loads(out.stdout)


def _set_param(path: Path, name: str, value: Any) -> None:
    book = load_workbook(path)
    for row in book["params"].iter_rows(min_row=2):
        if row[0].value == name:
            row[1].value = value
    book.save(path)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_a_changed_parameter_reaches_the_desk(district: District, make_desk: Any,
                                              tmp_path: Path) -> None:
    from desk.core.receipts import render_notice_pdf

    db = district.db_url
    st = district.storage
    ctx = make_desk()
    enroll(district, ctx)
    body = load_catalog().to_json()
    body["version"] = "2026.11-hanyang.9"
    st.catalogs.publish(body)
    assert sync_desk(ctx)["catalog_version"] == "2026.11-hanyang.9"
    sub = dict(ctx.catalog.get("MZ-GLJT").example, applicant_id="420105195001010015")  # 76
    assert [w.message[:9] for w in ctx.cases.check("MZ-GLJT", sub).warnings] == \
        ["老人未满80周岁，"]

    book = tmp_path / "目录.xlsx"
    ok(db, "catalog", "export", "--out", str(book))
    _set_param(book, "gljt_min_age", 70)
    out = ok(db, "catalog", "import", str(book))
    # only a parameter changed: still a new version (the items as written are the same)
    assert (out["published"], out["version"]) == (True, "2026.11-hanyang.10")
    assert st.catalogs.latest_version() == "2026.11-hanyang.10"

    summary = sync_desk(ctx)
    assert summary["complete"] and summary["catalog_version"] == "2026.11-hanyang.10"
    item = ctx.catalog.get("MZ-GLJT")
    assert ctx.catalog.params["gljt_min_age"].value == 70
    assert item.notice.conditions[1].startswith("年满70周岁")
    assert item.eligibility[0].startswith("本地户籍，年满70周岁")
    # the eligibility warning: a 76-year-old is no longer warned, a 65-year-old is, with 70
    assert ctx.cases.check("MZ-GLJT", sub).warnings == []
    young = dict(sub, applicant_id="420105196101010017")
    warned = ctx.cases.check("MZ-GLJT", young).warnings
    assert [w.message[:9] for w in warned] == ["老人未满70周岁，"]
    # the printed 一次性告知单
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(render_notice_pdf(item, "a4", ctx.catalog.version, ctx.settings))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, timeout=60, check=True).stdout
    assert "年满70周岁" in text and "年满80周岁" not in text
