"""A matter's outbox entry is made just after its save (issue 15's save p99: the save's
commit writes three B-trees fewer): :meth:`Matters.queue_waiting` gives every matter saved
since its last call its revision-1 entry — run by the window's tidy after each save, by sync
before it reads the outbox and by any change to a matter. Nothing may be lost or sent twice
on the way: a matter saved and not yet queued is counted as pending, reaches the district
after a crash, keeps its revisions in order, gets exactly the payload a save made before
this change, and a store upgraded with matters already queued queues none again."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from desk.core.app import DeskContext
from desk.core.matters import MatterService
from desk.core.store_matters_schema import MATTERS_QUEUED

LEAK = {"category": "投诉", "subcategory": "漏水", "urgency": "一般",
        "description": "楼上卫生间漏水", "resident": {"name": "王建国", "phone": "13812345678"},
        "place": {"compound": "汉阳花园", "building": "3"}, "answer_by": "phone"}
# the keys of a first revision's payload as the save made it before (no closing fields)
FIRST_KEYS = {"uuid", "matter_no", "category", "subcategory", "urgency", "description",
              "place_json", "place_text", "resident_json", "resident_name", "answer_by",
              "from_case", "from_receipt_no", "status", "owner", "worker", "desk_code",
              "revision", "created_at", "updated_at", "due_at", "sla_json", "config_version",
              "handovers"}


def _entries(desk: Any, uuid: str) -> list[dict[str, Any]]:
    return desk.store._read("SELECT id, revision, state, payload_json FROM outbox JOIN outbox_payloads USING (id) WHERE "
                            "kind = 'matter' AND case_uuid = ? ORDER BY id", [uuid])


def test_a_saved_matter_is_pending_at_once_and_queued_exactly_once(desk: Any) -> None:
    svc = MatterService(desk.store)
    m = svc.record(LEAK, desk.actor())
    assert _entries(desk, m["uuid"]) == []  # not in the save's commit
    assert desk.store.sync.outbox_counts().get("pending") == 1  # yet counted as waiting
    assert desk.store.matters.queue_waiting() == 1
    assert desk.store.matters.queue_waiting() == 0
    desk.store.tidy_after_save()  # the window's tidy: nothing left to queue
    (entry,) = _entries(desk, m["uuid"])
    assert entry["revision"] == 1 and entry["state"] == "pending"
    payload = json.loads(entry["payload_json"])
    assert set(payload) == FIRST_KEYS
    assert payload["matter_no"] == m["matter_no"] and payload["handovers"] == []
    assert desk.store.sync.outbox_counts().get("pending") == 1  # counted once, not twice


def test_the_tidy_after_a_save_queues_it(desk: Any) -> None:
    m = MatterService(desk.store).record(LEAK, desk.actor())
    desk.store.tidy_after_save()
    assert [e["revision"] for e in _entries(desk, m["uuid"])] == [1]


def test_sync_reads_a_matter_saved_just_before_it(desk: Any) -> None:
    """Sync's first read of the outbox queues what waits (the window's autosync may run
    between a save and its tidy; the command line never tidies)."""
    m = MatterService(desk.store).record(LEAK, desk.actor())
    pending = desk.store.sync.pending_outbox(200, raw=True)
    assert [(e["kind"], e["case_uuid"], e["revision"]) for e in pending] == [
        ("matter", m["uuid"], 1)]


def test_a_hand_over_before_the_tidy_keeps_the_revisions_in_order(desk: Any) -> None:
    svc = MatterService(desk.store)
    m = svc.record(LEAK, desk.actor())
    svc.handover(m["uuid"], "社区网格员张三", "需要上门查看", desk.actor())
    svc.close(m["uuid"], "已联系物业维修", "满意", desk.actor())
    desk.store.tidy_after_save()
    entries = _entries(desk, m["uuid"])
    assert [e["revision"] for e in entries] == [1, 2, 3]
    first = json.loads(entries[0]["payload_json"])
    assert first["owner"] == "刘晓燕" and set(first) == FIRST_KEYS  # as recorded
    assert json.loads(entries[1]["payload_json"])["owner"] == "社区网格员张三"


def test_a_matter_saved_before_a_crash_reaches_the_outbox_after_it(data_dir: Path) -> None:
    """The save commits the matter and its audit entry; the process dies before the tidy.
    The next run's sync finds it."""
    ctx = DeskContext.open(str(data_dir))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    m = MatterService(ctx.store).record(LEAK, ctx.actor())
    # no tidy, no orderly close: a second connection sees what was committed
    raw = sqlite3.connect(ctx.store.path)
    assert raw.execute("SELECT count(*) FROM matters").fetchone()[0] == 1
    raw.close()
    ctx.close()
    again = DeskContext.open(str(data_dir))
    try:
        assert again.store.sync.outbox_counts().get("pending") == 1
        assert [e["case_uuid"] for e in again.store.sync.pending_outbox(10)] == [m["uuid"]]
    finally:
        again.close()


