"""The desk's store and case lifecycle, on real SQLite files."""

from __future__ import annotations

import copy
import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import one_resident_each

from desk.core.app import DeskContext
from desk.core.cases import Actor
from desk.core.errors import StoreError, ValidationFailed
from desk.core.store import Store
from forms.workdays import add_working_days

TODAY = date(2026, 11, 23)


def example(ctx: Any, code: str) -> dict[str, Any]:
    """The item's example; a resident of its own for items one may hold once (issue 23)."""
    return one_resident_each(ctx.catalog.get(code), copy.deepcopy(ctx.catalog.get(code).example),
                             {})


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("cases", "outbox", "audit", "case_index")}
    finally:
        conn.close()


def test_pragmas(desk: DeskContext) -> None:
    conn = desk.store._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_save_writes_case_and_audit_together_and_its_outbox_entry_after(
        desk: DeskContext) -> None:
    case = desk.cases.submit("MZ-GLJT", example(desk, "MZ-GLJT"), desk.actor(), today=TODAY)
    assert case["receipt_no"] == "HY-QL01-20261123-0001"
    assert case["status"] == "accepted"
    assert case["catalog_version"] == desk.catalog.version
    assert case["promised_date"] == add_working_days(TODAY, 10).day.isoformat()
    # its outbox entry is made just after (the tidy; desk.core.store_queue): pending already
    assert counts(desk.paths.db) == {"cases": 1, "outbox": 0, "audit": 1, "case_index": 1}
    assert desk.store.sync.outbox_counts() == {"pending": 1}
    desk.store.tidy_after_save()
    assert counts(desk.paths.db) == {"cases": 1, "outbox": 1, "audit": 1, "case_index": 1}
    # a second process sees it: it is committed
    other = Store.open(desk.paths.db)
    assert other.get_case(case["uuid"])["receipt_no"] == case["receipt_no"]
    other.close()
    second = desk.cases.submit("MZ-GLJT", example(desk, "MZ-GLJT"), desk.actor(), today=TODAY)
    assert second["receipt_no"] == "HY-QL01-20261123-0002"


def test_invalid_submission_saves_nothing(desk: DeskContext) -> None:
    sub = example(desk, "MZ-DB")
    sub["applicant_id"] = "420105196203150030"
    sub["members"][0]["monthly_income"] = "很多"
    with pytest.raises(ValidationFailed) as exc:
        desk.cases.submit("MZ-DB", sub, desk.actor(), today=TODAY)
    fields = {p.field: p.rule for p in exc.value.problems}
    assert fields == {"applicant_id": "check_digit", "members[0].monthly_income": "number"}
    assert counts(desk.paths.db) == {"cases": 0, "outbox": 0, "audit": 0, "case_index": 0}


def test_deferred_case_has_due_dates_and_can_be_completed(desk: DeskContext) -> None:
    sub = example(desk, "MZ-DB")
    sub["materials"] = [m for m in sub["materials"] if m not in ("收入证明", "本人银行卡")]
    case = desk.cases.submit("MZ-DB", sub, desk.actor(), today=TODAY)
    assert case["status"] == "deferred"
    mats = json.loads(case["materials_json"])
    due = add_working_days(TODAY, 10).day.isoformat()
    assert {m["name"]: m.get("due_date") for m in mats["missing"] if m["required"]} == {
        "收入证明": due, "本人银行卡": due}
    assert mats["commitment"] is True
    updated = desk.cases.supply_materials(case["uuid"], ["收入证明", "本人银行卡"],
                                          desk.actor(), today=TODAY)
    assert updated["status"] == "accepted" and updated["revision"] == 2
    assert desk.store.sync.outbox_counts() == {"pending": 2}
    assert [h["action"] for h in desk.store.history(case["uuid"])] == ["case.create",
                                                                       "case.supply"]


def test_correction_notice_case(desk: DeskContext) -> None:
    sub = example(desk, "MZ-GLJT")
    sub["materials"] = ["居民身份证"]
    case = desk.cases.submit("MZ-GLJT", sub, desk.actor(), today=TODAY)
    assert case["status"] == "correction"
    assert case["promised_date"] is None
    missing = [m["name"] for m in json.loads(case["materials_json"])["missing"]]
    assert missing == ["户口簿", "近期一寸免冠照片", "社保卡或本人银行卡"]


