"""The 办事点 page at city scale: what each desk sent is read through an index.

``desk_received`` (cases sent and newest receipt per desk) filtered ``case_revisions`` by
desk with no index on it: one scan of every revision per desk, which at 1,000,000 cases
and 40 desks had not answered after nine minutes (bench/bench_console.py). The index
``case_revisions_desk`` is created on new databases and added to existing ones.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from sync.district.replacement import desk_received
from sync.district.storage import Storage


def _indexes(st: Storage) -> set[str]:
    with st.read() as conn:
        return {ix["name"] for ix in inspect(conn).get_indexes("case_revisions")}


def test_an_existing_district_gains_the_index_and_the_page_uses_it(db_url: str) -> None:
    st = Storage(db_url)
    try:
        assert "case_revisions_desk" in _indexes(st)
        with st.write() as conn:  # a district created before the index existed
            conn.execute(text("DROP INDEX case_revisions_desk"))
            conn.execute(text("DROP TABLE alembic_version"))  # before the migrations (issue 13)
    finally:
        st.close()
    st = Storage(db_url)  # a server start migrates
    try:
        assert "case_revisions_desk" in _indexes(st)
        assert desk_received(st) == {}
    finally:
        st.close()


def test_newest_receipt_per_desk_is_an_index_probe(tmp_path: Path) -> None:
    st = Storage(f"sqlite:///{tmp_path / 'district.sqlite3'}")
    try:
        with st.read() as conn:
            plan = " ".join(str(r[-1]) for r in conn.execute(text(
                "EXPLAIN QUERY PLAN SELECT c.receipt_no FROM cases c JOIN case_revisions r"
                " ON r.case_uuid = c.uuid AND r.revision = 1 WHERE r.desk_id = 'd'"
                " ORDER BY r.received_at DESC, c.receipt_no DESC LIMIT 1")))
            counted = " ".join(str(r[-1]) for r in conn.execute(text(
                "EXPLAIN QUERY PLAN SELECT desk_id, count(DISTINCT case_uuid)"
                " FROM case_revisions GROUP BY desk_id")))
        assert "case_revisions_desk" in plan, plan
        assert "COVERING INDEX case_revisions_desk" in counted, counted
    finally:
        st.close()
