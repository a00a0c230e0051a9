"""A district publishes a translation file with its catalog (issue 16, 双语窗口): the desk
receives it at its next sync, keeps it in its data folder, and offers the language for its
UI and its printed documents — a real district server and a real desk. A workbook import
afterwards keeps the translation; a broken file is refused at publishing, naming the
language."""

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

from forms.catalog import Catalog, CatalogError, load_catalog
from sync.client.desk import sync_desk
from sync.district.errors import Refused

YI = "ꆈꌠꁱꂷ"  # a Yi sample string (a district supplies its real translation sheet)
YI_TS = f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ii" sourcelanguage="zh_CN">
<context>
    <name></name>
    <message><source>受理回执</source><translation>{YI}</translation></message>
    <message><source>设置</source><translation>{YI[:2]}</translation></message>
</context>
</TS>
"""


def district_cli(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sync.district.cli", "--db", db, *args],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONIOENCODING="utf-8"))


def test_catalog_translations_round_trip_and_are_checked() -> None:
    body = dict(load_catalog().to_json(), version="t1", translations={"ii": YI_TS})
    again = Catalog.from_json(body)
    assert again.translations == {"ii": YI_TS}
    assert again.to_json()["translations"] == {"ii": YI_TS}
    assert again.with_version("t2").translations == {"ii": YI_TS}
    assert "translations" not in load_catalog().to_json()
    bad = {
        "ii": "<TS language='ii'><message>",  # cut short
        "bo": YI_TS,  # declares ii
        "zh_CN": YI_TS,
        "ug": YI_TS.replace('language="ii"', 'language="ug"').replace(
            "<translation>", '<translation type="unfinished">'),
    }
    for lang, text in bad.items():
        with pytest.raises(CatalogError, match=rf"translations(\.{lang})?: "):
            Catalog.from_json(dict(body, translations={lang: text}))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_a_published_translation_reaches_the_desk_ui_and_documents(
        district: District, make_desk: Any, tmp_path: Path, qapp: Any) -> None:
    from desk.cli import main
    from desk.core.receipts import render_case_pdf
    from desk.ui import style
    from desk.ui.text import tr

    st = district.storage
    ctx = make_desk()
    enroll(district, ctx)
    files = ctx.paths.data_dir / "translations"
    body = dict(load_catalog().to_json(), version="2026.11-hanyang.20",
                translations={"ii": "<TS language='ii'>"})
    with pytest.raises(Refused, match=r"translations\.ii"):
        st.catalogs.publish(body)
    catalog_file = tmp_path / "catalog.json"
    catalog_file.write_text(json.dumps(dict(body, translations={"ii": YI_TS}),
                                       ensure_ascii=False), "utf-8")
    out = district_cli(district.db_url, "publish-catalog", "--file", str(catalog_file))
    assert out.returncode == 0, out.stderr
    assert not (files / "catalog-ii.ts").exists()
    assert sync_desk(ctx)["catalog_version"] == "2026.11-hanyang.20"
    assert (files / "catalog-ii.ts").read_text("utf-8") == YI_TS
    # the UI language
    try:
        assert style.install_language(qapp, "ii", district=files)
        assert tr("受理回执") == YI and tr("设置") == YI[:2]
        assert tr("保存设置") == "保存设置"  # untranslated: the Chinese
    finally:
        style.install_language(qapp, "zh_CN")
    assert not style.install_language(qapp, "bo", district=files)
    # the documents' second language, set as the command line would
    ctx.close()
    code = main(["--data-dir", str(ctx.paths.data_dir), "setup", "--desk-code",
                 ctx.settings.desk_code, "--worker", "刘晓燕", "--doc-language", "ii"])
    assert code == 0
    from desk.core.app import DeskContext

    ctx = DeskContext.open(str(ctx.paths.data_dir))
    try:
        assert ctx.settings.doc_language == "ii"
        item = ctx.catalog.get("MZ-GLJT")
        saved = ctx.cases.submit("MZ-GLJT", dict(item.example), ctx.actor())
        pdf = tmp_path / "receipt.pdf"
        pdf.write_bytes(render_case_pdf(ctx, ctx.store.get_case(saved["uuid"]), fmt="80mm"))
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              timeout=60, check=True).stdout
        assert "受理回执" in text and YI in text
        # a workbook (which has no translation files) changes a parameter: the next
        # version still carries the translation
        book = tmp_path / "目录.xlsx"
        assert district_cli(district.db_url, "catalog", "export", "--out",
                            str(book)).returncode == 0
        wb = load_workbook(book)
        for row in wb["params"].iter_rows(min_row=2):
            if row[0].value == "gljt_min_age":
                row[1].value = 70
        wb.save(book)
        out = district_cli(district.db_url, "catalog", "import", str(book))
        assert out.returncode == 0, out.stderr
        latest = st.catalogs.latest_version()
        assert out.returncode == 0 and json.loads(out.stdout)["published"], out.stdout
        assert latest not in (None, "2026.11-hanyang.20")
        assert sync_desk(ctx)["catalog_version"] == latest
        assert (files / "catalog-ii.ts").read_text("utf-8") == YI_TS
        assert ctx.catalog.translations == {"ii": YI_TS}
    finally:
        ctx.close()
