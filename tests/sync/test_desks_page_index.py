"""The 办事点 page at city scale: what each desk sent, without reading every revision.

``desk_received`` (cases sent and newest receipt per desk) first filtered ``case_revisions``
by desk with no index on it: one scan of every revision per desk, which at 1,000,000 cases
and 40 desks had not answered after nine minutes (bench/bench_console.py). An index of the
revisions by desk answered it, at an index entry for every revision a batch brings (30 % of
PostgreSQL's work inserting them, issue 20). Now each batch keeps its desk's count and
newest receipt in ``desk_sent_counts`` (revision 0010 fills them for an older district and
drops the index), and a replacement's hand-over finds the old desk's cases by their first
revision's primary key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import event, inspect
from sync_helpers import District, enroll, new_case

from sync import protocol as P
from sync.district import migrations
from sync.district.database import Database
from sync.district.replacement import desk_received, handover
from sync.district.storage import Storage

_CASE = ("INSERT INTO cases (uuid, desk_id, desk_code, receipt_no, item_code, item_name, "
         "department, catalog_version, desk_status, revision, applicant_name, "
         "desk_created_at, desk_updated_at, received_at, updated_at, batch_id) VALUES "
         "('{u}', '{d}', 'HY-QL01', '{no}', 'MZ-GLJT', '高龄津贴', '民政', 'v1', 'accepted', "
         "1, '张三', '{at}', '{at}', '{at}', '{at}', 'b')")
_REVISION = ("INSERT INTO case_revisions (case_uuid, revision, content_hash, desk_id, batch_id, "
             "received_at, payload_json) VALUES ('{u}', {r}, 'h', '{d}', 'b', '{at}', '{{}}')")


def _indexes(st: Storage) -> set[str]:
    with st.read() as conn:
        return {ix["name"] for ix in inspect(conn).get_indexes("case_revisions")}


def test_an_older_district_keeps_each_desks_newest_receipt_as_the_index_goes(
        db_url: str) -> None:
    db = Database(db_url)  # a district at revision 0009, with what its desks sent
    try:
        with db.write() as conn:
            db.migration_lock(conn)
            command.upgrade(migrations.config(conn), "0009")
            for u, d, no, at in (("c1", "d1", "HY-QL01-20261201-0007", "2026-12-01T09:00"),
                                 ("c2", "d1", "HY-QL01-20261202-0001", "2026-12-02T09:00"),
                                 ("c3", "d1", "HY-QL01-20261202-0002", "2026-12-02T09:00"),
                                 ("c4", "d2", "HY-QL02-20261130-0003", "2026-11-30T09:00")):
                conn.exec_driver_sql(_CASE.format(u=u, d=d, no=no, at=at))
                conn.exec_driver_sql(_REVISION.format(u=u, r=1, d=d, at=at))
            # a later revision of d2's case, sent last: a case's first revision decides
            conn.exec_driver_sql(_REVISION.format(u="c4", r=2, d="d2", at="2026-12-03T09:00"))
            conn.exec_driver_sql("INSERT INTO desk_sent_counts (desk_id, cases) "
                                 "VALUES ('d1', 3), ('d2', 1)")
    finally:
        db.close()
    st = Storage(db_url)  # a server start migrates
    try:
        assert "case_revisions_desk" not in _indexes(st)
        got = desk_received(st)
        assert {d: (v["cases"], v["newest_receipt"]) for d, v in got.items()} == {
            "d1": (3, "HY-QL01-20261202-0002"), "d2": (1, "HY-QL02-20261130-0003")}
        with st.read() as conn:
            assert migrations.differences(conn) == []
    finally:
        st.close()


def _outbox(desk: Any) -> list[dict[str, Any]]:
    return [{k: e[k] for k in ("id", "kind", "case_uuid", "revision", "payload")}
            for e in desk.store.sync.pending_outbox()]


def test_each_batch_keeps_its_desks_newest_receipt(district: District,
                                                   make_desk: Any) -> None:
    st = district.storage
    assert "case_revisions_desk" not in _indexes(st)
    desk = make_desk("HY-QL07")
    desk_id = enroll(district, desk)["desk_id"]
    first = [new_case(desk) for _ in range(3)]
    records = _outbox(desk)
    answer = st.ingest.batch(desk_id, "b-1", records)
    assert [r["result"] for r in answer["results"]] == ["accepted"] * 3
    desk.store.sync.mark_outbox([{"id": r["id"], "result": "accepted", "reason": "",
                                  "received_at": P.utc_now()} for r in records], "b-1")
    newest = max(c["receipt_no"] for c in first)
    assert (desk_received(st)[desk_id]["cases"], desk_received(st)[desk_id]["newest_receipt"]) \
        == (3, newest)
    # the same batch again (a replay) and a batch of the same records (duplicates) move
    # nothing; a new case moves the receipt on
    st.ingest.batch(desk_id, "b-1", records)
    st.ingest.batch(desk_id, "b-2", records)
    assert desk_received(st)[desk_id]["cases"] == 3
    later = new_case(desk)
    st.ingest.batch(desk_id, "b-3", _outbox(desk))
    got = desk_received(st)[desk_id]
    assert (got["cases"], got["newest_receipt"]) == (4, later["receipt_no"])
    assert later["receipt_no"] > newest


def test_a_hand_over_reads_the_old_desks_cases_by_key(tmp_path: Path) -> None:
    """The old desk's cases and matters: each one's first revision by its key, never a
    scan of every revision the district holds."""
    st = Storage(f"sqlite:///{tmp_path / 'district.sqlite3'}")
    try:
        old = st.desks.enroll(P.EnrollRequest(
            code=st.desks.create_enroll_code("HY-QL07", "t"), receipt_key="0" * 64)).desk_id
        new = st.desks.enroll(P.EnrollRequest(
            code=st.desks.create_enroll_code("HY-QL07", "t", replaces=old),
            receipt_key="0" * 64)).desk_id
        seen: list[str] = []

        def note(_c: Any, cur: Any, sql: str, params: Any, *_a: Any) -> None:
            if "payload_json" in sql:  # a hand-over query: its plan, on the same connection
                seen.append(" | ".join(str(r[-1]) for r in cur.connection.execute(
                    "EXPLAIN QUERY PLAN " + sql, params)))

        event.listen(st.engine, "before_cursor_execute", note)
        try:
            assert handover(st, new).replaces == old
        finally:
            event.remove(st.engine, "before_cursor_execute", note)
        cases_plan, matters_plan = seen  # the cases', then the resident matters'
        for plan, rows in ((cases_plan, "case_revisions"), (matters_plan, "matter_revisions")):
            assert f"SEARCH first USING INDEX sqlite_autoindex_{rows}_1" in plan, plan
            assert f"SCAN {rows}" not in plan and "SCAN first" not in plan, plan
    finally:
        st.close()