def test_supplied_materials_use_the_catalog_the_case_was_filed_under(desk: DeskContext) -> None:
    """A newer catalog (here: a shorter time limit, pulled after filing) does not change the
    rules a filed case is completed under."""
    from desk.core.cases import CaseService
    from forms.catalog import Catalog

    sub = example(desk, "MZ-GLJT")
    sub["materials"] = ["居民身份证"]
    case = desk.cases.submit("MZ-GLJT", sub, desk.actor(), today=TODAY)
    filed = desk.catalog.get("MZ-GLJT").promised_days
    newer = copy.deepcopy(desk.catalog.to_json())
    newer["version"] = desk.catalog.version + "-newer"
    raw = next(r for r in newer["items"] if r["code"] == "MZ-GLJT")
    raw["promised_days"] = 3
    service = CaseService(desk.store, Catalog.from_json(newer))  # the desk after the pull
    missing = [m["name"] for m in json.loads(case["materials_json"])["missing"]]
    done = service.supply_materials(case["uuid"], missing, desk.actor(), today=TODAY)
    assert done["status"] == "accepted"
    assert done["promised_date"] == add_working_days(TODAY, filed).day.isoformat()
    assert filed != 3


def test_rating_once_only(desk: DeskContext) -> None:
    case = desk.cases.submit("MZ-GLJT", example(desk, "MZ-GLJT"), desk.actor(), today=TODAY)
    desk.cases.rate(case["uuid"], 2, "等待时间长")
    with pytest.raises(StoreError) as exc:
        desk.cases.rate(case["uuid"], 5)
    assert exc.value.kind == "rated"
    got = desk.store.get_case(case["uuid"])
    assert (got["rating"], got["rating_reason"]) == (2, "等待时间长")
    with pytest.raises(ValidationFailed):
        desk.cases.rate(case["uuid"], 9)


def test_search_paths(desk: DeskContext) -> None:
    people = [("张三", "420105194501010017", "13871234567"),
              ("张三丰", "11010519491231002X", "13907181234"),
              ("欧阳娜娜", "440524188001010014", "15012345678")]
    uuids = {}
    for name, idn, phone in people:
        sub = example(desk, "MZ-GLJT")
        sub.update(applicant_name=name, applicant_id=idn, applicant_phone=phone)
        uuids[name] = desk.cases.submit("MZ-GLJT", sub, desk.actor(), today=TODAY)["uuid"]

    def found(q: str) -> set[str]:
        return {r["applicant_name"] for r in desk.store.search.list_cases(search=q)}

    assert found("张") == {"张三", "张三丰"}
    assert found("张三") == {"张三", "张三丰"}
    assert found("娜") == {"欧阳娜娜"}
    assert found("0017") == {"张三"}
    assert found("002x") == {"张三丰"}
    assert found("4567") == {"张三"}
    assert found("13907181234") == {"张三丰"}
    assert found("zs") == {"张三", "张三丰"}
    assert found("zsf") == {"张三丰"}
    assert found("oynn") == {"欧阳娜娜"}
    assert found("HY-QL01-20261123-0002") == {"张三丰"}
    assert found("李") == set()
    assert desk.store.search.count_cases(search="张") == 2


def test_filters(desk: DeskContext) -> None:
    desk.cases.submit("MZ-GLJT", example(desk, "MZ-GLJT"), desk.actor(), today=TODAY)
    sub = example(desk, "MZ-GLJT")
    sub["materials"] = []
    desk.cases.submit("MZ-GLJT", sub, desk.actor(), today=TODAY)
    desk.cases.submit("MZ-DB", example(desk, "MZ-DB"), desk.actor(), today=TODAY)
    assert desk.store.search.count_cases(status="correction") == 1
    assert desk.store.search.count_cases(item="MZ-DB") == 1
    assert desk.store.search.count_cases(sync_state="pending") == 3
    assert len(desk.store.search.list_cases(limit=2)) == 2


def test_setup_required_for_actor(desk: DeskContext) -> None:
    with pytest.raises(ValidationFailed):
        desk.cases.submit("MZ-GLJT", example(desk, "MZ-GLJT"), Actor("", ""), today=TODAY)


