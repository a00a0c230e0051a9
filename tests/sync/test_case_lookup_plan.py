"""A batch finds its cases by probing the primary key, also while the district is filling up
(issue 20).

At PostgreSQL's default ``random_page_cost`` (4: a disk that seeks) the planner read the
whole ``cases`` table for a batch's 500 cases until the table held some 30,000-40,000 rows:
in ``bench/bench_sync.py``'s 50 desks every batch scanned every case already held (52 scans
of ``cases`` for 50 batches). The district's sessions plan at 1.1 (memory and SSD) unless
the administrator set a value of their own. Checked on the very statement a batch sends
(:func:`sync.district.ingest.known_cases_sql`), planned for its parameters as the driver
runs it, on a table of 20,000 cases not yet analysed (as autovacuum leaves a district that
is filling up).
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from sync.district.database import Database
from sync.district.ingest import _CASE_INSERT_COLS, known_cases_sql
from sync.district.storage import Storage

HELD = 20_000


def _fill(st: Storage, n: int) -> None:
    rows = [(str(uuid.uuid4()), "desk-" + "0" * 30, "HY-B01", f"HY-B01-20261205-{i:05d}",
             "MZ-GLJT", "高龄津贴申领", "区民政局", "2026.1", "submitted", 1, "刘晓燕",
             "2026-12-05T08:00:00+08:00", "2026-12-05T08:00:00+08:00",
             "2026-12-05T08:00:01Z", "2026-12-05T08:00:01Z", "received", "",
             str(uuid.uuid4()), 0, f"{i:024x}", "2026-12-05", "") for i in range(n)]
    with st.write() as conn:
        st.insert_rows(conn, "cases", _CASE_INSERT_COLS, rows)


def _plan(st: Database, cost: str | None = None) -> str:
    sql, args = known_cases_sql(st, [str(uuid.uuid4()) for _ in range(500)])
    with st.write() as conn:  # (nothing written: EXPLAIN only, and a SET LOCAL)
        if st.is_sqlite:
            return " | ".join(str(r[-1]) for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + sql, args))
        if cost is not None:
            conn.execute(text(f"SET LOCAL random_page_cost = {cost}"))
        return "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql, args))


def test_a_batch_probes_the_primary_key_for_its_cases(db_url: str) -> None:
    st = Storage(db_url)
    try:
        _fill(st, HELD)
        plan = _plan(st)
        if st.is_sqlite:
            assert "USING INDEX" in plan or "PRIMARY KEY" in plan, plan
            assert "SCAN cases" not in plan, plan
            return
        assert "Seq Scan" not in plan and "cases_pkey" in plan, plan
        # the premise: at the server's default the same statement reads the whole table
        assert "Seq Scan on cases" in _plan(st, cost="4"), "the default plans a probe too"
    finally:
        st.close()


@pytest.mark.postgres
def test_an_administrators_own_page_cost_is_kept(pg_cluster: object) -> None:
    from sync_helpers import PgCluster

    assert isinstance(pg_cluster, PgCluster)
    name = "t_" + uuid.uuid4().hex[:12]
    pg_cluster.admin(f"CREATE DATABASE {name}")
    try:
        for set_here, expected in ((None, "1.1"), ("2.5", "2.5")):
            if set_here is not None:
                pg_cluster.admin(f"ALTER DATABASE {name} SET random_page_cost = {set_here}")
            db = Database(pg_cluster.url(name))
            try:
                with db.read() as conn:
                    assert conn.execute(text("SHOW random_page_cost")).scalar() == expected
            finally:
                db.close()
    finally:
        pg_cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
