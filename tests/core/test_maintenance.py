"""Backups, restore, retention purge and the tamper-evident audit log."""

from __future__ import annotations

import copy
import json
import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import one_resident_each

from desk.cli import main
from desk.core import maintenance
from desk.core.app import DeskContext
from desk.core.errors import StoreError

TODAY = date(2026, 11, 23)


def save(ctx: DeskContext, **changes: Any) -> dict[str, Any]:
    sub = copy.deepcopy(ctx.catalog.get("MZ-GLJT").example)
    sub.update(changes)
    sub = one_resident_each(ctx.catalog.get("MZ-GLJT"), sub, changes)  # issue 23
    return ctx.cases.submit("MZ-GLJT", sub, ctx.actor(), today=TODAY)


def test_backup_rotation_and_daily(desk: DeskContext) -> None:
    save(desk)
    for day in range(1, 10):
        maintenance.make_backup(desk.store, desk.paths, now=datetime(2026, 11, day, 9))
    backups = maintenance.list_backups(desk.paths)
    assert len(backups) == maintenance.KEEP
    assert backups[0].name == "desk-20261109-090000.sqlite3"
    assert maintenance.backup_if_due(desk.store, desk.paths,
                                     now=datetime(2026, 11, 9, 17)) is None
    assert maintenance.backup_if_due(desk.store, desk.paths, now=datetime(2026, 11, 10, 8))
    assert maintenance.check_backup(backups[0]) == 1


def test_restore_round_trip(data_dir: Path, capsys: Any) -> None:
    ctx = DeskContext.open(str(data_dir))
    first = save(ctx)
    dest = maintenance.make_backup(ctx.store, ctx.paths)
    later = save(ctx)
    ctx.close()
    assert main(["--data-dir", str(data_dir), "restore", str(dest)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["cases"] == 1 and Path(out["previous_kept_as"]).exists()
    ctx = DeskContext.open(str(data_dir))
    assert ctx.store.get_case(first["uuid"]) is not None
    assert ctx.store.get_case(later["uuid"]) is None
    ctx.close()


def test_restore_refuses_a_bad_file(data_dir: Path, tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"garbage" * 100)
    with pytest.raises(StoreError):
        maintenance.check_backup(bad)
    assert main(["--data-dir", str(data_dir), "restore", str(bad)]) == 1
    assert "不是有效的办事台备份文件" in capsys.readouterr().err


def test_purge_removes_personal_data(desk: DeskContext) -> None:
    name, idn, phone = "欧阳娜娜", "440524188001010014", "15912345678"
    done = save(desk, applicant_name=name, applicant_id=idn, applicant_phone=phone)
    recent = save(desk)
    pending = desk.store.sync.pending_outbox()
    desk.store.sync.mark_outbox([{"id": p["id"], "result": "accepted"} for p in pending], "b")
    desk.store.sync.apply_changes([
        {"seq": 1, "kind": "status", "case_uuid": done["uuid"], "status": "completed",
         "at": "2026-01-05T10:00:00"},
        {"seq": 2, "kind": "status", "case_uuid": recent["uuid"], "status": "completed",
         "at": "2026-11-20T10:00:00"}], "2")
    # issue 22: nothing the district has not confirmed holding (in its current epoch)
    assert maintenance.purge_expired(desk.store, days=180, today=TODAY) == 0
    desk.store.reconcile.start_epoch("district-1", "e1", 1, changed=False)
    desk.store.reconcile.confirm_agreement("e1", desk.store.reconcile.acked()["acked_max"])
    assert maintenance.purge_expired(desk.store, days=180, today=TODAY) == 1
    case = desk.store.get_case(done["uuid"])
    assert case["applicant_name"] == "欧***"
    assert case["receipt_no"] and case["item_code"] == "MZ-GLJT"
    assert json.loads(case["data_json"]) == {"purged": True}
    assert desk.store.search.list_cases(search="娜娜") == []
    assert desk.store.get_case(recent["uuid"])["applicant_name"] != "欧***"
    desk.store.close()
    blob = b"".join(p.read_bytes() for p in desk.paths.data_dir.glob("desk.sqlite3*"))
    for secret in (name, idn, phone):
        assert secret.encode() not in blob, secret
    desk.store = desk.store.open(desk.paths.db)


@pytest.mark.parametrize("tamper", ["edit", "delete", "reorder"])
def test_audit_verifier_names_first_broken_entry(data_dir: Path, capsys: Any,
                                                 tamper: str) -> None:
    ctx = DeskContext.open(str(data_dir))
    for _ in range(5):
        save(ctx)
    ctx.close()
    assert main(["--data-dir", str(data_dir), "audit", "verify"]) == 0
    capsys.readouterr()
    conn = sqlite3.connect(data_dir / "desk.sqlite3")
    if tamper == "edit":
        conn.execute("UPDATE audit SET detail_json = '{}' WHERE id = 3")
        expected, problem = 3, "hash_mismatch"
    elif tamper == "delete":
        conn.execute("DELETE FROM audit WHERE id = 3")
        expected, problem = 4, "prev_hash_mismatch"
    else:
        rows = conn.execute("SELECT at, actor, action, case_uuid, detail_json, prev_hash, hash"
                            " FROM audit WHERE id IN (2, 3) ORDER BY id").fetchall()
        for target, row in zip((3, 2), rows, strict=True):
            conn.execute("UPDATE audit SET at=?, actor=?, action=?, case_uuid=?, "
                         "detail_json=?, prev_hash=?, hash=? WHERE id=?", [*row, target])
        expected, problem = 2, "prev_hash_mismatch"
    conn.commit()
    conn.close()
    assert main(["--data-dir", str(data_dir), "audit", "verify"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["first_broken_entry"] == expected
    assert report["problem"] == problem and report["entry"]["id"] == expected
    intact_before = 2 if tamper == "delete" else expected - 1  # entries before the break
    assert report["entry"]["action"] == "case.create" and report["checked"] == intact_before
