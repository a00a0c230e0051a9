"""A form's pages staged in the store as they are captured, claimed by the case's save
(issue 17): the save writes no page bytes, nothing half-saved is ever kept or shown."""

from __future__ import annotations

import copy
import io
import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from desk.cli import main
from desk.core import maintenance
from desk.core.app import DeskContext
from desk.core.attachments import Page, normalise
from desk.core.errors import ValidationFailed
from desk.core.store import Store

TODAY = date(2026, 11, 23)


def photo(seed: int) -> Page:
    img = Image.effect_noise((900, 1200), 40 + seed).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return normalise(buf.getvalue(), f"p{seed}.jpg")


def _submit(ctx: DeskContext, attachments: Any, session: str, **changes: Any
            ) -> dict[str, Any]:
    sub = dict(copy.deepcopy(ctx.catalog.get("MZ-GLJT").example), **changes)
    return ctx.cases.submit("MZ-GLJT", sub, ctx.actor(), today=TODAY,
                            attachments=attachments, session=session)


def _material(ctx: DeskContext) -> str:
    return ctx.catalog.get("MZ-GLJT").materials[0].name


def _counts(store: Store) -> tuple[int, int, int]:
    row = store._read("SELECT (SELECT count(*) FROM page_data) AS d, (SELECT count(*) FROM "
                      "staged_pages) AS s, (SELECT count(*) FROM attachments) AS a")[0]
    return row["d"], row["s"], row["a"]


def test_the_save_claims_the_staged_pages_and_writes_no_bytes(desk: DeskContext) -> None:
    m = _material(desk)
    kept = [desk.store.attachments.stage_page("form-1", m, photo(i)) for i in range(3)]
    retaken = desk.store.attachments.stage_page("form-1", m, photo(9))  # deleted on the form: not shown
    other = desk.store.attachments.stage_page("form-2", m, photo(8))  # another form's
    assert all(p.staged for p in [*kept, retaken]) and _counts(desk.store) == (5, 5, 0)
    # hashed when staged (off the save): the save does not hash 1.3 MB again
    assert all("sha256" in p.__dict__ for p in kept)
    case = _submit(desk, [(m, kept)], "form-1")
    rows = desk.store.attachments.attachments_of(case["uuid"])
    assert [(r["page"], r["sha256"]) for r in rows] == [(n, p.sha256)
                                                        for n, p in enumerate(kept, 1)]
    assert [desk.store.attachments.attachment_data(r["attachment_id"]) for r in rows] == [
        p.data for p in kept]
    # the bytes were not written again; the retaken page is gone, the other form's kept
    assert _counts(desk.store) == (4, 1, 3)
    assert desk.store.attachments.staged_count("form-1") == 0 and desk.store.attachments.staged_count("form-2") == 1
    assert desk.store.attachments.unstage_pages([other.staged]) == 1 and _counts(desk.store) == (3, 0, 3)


def test_a_refused_save_keeps_the_staged_pages_for_the_next_try(desk: DeskContext) -> None:
    m = _material(desk)
    pages = [desk.store.attachments.stage_page("form-1", m, photo(i)) for i in range(2)]
    with pytest.raises(ValidationFailed):
        _submit(desk, [(m, pages)], "form-1", applicant_name="")
    assert desk.store.attachments.staged_count("form-1") == 2
    # a page staged for another form, or another material, is not claimed: nothing saved
    with pytest.raises(ValidationFailed, match="已失效"):
        _submit(desk, [(m, pages)], "form-2")
    with pytest.raises(ValidationFailed, match="已失效"):
        _submit(desk, [("另一份材料", pages)], "form-1")
    assert desk.store.search.list_cases() == [] and desk.store.attachments.staged_count("form-1") == 2
    case = _submit(desk, [(m, pages)], "form-1")
    assert len(desk.store.attachments.attachments_of(case["uuid"])) == 2
    # a page cleaned away meanwhile (purge, a restart) refuses the save in words
    gone = desk.store.attachments.stage_page("form-3", m, photo(5))
    desk.store.attachments.drop_staged("form-3")
    with pytest.raises(ValidationFailed, match="第 1 页已失效"):
        _submit(desk, [(m, [gone])], "form-3", applicant_id="420105198512120025")


def test_a_staged_page_is_nowhere_but_the_staging(desk: DeskContext, tmp_path: Path) -> None:
    m = _material(desk)
    page = desk.store.attachments.stage_page("form-1", m, photo(1))
    assert desk.store.attachments.attachment_counts() == {"waiting": 0, "bytes": 0, "held": 0}
    assert desk.store.attachments.attachments_waiting() == []
    dest = tmp_path / "backup.sqlite3"
    desk.store.maintenance.backup_to(dest)
    conn = sqlite3.connect(dest)
    try:
        assert conn.execute("SELECT count(*) FROM staged_pages").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM page_data").fetchone()[0] == 0
    finally:
        conn.close()
    assert page.data[1000:1064] not in dest.read_bytes()  # (secure_delete: no trace left)
    assert desk.store.attachments.staged_count() == 1  # (the desk's own staging is untouched)


