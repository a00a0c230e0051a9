"""A case's outbox entry is made just after its save (issue 13: the case save's commit
writes four B-trees fewer — desk.core.store_queue): the window's tidy after each save, sync
before it reads the outbox, and every transaction that adds an entry about a case (a
change, a rating, a matter's change) give the cases saved since the mark their revision-1
entries first. Nothing may be lost, reordered or sent twice on the way: a case saved and
not yet queued is counted as pending, reaches the outbox after a crash, keeps its entries
before any later one about it, gets byte for byte the payload the save made before this
change, and a store upgraded with its cases queued queues none again."""

from __future__ import annotations

import copy
import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

from sync_helpers import one_resident_each

from desk.core.app import DeskContext
from desk.core.matters import MatterService
from desk.core.store_queue import CASES_QUEUED
from desk.core.store_schema import CASE_COLUMNS

TODAY = date(2026, 11, 23)


def _save(desk: Any, code: str = "MZ-GLJT", **changes: Any) -> dict[str, Any]:
    item = desk.catalog.get(code)
    sub = one_resident_each(item, dict(copy.deepcopy(item.example), **changes), changes)
    return desk.cases.submit(code, sub, desk.actor(), today=TODAY)


def _outbox(desk: Any) -> list[tuple[str, str, int]]:
    return [(r["kind"], r["case_uuid"], r["revision"]) for r in desk.store._read(
        "SELECT kind, case_uuid, revision FROM outbox ORDER BY id")]


def _payload_as_the_save_made_it(case: dict[str, Any]) -> str:
    """What ``Sync._enqueue`` wrote inside the save before this change, from the case the
    save returned."""
    payload = {k: case[k] for k in CASE_COLUMNS if k in case and not k.startswith("district_")
               and k not in ("sync_state", "sync_error")}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True)


def test_a_saved_case_is_pending_at_once_and_queued_exactly_once(desk: Any) -> None:
    case = _save(desk)
    assert _outbox(desk) == []  # not in the save's commit
    assert desk.store.sync.outbox_counts() == {"pending": 1}  # yet counted as waiting
    assert desk.store.sync.queue_waiting() == 1
    assert desk.store.sync.queue_waiting() == 0
    desk.store.tidy_after_save()  # nothing left to queue
    assert _outbox(desk) == [("case", case["uuid"], 1)]
    assert desk.store.sync.outbox_counts() == {"pending": 1}  # counted once, not twice
    assert desk.store.get_meta(CASES_QUEUED) == str(
        desk.store._read("SELECT max(id) AS m FROM cases")[0]["m"])


def test_the_queued_payload_is_byte_for_byte_what_the_save_made(desk: Any) -> None:
    """Every item's example, a proxy, a 容缺 deferral, a 补正 correction, an allowed
    exception to a once-only item: the entry made from the stored row is the payload the
    save made from the case it returned."""
    saved = [_save(desk, item.code) for item in desk.catalog.items]
    db = copy.deepcopy(dict(desk.catalog.get("MZ-DB").example))
    db["materials"] = [m for m in db["materials"] if m not in ("收入证明", "本人银行卡")]
    saved.append(desk.cases.submit("MZ-DB", db, desk.actor(), today=TODAY))  # deferred
    saved.append(_save(desk, is_proxy=True, proxy_name="李建国", proxy_relation="子女",
                       proxy_id="420105197503040010", proxy_phone="13907181234"))
    saved.append(_save(desk, materials=["居民身份证"]))  # correction notice
    assert {c["status"] for c in saved} >= {"accepted", "deferred", "correction"}
    assert len(saved) > 30
    desk.store.tidy_after_save()
    stored = {r["case_uuid"]: r["payload_json"] for r in desk.store._read(
        "SELECT case_uuid, payload_json FROM outbox JOIN outbox_payloads USING (id) WHERE kind = 'case'")}
    assert {c["uuid"]: _payload_as_the_save_made_it(c) for c in saved} == stored


def test_sync_reads_a_case_saved_just_before_it(desk: Any) -> None:
    """The window's autosync may run between a save and its tidy; the command line never
    tidies."""
    case = _save(desk)
    pending = desk.store.sync.pending_outbox(200, raw=True)
    assert [(e["kind"], e["case_uuid"], e["revision"]) for e in pending] == [
        ("case", case["uuid"], 1)]