def test_disk_full_is_a_clear_error_and_nothing_half_saved(desk: DeskContext) -> None:
    desk.cases.submit("MZ-GLJT", example(desk, "MZ-GLJT"), desk.actor(), today=TODAY)
    before = counts(desk.paths.db)
    conn = desk.store._conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count={pages}")
    big = example(desk, "MZ-GLJT")
    big["remarks"] = "备注" * 3000
    saved = 0
    with pytest.raises(StoreError) as exc:
        for _ in range(50):
            desk.cases.submit("MZ-GLJT", big, desk.actor(), today=TODAY)
            saved += 1
    assert exc.value.kind == "full"
    assert "磁盘空间已满" in exc.value.message
    after = counts(desk.paths.db)
    assert after["cases"] == before["cases"] + saved
    assert after["audit"] == after["cases"]
    assert desk.store.sync.outbox_counts()["pending"] == after["cases"]
    assert desk.store.integrity_check() == "ok"


def test_locked_database_is_a_clear_error(desk: DeskContext) -> None:
    desk.store._conn.execute("PRAGMA busy_timeout=50")
    blocker = sqlite3.connect(desk.paths.db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError) as exc:
            desk.cases.submit("MZ-GLJT", example(desk, "MZ-GLJT"), desk.actor(), today=TODAY)
        assert exc.value.kind == "locked"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert counts(desk.paths.db)["cases"] == 0


def test_corrupt_database_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "desk.sqlite3"
    bad.write_bytes(b"this is not a database" * 200)
    with pytest.raises(StoreError) as exc:
        Store.open(bad)
    assert exc.value.kind == "corrupt"


def test_audit_chain_detects_tampering(desk: DeskContext) -> None:
    for _ in range(3):
        desk.cases.submit("MZ-GLJT", example(desk, "MZ-GLJT"), desk.actor(), today=TODAY)
    assert desk.store.verify_audit() is None
    desk.store._conn.execute("UPDATE audit SET actor = 'mallory' WHERE id = 2")
    assert desk.store.verify_audit() == 2


def test_outbox_results_and_changes(desk: DeskContext) -> None:
    a = desk.cases.submit("MZ-GLJT", example(desk, "MZ-GLJT"), desk.actor(), today=TODAY)
    b = desk.cases.submit("MZ-DB", example(desk, "MZ-DB"), desk.actor(), today=TODAY)
    pending = desk.store.sync.pending_outbox()
    assert [p["case_uuid"] for p in pending] == [a["uuid"], b["uuid"]]
    assert pending[0]["payload"]["data_json"]
    desk.store.sync.mark_outbox([
        {"id": pending[0]["id"], "result": "accepted", "received_at": "2026-11-23T10:00:00"},
        {"id": pending[1]["id"], "result": "rejected", "reason": "缺少户籍信息"}], "b1")
    assert desk.store.get_case(a["uuid"])["sync_state"] == "synced"
    assert desk.store.get_case(b["uuid"])["sync_state"] == "rejected"
    assert [s["last_error"] for s in desk.store.sync.set_aside()] == ["缺少户籍信息"]
    n = desk.store.sync.apply_changes([
        {"seq": 1, "kind": "status", "case_uuid": a["uuid"], "status": "completed",
         "note": "已发放", "at": "2026-11-25T09:00:00"}], "1")
    assert n == 1
    assert desk.store.sync.apply_changes([{"seq": 1, "kind": "status", "case_uuid": a["uuid"],
                                           "status": "completed"}], "1") == 0
    got = desk.store.get_case(a["uuid"])
    assert (got["district_status"], got["district_note"]) == ("completed", "已发放")
    assert desk.store.get_meta("sync_cursor") == "1"


def test_reopen_keeps_everything(data_dir: Path) -> None:
    ctx = DeskContext.open(str(data_dir))
    code = ctx.settings.desk_code
    assert code.startswith("LS-")  # provisional desk code before set-up
    case = ctx.cases.submit("MZ-GLJT", example(ctx, "MZ-GLJT"), ctx.actor(), today=TODAY)
    ctx.close()
    again = DeskContext.open(str(data_dir))
    assert again.settings.desk_code == code
    assert again.store.get_case(case["uuid"])["status"] == "accepted"
    again.close()
