"""A desk's data folder across desk versions (issue 19: updates reach the desks).

- Upgrade: a data folder written by the previous release opens with this code — its
  migrations run, and its cases, audit chain, district decisions, the rating still to send
  and its enrollment are all there and usable.
- Downgrade: a data folder a NEWER desk wrote (a migration this code does not know) is
  refused with a plain Chinese message, and not one byte of it changes.

``data/desk-be80c3c/`` is a real data folder of the previous release (commit be80c3c, the
last of the 2026-11-22 session; schema m001 only): its store as an SQL dump and its
settings. It was made by that code's CLI — setup, enroll with a district on loopback, demo
--cases 4 --seed 5, sync, a district decision (completed, 已办结) pulled by a second sync,
a 好差评 rating not yet synced.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from desk.cli import main
from desk.core import store_schema
from desk.core.errors import StoreError
from desk.core.store import Store

FIXTURE = Path(__file__).with_name("data") / "desk-be80c3c"
MIGRATIONS = [fn.__name__ for fn in store_schema._MIGRATIONS]
OLD_RATING = ('{"uuid": "01a23df8-e6a2-7e9d-9a2f-c9a632229878", "level": 5, "reason": "", '
              '"rated_at": "2026-12-04T06:14:33.019+08:00"}')  # its outbox payload there


def run(capsys: Any, folder: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(folder), *args])
    out, err = capsys.readouterr()
    return code, out, err


def previous_release_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "desk"
    folder.mkdir()
    conn = sqlite3.connect(folder / "desk.sqlite3")
    conn.executescript((FIXTURE / "desk.sql").read_text("utf-8"))
    assert conn.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    conn.close()
    shutil.copyfile(FIXTURE / "settings.json", folder / "settings.json")
    return folder


def applied(folder: Path) -> list[str]:
    conn = sqlite3.connect(folder / "desk.sqlite3")
    try:
        return [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    finally:
        conn.close()


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_previous_release_folder_opens_and_migrates(capsys: Any, tmp_path: Path) -> None:
    folder = previous_release_folder(tmp_path)
    assert applied(folder) == ["m001_initial"]
    assert len(MIGRATIONS) > 1  # there is something to migrate

    code, out, err = run(capsys, folder, "cases", "--json")
    assert code == 0, err
    cases = {c["uuid"]: c for c in json.loads(out)}
    assert len(cases) == 4
    assert applied(folder) == MIGRATIONS
    # the district's decision pulled by the old desk (its event rebuilt by m003)
    done = [c for c in cases.values() if c["district_status"] == "completed"]
    assert len(done) == 1 and done[0]["district_note"] == "已办结"
    conn = sqlite3.connect(folder / "desk.sqlite3")
    try:
        events = conn.execute("SELECT epoch, seq, case_uuid, kind FROM district_events").fetchall()
    finally:
        conn.close()
    assert events == [("", 1, done[0]["uuid"], "status")]

    # the audit chain the old desk wrote still verifies, and goes on after a new case
    code, out, err = run(capsys, folder, "audit", "verify")
    assert code == 0, err
    before = json.loads(out)
    assert before["ok"] and before["checked"] == 5
    from forms.catalog import load_catalog

    item = next(i for i in load_catalog().items if i.kind == "on_the_spot" and i.once is None)
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(item.example, ensure_ascii=False), "utf-8")
    code, out, err = run(capsys, folder, "new", "--item", item.code, "--json", str(case_file))
    assert code == 0, err
    assert json.loads(out)["status"] == "accepted"
    code, out, err = run(capsys, folder, "audit", "verify")
    assert code == 0, err
    after = json.loads(out)
    assert after["ok"] and after["checked"] > before["checked"]

    # the enrollment and the rating still to send are kept: the outbox has the rating
    # and the new case, the desk is still enrolled with its district
    store = Store.open(folder / "desk.sqlite3")
    try:
        assert store.get_meta("desk_id") == "desk-a8f066120a6515d2"
        entries = store.sync.pending_outbox()
    finally:
        store.close()
    assert sorted(e["kind"] for e in entries) == ["case", "rating"]
    # the rating's payload as the old desk wrote it, moved to its own table (m024)
    rating = next(e["payload"] for e in entries if e["kind"] == "rating")
    assert OLD_RATING in (FIXTURE / "desk.sql").read_text("utf-8")
    assert json.dumps(rating, ensure_ascii=False) == OLD_RATING


def test_newer_folder_is_refused_and_left_unchanged(capsys: Any, tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    code, _, err = run(capsys, folder, "setup", "--desk-code", "HY-QL01", "--worker", "刘晓燕")
    assert code == 0, err
    code, _, err = run(capsys, folder, "demo", "--cases", "2", "--seed", "4")
    assert code == 0, err
    # what a newer desk leaves: a migration this code does not know and its table
    conn = sqlite3.connect(folder / "desk.sqlite3")
    with conn:
        conn.execute("CREATE TABLE case_photos (id INTEGER PRIMARY KEY, case_uuid TEXT)")
        conn.execute("INSERT INTO _sqlite_migrations(migration_set, name, applied_at) "
                     "VALUES ('doorstep-desk', 'm099_case_photos', '2027-03-01 08:00:00')")
    conn.close()
    before = snapshot(folder)
    assert "desk.sqlite3" in before and "desk.sqlite3-wal" not in before

    for args in (["cases", "--json"], ["demo", "--cases", "1"], ["backup"], ["purge"],
                 ["audit", "verify"]):
        code, out, err = run(capsys, folder, *args)
        assert code == 1, (args, out, err)
        assert "较新版本" in err and "m099_case_photos" in err and "请安装新版本" in err, err
        assert "Traceback" not in err and out == ""
        assert snapshot(folder) == before, args

    with pytest.raises(StoreError) as refused:
        Store.open(folder / "desk.sqlite3")
    assert refused.value.kind == "newer_schema"
    assert snapshot(folder) == before