def test_a_change_or_a_rating_before_the_tidy_comes_after_the_case(desk: Any) -> None:
    db = copy.deepcopy(dict(desk.catalog.get("MZ-DB").example))
    db["materials"] = [m for m in db["materials"] if m not in ("收入证明", "本人银行卡")]
    deferred = desk.cases.submit("MZ-DB", db, desk.actor(), today=TODAY)
    rated = _save(desk)
    desk.cases.rate(rated["uuid"], 5, "")
    desk.cases.supply_materials(deferred["uuid"], ["收入证明", "本人银行卡"], desk.actor(),
                                today=TODAY)
    assert _outbox(desk) == [("case", deferred["uuid"], 1), ("case", rated["uuid"], 1),
                             ("rating", rated["uuid"], 1), ("case", deferred["uuid"], 2)]
    first = desk.store._read("SELECT payload_json FROM outbox JOIN outbox_payloads USING (id) WHERE case_uuid = ? AND "
                             "revision = 1", [deferred["uuid"]])[0]["payload_json"]
    assert json.loads(first)["status"] == "deferred"  # as saved, not as changed since


def test_a_matter_from_a_case_comes_after_the_case(desk: Any) -> None:
    case = _save(desk, materials=["居民身份证"])  # 补正: the resident could not finish it
    svc = MatterService(desk.store)
    m = svc.record({"from_case": case["uuid"], "subcategory": "补正后仍办不成",
                    "description": "户籍在外省，无法开具证明"}, desk.actor())
    svc.handover(m["uuid"], "社区网格员张三", "需要上门查看", desk.actor())
    desk.store.tidy_after_save()
    assert _outbox(desk) == [("case", case["uuid"], 1), ("matter", m["uuid"], 1),
                             ("matter", m["uuid"], 2)]


def test_a_case_saved_before_a_crash_reaches_the_outbox_after_it(data_dir: Path) -> None:
    """The save commits the case and its audit entry; the process dies before the tidy.
    The next run's sync finds it."""
    ctx = DeskContext.open(str(data_dir))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    case = _save(ctx)
    raw = sqlite3.connect(ctx.store.path)  # no tidy, no orderly close
    assert raw.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    assert raw.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    raw.close()
    ctx.close()
    again = DeskContext.open(str(data_dir))
    try:
        assert again.store.sync.outbox_counts() == {"pending": 1}
        assert [e["case_uuid"] for e in again.store.sync.pending_outbox(10)] == [case["uuid"]]
    finally:
        again.close()


def test_a_case_taken_over_is_not_queued(desk: Any) -> None:
    """A replacement laptop's cases taken over are at the district already (synced): the
    mark passes them without an entry."""
    mine = _save(desk)
    with desk.store.transaction() as c:
        cur = c.execute("SELECT * FROM cases WHERE uuid = ?", [mine["uuid"]])
        cols = [d[0] for d in cur.description]
        taken = dict(zip(cols, cur.fetchone(), strict=True))
        taken.update(id=None, uuid="0190aaaa-0000-7000-8000-000000000002",
                     receipt_no="HY-QL01-20261122-0001", sync_state="synced")
        c.execute(f"INSERT INTO cases({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                  [taken[k] for k in cols])
    assert desk.store.sync.outbox_counts() == {"pending": 1}
    assert desk.store.sync.queue_waiting() == 1  # mine only
    assert _outbox(desk) == [("case", mine["uuid"], 1)]


def test_a_store_upgraded_with_its_cases_queued_queues_none_again(data_dir: Path) -> None:
    """Before this version each save made its entry in its own commit: the upgrade's
    migration starts the mark above those cases."""
    ctx = DeskContext.open(str(data_dir))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    made = [_save(ctx) for _ in range(3)]
    ctx.store.tidy_after_save()
    path = ctx.store.path
    ctx.close()
    raw = sqlite3.connect(path)  # as the previous version left it: no mark, no migration
    with raw:
        raw.execute("DELETE FROM meta WHERE key = ?", [CASES_QUEUED])
        raw.execute("DELETE FROM _sqlite_migrations WHERE name = "
                    "'m023_cases_queued_after_save'")
    raw.close()
    again = DeskContext.open(str(data_dir))
    try:
        assert again.store.get_meta(CASES_QUEUED) == "3"
        assert again.store.sync.queue_waiting() == 0
        assert sorted(u for _, u, _ in _outbox(again)) == sorted(c["uuid"] for c in made)
        assert again.store.sync.outbox_counts() == {"pending": 3}
    finally:
        again.close()
