"""A desk's pull at city scale reads an index range, in order, and only the page (issue 20).

Asked as ``desk_id = :d OR desk_id IS NULL``, PostgreSQL gathered every change of the desk
after its cursor through a bitmap of ``changes_desk``, read them all from the table and
sorted them before the limit; the page is now two ordered ranges of ``changes_desk`` merged
by ``seq`` (bench/bench_city.py: 1,000,000 changes, 1,400 desks).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, text

from sync import protocol as P
from sync.district.changes_feed import changes_since, page_sql
from sync.district.storage import Storage
from sync.district.tables import changes


def _fill(st: Storage) -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC).isoformat()
    def row(kind: str, desk: str | None, case: str | None) -> dict[str, object]:
        return {"kind": kind, "desk_id": desk, "case_uuid": case, "status": "accepted",
                "catalog_version": "v1" if kind == "catalog" else None,
                "actor": "console:a", "at": at}

    rows = [row("status", f"desk-{i % 3}", f"c{i}") for i in range(60)]
    rows[10] = row("catalog", None, None)  # for every desk
    rows[40] = row("calendar", None, None)
    with st.write() as conn:
        conn.execute(insert(changes), rows)


def _plan(st: Storage, since: int) -> str:
    with st.write() as conn:  # (rolled back with the SET LOCAL: nothing is written)
        sql = page_sql(conn, "desk-1", since, P.CHANGE_KINDS, 501)
        if conn.dialect.name == "sqlite":
            return " | ".join(str(r[-1]) for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + sql))
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # a few rows: as at a million
        return "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql))


def test_a_pull_reads_ordered_ranges_of_the_desk_index(db_url: str) -> None:
    st = Storage(db_url)
    try:
        _fill(st)
        for since in (0, 30):
            plan = _plan(st, since)
            assert "changes_desk" in plan, plan
            assert "Bitmap" not in plan and "Seq Scan" not in plan, plan  # PostgreSQL
            assert "changes_pkey" not in plan, plan
            assert "SCAN changes" not in plan, plan  # SQLite: no scan of the table
    finally:
        st.close()


def test_the_page_is_the_desks_and_everyones_changes_in_order(db_url: str) -> None:
    st = Storage(db_url)
    try:
        _fill(st)
        seen = []
        since, more = 0, True
        while more:
            page = changes_since(st, "desk-1", since, 7, ("status", "calendar"))
            assert len(page.changes) <= 7
            seen += [(c.seq, c.kind, c.case_uuid) for c in page.changes]
            since, more = int(page.cursor), page.more
        expected = [(i + 1, "status", f"c{i}") for i in range(60) if i % 3 == 1 and i not in (10, 40)]
        expected.append((41, "calendar", None))  # for every desk; the catalog is not wanted
        assert seen == sorted(expected)
    finally:
        st.close()