def test_left_over_staged_pages_are_deleted(desk: DeskContext, capsys: Any) -> None:
    m = _material(desk)
    for i in range(3):
        desk.store.attachments.stage_page(f"form-{i}", m, photo(i))
    with desk.store.transaction() as c:  # one left by a crash two days ago
        c.execute("UPDATE staged_pages SET created_at = '2026-11-20T09:00:00+08:00' "
                  "WHERE session = 'form-0'")
    maintenance.purge_expired(desk.store, today=TODAY)  # the retention purge: the old one
    assert desk.store.attachments.staged_count() == 2 and desk.store.attachments.staged_count("form-0") == 0
    assert desk.store.attachments.drop_left_staged() == 2  # the window's start: all staged before it
    desk.store.attachments.stage_page("form-4", m, photo(4))
    data_dir = str(desk.paths.data_dir)
    desk.close()
    assert main(["--data-dir", data_dir, "purge"]) == 0  # doorstep-desk purge: all
    capsys.readouterr()
    s = Store.open(Path(data_dir) / "desk.sqlite3")
    try:
        assert _counts(s) == (0, 0, 0)
    finally:
        s.close()


def test_staged_pages_encrypted_at_rest(tmp_path: Path) -> None:
    """The stolen laptop: a page staged (not yet saved) is unreadable without the key."""
    data_dir = tmp_path / "desk"
    ctx = DeskContext.open(str(data_dir), password="qiliyi-2026")
    page = ctx.store.attachments.stage_page("form-1", _material(ctx), photo(3))
    assert ctx.store.attachments.staged_count() == 1
    blob = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    assert page.data[200:264] not in blob and b"JFIF" not in blob
    ctx.close()


OLD_ATTACHMENTS = """
    CREATE TABLE attachments (
        id INTEGER PRIMARY KEY, attachment_id TEXT NOT NULL UNIQUE,
        case_uuid TEXT NOT NULL, material TEXT NOT NULL,
        page INTEGER NOT NULL CHECK (page >= 1),
        mime TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'application/pdf')),
        size INTEGER NOT NULL, sha256 TEXT NOT NULL, width INTEGER NOT NULL DEFAULT 0,
        height INTEGER NOT NULL DEFAULT 0, pages INTEGER NOT NULL DEFAULT 1,
        data BLOB NOT NULL, created_at TEXT NOT NULL, actor TEXT NOT NULL,
        uploaded_at TEXT, linked_at TEXT, UNIQUE (case_uuid, material, page))"""


def test_the_migration_moves_existing_pages(desk: DeskContext) -> None:
    """A store of before staging (m017's table, bytes in the row) upgrades: its pages keep
    their ids, bytes and upload state."""
    m = _material(desk)
    case = _submit(desk, [(m, [photo(1), photo(2)])], "")
    rows = desk.store.attachments.attachments_of(case["uuid"])
    data = {r["attachment_id"]: desk.store.attachments.attachment_data(r["attachment_id"]) for r in rows}
    desk.store.attachments.mark_attachments_linked([rows[0]["attachment_id"]])
    path = desk.paths.data_dir / "desk.sqlite3"
    before = desk.store._read("SELECT * FROM attachments ORDER BY id")
    desk.close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("ALTER TABLE attachments RENAME TO a_new")
        conn.execute(OLD_ATTACHMENTS)
        conn.execute("INSERT INTO attachments SELECT a.id, attachment_id, case_uuid, material, "
                     "page, mime, size, sha256, width, height, pages, d.data, created_at, "
                     "actor, uploaded_at, linked_at FROM a_new a JOIN page_data d ON "
                     "d.id = a.data_id")
        conn.execute("UPDATE attachments SET id = id + 10")  # ids apart from the old bytes'
        for t in ("a_new", "page_data", "staged_pages"):
            conn.execute(f"DROP TABLE {t}")
        conn.execute("CREATE INDEX attachments_waiting ON attachments(linked_at, id)")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm021_staged_pages'")
    conn.close()
    s = Store.open(path)
    try:
        after = s._read("SELECT * FROM attachments ORDER BY id")
        assert [{k: v for k, v in r.items() if k not in ("id", "data_id")} for r in after] == [
            {k: v for k, v in r.items() if k not in ("id", "data_id")} for r in before]
        assert {a: s.attachments.attachment_data(a) for a in data} == data
        assert [r["linked_at"] is not None for r in after] == [True, False]
        assert json.loads(json.dumps(s.attachments.attachment_counts())) == {
            "waiting": 1, "bytes": before[1]["size"], "held": 1}
        assert s.attachments.stage_page("form-1", m, photo(3)).staged and s.attachments.staged_count() == 1
    finally:
        s.close()