def test_a_matter_taken_over_from_the_district_is_not_queued(desk: Any) -> None:
    """A replacement laptop's matters taken over are at the district already (synced):
    the mark passes them without an entry."""
    svc = MatterService(desk.store)
    mine = svc.record(LEAK, desk.actor())
    with desk.store.transaction() as c:
        row = c.execute("SELECT * FROM matters WHERE uuid = ?", [mine["uuid"]]).fetchone()
        cols = [d[0] for d in c.execute("SELECT * FROM matters LIMIT 0").description]
        taken = dict(zip(cols, row, strict=True))
        taken.update(id=None, uuid="0190aaaa-0000-7000-8000-000000000001",
                     matter_no="HY-QL01-M20261201-0001", sync_state="synced")
        c.execute(f"INSERT INTO matters({', '.join(cols)}) VALUES "
                  f"({', '.join('?' * len(cols))})", [taken[k] for k in cols])
    assert desk.store.matters.queue_waiting() == 1  # mine only
    assert _entries(desk, taken["uuid"]) == []
    assert desk.store.get_meta(MATTERS_QUEUED) == str(
        desk.store._read("SELECT max(id) AS m FROM matters")[0]["m"])


def test_a_store_upgraded_with_its_matters_queued_queues_none_again(data_dir: Path) -> None:
    """Before this version each save made its entry in its own commit: the upgrade's
    migration starts the mark above those matters (and makes the from-case index partial)."""
    ctx = DeskContext.open(str(data_dir))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    svc = MatterService(ctx.store)
    made = [svc.record(LEAK, ctx.actor()) for _ in range(3)]
    ctx.store.tidy_after_save()
    path = ctx.store.path
    ctx.close()
    # as the previous version left it: no mark, the full index, the migration not applied
    raw = sqlite3.connect(path)
    with raw:
        raw.execute("DELETE FROM meta WHERE key = ?", [MATTERS_QUEUED])
        raw.execute("DROP INDEX matters_from_case")
        raw.execute("CREATE INDEX matters_from_case ON matters(from_case)")
        raw.execute("DELETE FROM _sqlite_migrations WHERE name = "
                    "'m022_matters_queued_after_save'")
    raw.close()
    again = DeskContext.open(str(data_dir))
    try:
        assert again.store.get_meta(MATTERS_QUEUED) == str(3)
        index = again.store._read("SELECT sql FROM sqlite_master WHERE name = "
                                  "'matters_from_case'")[0]["sql"]
        assert "WHERE from_case IS NOT NULL" in index
        assert again.store.matters.queue_waiting() == 0
        assert [len(_entries(again, m["uuid"])) for m in made] == [1, 1, 1]
        assert again.store.sync.outbox_counts().get("pending") == 3
    finally:
        again.close()
