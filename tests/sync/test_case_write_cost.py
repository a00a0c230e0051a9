"""The index entries a new case costs the district (issue 20): the tables a pushed case
writes to carry only the indexes some query reads — each index is one more B-tree insert
per case, most of them at a random key. Real district storage over SQLite and PostgreSQL,
created at head; the receipt query still finds its case by number."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, text
from sync_helpers import District, enroll, new_case

from sync.district.public_query import progress

# every index (the primary key counted as one) of each table a new case writes a row to
WANTED = {
    "cases": {"pk", "cases_desk", "cases_status", "console_src_cases_updated"},
    "case_revisions": {"pk", "case_revisions_desk"},
    "receipt_numbers": {"pk"},
    "resident_items": {"pk", "resident_items_resident"},
    "desk_records": {"pk"},
}


def _indexes(st: Any) -> dict[str, set[str]]:
    with st.read() as conn:
        insp = inspect(conn)
        return {t: ({"pk"} if insp.get_pk_constraint(t)["constrained_columns"] else set())
                | {ix["name"] for ix in insp.get_indexes(t)} for t in WANTED}


def test_a_new_case_writes_only_the_index_entries_a_query_reads(
        district: District, make_desk: Any) -> None:
    assert _indexes(district.storage) == WANTED
    assert sum(len(v) for v in WANTED.values()) == 10  # was 12 (before revision 0006)
    desk = make_desk("HY-QL07")
    desk_id = enroll(district, desk)["desk_id"]
    new_case(desk)
    (entry,) = desk.store.sync.pending_outbox()
    p = entry["payload"]
    answer = district.storage.ingest.batch(desk_id, "b-1", [
        {"id": 1, "kind": "case", "case_uuid": p["uuid"], "revision": 1, "payload": p}])
    assert answer["results"][0]["result"] == "accepted"
    # the resident's receipt query: the number by its key, then the case by its own
    assert progress(district.storage, p["receipt_no"], "0" * 12) is None  # wrong code
    sql = ("SELECT c.uuid FROM receipt_numbers r JOIN cases c ON c.uuid = r.case_uuid "
           "WHERE r.receipt_no = '" + p["receipt_no"] + "'")
    with district.storage.read() as conn:
        if district.storage.is_sqlite:
            plan = " | ".join(r[-1] for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
            assert plan.count("SEARCH") == 2 and "SCAN" not in plan, plan
        else:
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " | ".join(r[0] for r in conn.execute(text("EXPLAIN " + sql)))
            assert "receipt_numbers_pkey" in plan and "cases_pkey" in plan, plan
