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
    "cases": {"pk", "cases_desk", "cases_status", "console_src_cases_updated",
              "cases_resident"},
    "case_revisions": {"pk"},
    "receipt_numbers": {"pk"},
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
    # was 12 (before revision 0006: an item_code index, a receipt number's case index),
    # then 10, with the resident index in a table of its own (before revision 0007), then
    # 9, with the revisions indexed by desk (before revision 0010)
    assert sum(len(v) for v in WANTED.values()) == 8
    with district.storage.read() as conn:
        assert not inspect(conn).has_table("resident_items")
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


def test_the_duplicate_check_reads_the_resident_index(district: District) -> None:
    """The check's read (sync.district.duplicates.flag_duplicates) is one index range on
    ``cases_resident`` per resident, not a scan of the cases."""
    st = district.storage
    among, args = st.among(["a" * 24, "b" * 24])
    mark = "?" if st.is_sqlite else "%s"
    sql = ("SELECT uuid, resident_date, resident_exception, desk_id, district_status "
           f"FROM cases WHERE resident_hash {among} AND desk_code != {mark}")
    with st.read() as conn:
        if st.is_sqlite:
            plan = " | ".join(r[-1] for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + sql, (*args, "HY-QL01")))
        else:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = " | ".join(r[0] for r in conn.exec_driver_sql(
                "EXPLAIN " + sql, (*args, "HY-QL01")))
    assert "cases_resident" in plan, plan


def test_revision_0007_moves_the_resident_index_into_the_cases(db_url: str) -> None:
    """A district at 0006 with indexed cases keeps them indexed (and flagged the same way)
    after the upgrade: each ``resident_items`` row lands in its case's row."""
    from alembic import command

    from sync.district import migrations
    from sync.district.database import Database
    from sync.district.storage import Storage

    db = Database(db_url)
    try:
        with db.write() as conn:
            command.upgrade(migrations.config(conn), "0006")
            for u in ("c1", "c2"):
                conn.execute(text(
                    "INSERT INTO cases (uuid, desk_id, desk_code, receipt_no, item_code,"
                    " item_name, department, catalog_version, desk_status, revision,"
                    " applicant_name, desk_created_at, desk_updated_at, received_at,"
                    " updated_at, batch_id) VALUES (:u, 'd1', 'HY-QL01', :u, 'MZ-GLJT', 'x',"
                    " '民政', '1', 'submitted', 1, 'n', 't', 't', 't', 't', 'b')"), {"u": u})
            conn.execute(text(
                "INSERT INTO resident_items (case_uuid, id_hash, item_code, desk_code,"
                " accepted_date, excepted) VALUES ('c1', 'h1', 'MZ-GLJT', 'HY-QL01',"
                " '2026-11-21', '补办')"))
    finally:
        db.close()
    st = Storage(db_url)
    try:
        with st.read() as conn:
            assert not inspect(conn).has_table("resident_items")
            assert conn.execute(text(
                "SELECT uuid, resident_hash, resident_date, resident_exception FROM cases"
                " ORDER BY uuid")).all() == [("c1", "h1", "2026-11-21", "补办"),
                                             ("c2", None, None, None)]
    finally:
        st.close()
