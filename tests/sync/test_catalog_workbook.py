"""``doorstep-district catalog import|export`` (issue 16): a workbook is checked, published
as the district's next version (by sequence, never by text), and reaches a desk, which files
a case under it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sync_helpers import District, enroll, resident_unless_taken

from forms.catalog import Catalog, load_catalog
from forms.workbook import read_workbook
from sync.client.desk import sync_desk
from sync.district.catalog_import import next_version, publish_next
from sync.district.console.store import ConsoleStore


def cli(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sync.district.cli", "--db", db, *args],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONIOENCODING="utf-8"))


def ok(db: str, *args: str) -> Any:
    out = cli(db, *args)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return json.loads(out.stdout)


def _edit(path: Path, code: str, **cells: Any) -> None:
    book = load_workbook(path)
    ws = book["items"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == code:
            for col, value in cells.items():
                row[header.index(col)].value = value
    book.save(path)


def test_next_version_counts_by_number() -> None:
    assert next_version("2026.11-hanyang.9", {"2026.11-hanyang.9"}, "", "s.1") == \
        "2026.11-hanyang.10"
    assert next_version("2026.11-hanyang.10", {"2026.11-hanyang.9", "2026.11-hanyang.10"},
                        "", "s.1") == "2026.11-hanyang.11"
    assert next_version("a.3", {"a.3", "a.4", "a.5"}, "", "s.1") == "a.6"
    assert next_version(None, set(), "2027.01-hanyang.1", "s.1") == "2027.01-hanyang.1"
    assert next_version(None, set(), "", "2026.11-hanyang.1") == "2026.11-hanyang.2"
    # a workbook exported from the shipped catalog never republishes the shipped version
    assert next_version(None, set(), "2026.11-hanyang.1", "2026.11-hanyang.1") == \
        "2026.11-hanyang.2"
    assert next_version("本区目录", {"本区目录"}, "", "s.1") == "本区目录.1"


def test_import_publishes_the_next_version_and_a_desk_files_under_it(
        district: District, make_desk: Any, tmp_path: Path) -> None:
    db = district.db_url
    st = district.storage
    ctx = make_desk()
    enroll(district, ctx)
    body = load_catalog().to_json()
    body["version"] = "2026.11-hanyang.9"
    st.catalogs.publish(body)
    book = tmp_path / "目录.xlsx"
    out = ok(db, "catalog", "export", "--out", str(book))
    assert out == {"version": "2026.11-hanyang.9", "out": str(book),
                   "items": len(load_catalog().items)}

    # an unchanged workbook publishes nothing
    same = ok(db, "catalog", "import", str(book))
    assert (same["published"], same["version"]) == (False, "2026.11-hanyang.9")

    _edit(book, "MZ-GLJT", name="高龄津贴申领（试行）", promised_days=7,
          notice_time_limit="7个工作日内办结")
    ten = ok(db, "catalog", "import", str(book))
    assert (ten["published"], ten["version"], ten["previous"]) == (
        True, "2026.11-hanyang.10", "2026.11-hanyang.9")
    _edit(book, "MZ-GLJT", promised_days=6, notice_time_limit="6个工作日内办结")
    eleven = ok(db, "catalog", "import", str(book))  # after …10, not a second …10
    assert (eleven["version"], eleven["previous"]) == ("2026.11-hanyang.11",
                                                      "2026.11-hanyang.10")
    assert eleven["seq"] > ten["seq"]
    assert st.catalogs.latest_version() == "2026.11-hanyang.11"
    entries = ConsoleStore(st).audit.entries(limit=50)
    published = [e for e in entries if e["action"] == "catalog.publish"]
    assert {e["target"] for e in published} == {"2026.11-hanyang.10", "2026.11-hanyang.11"}
    assert all(e["actor"].startswith("cli:") for e in published)

    # an older version exported back is that version
    old = tmp_path / "old.xlsx"
    ok(db, "catalog", "export", "--version", "2026.11-hanyang.10", "--out", str(old))
    cat, problems = read_workbook(old)
    assert problems == [] and cat is not None
    assert cat.version == "2026.11-hanyang.10" and cat.get("MZ-GLJT").promised_days == 7
    missing = cli(db, "catalog", "export", "--version", "2026.11-hanyang.99",
                  "--out", str(tmp_path / "x.xlsx"))
    assert missing.returncode == 1 and "2026.11-hanyang.99" in missing.stderr
    assert "Traceback" not in missing.stderr

    # a workbook with mistakes: every one named by cell, nothing published
    bad = load_workbook(book)
    header = [c.value for c in bad["fields"][1]]
    bad["fields"].cell(row=3, column=header.index("type") + 1, value="phon")
    bad["items"]["D3"] = "马上办"
    buf = io.BytesIO()
    bad.save(buf)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(buf.getvalue())
    refused = cli(db, "catalog", "import", str(broken), "--json")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert any("fields!E3: 类型 'phon' 不认识" in x for x in lines), lines
    assert any("items!D3: 办件类型 '马上办' 不认识" in x for x in lines), lines
    cells = {p["cell"] for p in json.loads(refused.stdout)["problems"]}
    assert {"fields!E3", "items!D3"} <= cells
    assert st.catalogs.latest_version() == "2026.11-hanyang.11"
    not_xlsx = tmp_path / "notes.xlsx"
    not_xlsx.write_text("hello", encoding="utf-8")
    junk = cli(db, "catalog", "import", str(not_xlsx))
    assert junk.returncode == 2 and "XLSX" in junk.stderr and "Traceback" not in junk.stderr

    # the desk receives the imported version and files a case under it
    summary = sync_desk(ctx)
    assert summary["complete"] and summary["catalog_version"] == "2026.11-hanyang.11"
    item = ctx.catalog.get("MZ-GLJT")
    assert item.name == "高龄津贴申领（试行）" and item.promised_days == 6
    case = ctx.cases.submit("MZ-GLJT", resident_unless_taken(ctx, item, dict(item.example)),
                            ctx.actor())
    saved = ctx.store.get_case(case["uuid"])
    assert saved["catalog_version"] == "2026.11-hanyang.11"
    assert saved["item_name"] == "高龄津贴申领（试行）"


def test_fifty_imports_at_once_get_fifty_consecutive_versions(district: District) -> None:
    """50 different workbooks imported at the same moment: each its own version, numbered
    in publish order (…2 … …51), none lost or refused, every publish audited in the
    chain."""
    shipped = load_catalog()
    cs = ConsoleStore(district.storage)
    # (the items as authored, with the catalog's parameters: what a workbook holds)
    catalogs = [Catalog("", [it.model_copy(update={"promised_days": n})
                             if it.code == "MZ-GLJT" else it for it in shipped.authored],
                        shipped.params)
                for n in range(1, 51)]
    start = threading.Barrier(50)

    def one(cat: Catalog) -> dict[str, Any]:
        start.wait(timeout=120)
        return publish_next(district.storage, cs, cat, actor="admin", source="cli", file="x.xlsx")

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(one, catalogs))
    assert all(r["published"] for r in results)
    by_seq = sorted(results, key=lambda r: r["seq"])
    assert [r["version"] for r in by_seq] == [f"2026.11-hanyang.{k}" for k in range(2, 52)]
    assert [r["previous"] for r in by_seq] == [None] + [r["version"] for r in by_seq[:-1]]
    assert district.storage.catalogs.latest_version() == "2026.11-hanyang.51"
    published = cs.audit.entries(action="catalog.publish", limit=100)
    assert len(published) == 50
    assert cs.audit.verify() is None
    # the same items as the latest: nothing new (all at once, still nothing)
    last = Catalog.from_json(cs.catalog_body("2026.11-hanyang.51") or {})
    again = list(ThreadPoolExecutor(max_workers=50).map(
        lambda _i: publish_next(district.storage, cs, last, actor="admin", source="cli"), range(50)))
    assert {(r["published"], r["version"]) for r in again} == {(False, "2026.11-hanyang.51")}
