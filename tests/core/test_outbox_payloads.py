"""An outbox entry's payload lives apart from the state sync changes (issue 20,
``desk.core.store_queue.m024_outbox_payloads``).

Marking a pushed batch changes a few bytes of each entry (state, batch, time); with the
payload in the same row, every page holding those rows was rewritten, encrypted and
logged — most of a 500-case batch's marking. Here: marking writes no payload page, a
store of the previous layout keeps every payload byte for byte and still sends what is
pending, and every entry has its payload. That a purge blanks the payloads of what was sent
is checked in the store file's bytes by test_maintenance and test_matter_purge.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from desk.core.app import DeskContext
from desk.core.demo import make_id
from desk.core.store_queue import queue_waiting_cases
from desk.core.store_schema import _MIGRATIONS


def _desk(data_dir: Path, cases: int) -> DeskContext:
    """A desk holding ``cases`` 高龄津贴 cases, each of its own resident (as bench_sync's)."""
    ctx = DeskContext.open(str(data_dir))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    item, rng, rows = ctx.catalog.get("MZ-GLJT"), random.Random(cases), []
    for _ in range(cases):
        born = date(1935, 1, 1) + timedelta(days=rng.randrange(3650))
        result = ctx.cases.check(item.code, dict(item.example,
                                                 applicant_id=make_id(rng, born, "男")))
        assert result.ok, result
        rows.append(ctx.cases.build_case(item, result, ctx.actor(), date(2026, 12, 7)))
    ctx.store.bulk_insert_cases(rows, "test")
    return ctx


def _wal_frames(path: Path) -> int:
    wal = Path(str(path) + "-wal")
    if not wal.exists() or wal.stat().st_size < 32:
        return 0
    return (wal.stat().st_size - 32) // (4096 + 24)


def test_marking_a_batch_rewrites_no_payload(data_dir: Path) -> None:
    ctx = _desk(data_dir, 500)
    try:
        store = ctx.store
        entries = store.sync.pending_outbox(500, raw=True)
        assert len(entries) == 500
        payload_pages = sum(len(e["payload_json"].encode()) for e in entries) / 4096
        assert payload_pages > 120  # ~1.2 KB each: what rewriting them would cost
        store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert _wal_frames(store.path) == 0
        store.sync.mark_outbox([{"id": e["id"], "result": "accepted", "reason": "",
                                 "received_at": "2026-12-07T02:00:00+00:00"}
                                for e in entries], "b-1")
        written = _wal_frames(store.path)
        # the cases' sync state, the outbox's state and their indexes: 149 pages, fewer
        # than the payloads fill (167); before they had a table of their own, 383
        assert 0 < written < payload_pages, written
        assert store.sync.outbox_counts() == {"sent": 500}
        # the payloads are still there, unchanged
        kept = store._read("SELECT id, payload_json FROM outbox_payloads ORDER BY id")
        assert [(r["id"], r["payload_json"]) for r in kept] == [
            (e["id"], e["payload_json"]) for e in entries]
    finally:
        ctx.close()


def _previous_layout(path: Path) -> None:
    """Put the store back as the desk before m024 left it: payloads inline."""
    raw = sqlite3.connect(path)
    with raw:
        raw.execute("ALTER TABLE outbox ADD COLUMN payload_json TEXT NOT NULL DEFAULT ''")
        raw.execute("UPDATE outbox SET payload_json = (SELECT payload_json FROM "
                    "outbox_payloads p WHERE p.id = outbox.id)")
        raw.execute("DROP TABLE outbox_payloads")
        raw.execute("DELETE FROM _sqlite_migrations WHERE name = 'm024_outbox_payloads'")
    raw.close()


def test_a_store_of_the_previous_layout_keeps_every_payload(data_dir: Path) -> None:
    assert "m024_outbox_payloads" in [fn.__name__ for fn in _MIGRATIONS]
    ctx = _desk(data_dir, 30)
    store = ctx.store
    entries = store.sync.pending_outbox(30, raw=True)
    store.sync.mark_outbox([{"id": e["id"], "result": "accepted", "reason": "",
                             "received_at": "2026-12-07T02:00:00+00:00"}
                            for e in entries[:10]], "b-1")
    before = {e["id"]: e["payload_json"] for e in entries}
    path = store.path
    ctx.close()
    _previous_layout(path)

    again = DeskContext.open(str(data_dir))
    try:
        cols = [r[1] for r in again.store._conn.execute("PRAGMA table_info(outbox)")]
        assert "payload_json" not in cols
        moved = {r["id"]: r["payload_json"] for r in again.store._read(
            "SELECT id, payload_json FROM outbox_payloads")}
        assert moved == before
        pending = again.store.sync.pending_outbox(100, raw=True)
        assert [e["id"] for e in pending] == [e["id"] for e in entries[10:]]
        assert all(e["payload_json"] == before[e["id"]] for e in pending)
        assert again.store.sync.outbox_counts() == {"sent": 10, "pending": 20}
        assert again.store._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        again.close()


def test_every_entry_has_its_payload(data_dir: Path) -> None:
    """Every outbox row has its payload row (one transaction makes both): cases queued
    after their save and a rating."""
    ctx = _desk(data_dir, 3)
    try:
        case = ctx.store._read("SELECT uuid FROM cases ORDER BY id LIMIT 1")[0]["uuid"]
        ctx.store.save_rating(case, 5, "", "resident")
        with ctx.store.transaction() as c:
            queue_waiting_cases(c)
        rows = ctx.store._read("SELECT o.id, o.kind, p.payload_json FROM outbox o LEFT JOIN "
                               "outbox_payloads p ON p.id = o.id ORDER BY o.id")
        assert [r["kind"] for r in rows] == ["case", "case", "case", "rating"]
        assert all(r["payload_json"] for r in rows)
        assert json.loads(rows[-1]["payload_json"])["level"] == 5
        orphans = ctx.store._read("SELECT count(*) AS n FROM outbox_payloads WHERE id NOT IN "
                                  "(SELECT id FROM outbox)")[0]["n"]
        assert orphans == 0
    finally:
        ctx.close()


def test_a_batchs_answers_are_marked_by_a_statement_each_alike(data_dir: Path) -> None:
    """Marking a 500-case batch's answers: the entries given the same answer are updated by
    one statement (outbox, then cases) rather than one each (1,000 before); each entry and
    case still ends with its own answer — accepted, a duplicate, rejected with its reason,
    a conflict — and the district's time of receipt."""
    ctx = _desk(data_dir, 500)
    try:
        store = ctx.store
        entries = store.sync.pending_outbox(500, raw=True)
        answers = ["accepted"] * 494 + ["duplicate", "rejected", "rejected", "conflict",
                                         "rejected", "accepted"]
        reasons = {i: f"第{i}条：材料不全" for i, a in enumerate(answers) if a == "rejected"}
        reasons[496] = reasons[495]  # two with the same reason
        at = "2026-12-07T02:00:00+00:00"
        results = [{"id": e["id"], "result": a, "reason": reasons.get(i, ""),
                    "received_at": at if a != "conflict" else None}
                   for i, (e, a) in enumerate(zip(entries, answers, strict=True))]
        updates: list[str] = []
        store._conn.set_trace_callback(
            lambda sql: updates.append(sql) if sql.lstrip().startswith("UPDATE") else None)
        try:
            store.sync.mark_outbox(results, "b-7")
        finally:
            store._conn.set_trace_callback(None)
        # outbox: sent / rejected (two reasons) / conflict; cases: synced, rejected ×2,
        # conflict — before, 500 statements for each table
        assert len(updates) <= 8, len(updates)
        rows = store._read("SELECT o.id, o.state, o.batch_id, o.last_error, o.attempts, "
                           "c.sync_state, c.sync_error, c.district_received_at FROM outbox o "
                           "JOIN cases c ON c.uuid = o.case_uuid ORDER BY o.id")
        state = {"accepted": "sent", "duplicate": "sent"}
        case_state = {"accepted": "synced", "duplicate": "synced"}
        assert [(r["state"], r["batch_id"], r["last_error"], r["attempts"]) for r in rows] == [
            (state.get(a, a), "b-7", reasons.get(i), 1) for i, a in enumerate(answers)]
        assert [(r["sync_state"], r["sync_error"], r["district_received_at"])
                for r in rows] == [(case_state.get(a, a), reasons.get(i),
                                    None if a == "conflict" else at)
                                   for i, a in enumerate(answers)]
    finally:
        ctx.close()
