"""Issue 21: 已超承诺期, 临近 and 区级未确认 at 1,000,000 cases — the list's filter, its count
and the dashboard's counts (one pass for the backlog, 已超承诺期, 临近 and 区级未确认) read
one index range (``console_cases_overdue``; ``console_cases_status_item`` for the list's
区级未确认) instead of visiting every open case's row (the overdue
filter took 1.1 s on the bench). The plan is checked on the queries the console really
runs, on SQLite and PostgreSQL; a district made before gains the indexes through migrate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import event, inspect, text
from test_console_store import _push, _record, cs  # noqa: F401  (the fixture)

from sync.district.console.store import CaseFilter, ConsoleStore, local_today

INDEXES = ("console_cases_overdue", "console_cases_status_item")


def _statements(cs: ConsoleStore, call: Callable[[], Any]) -> list[tuple[str, Any]]:  # noqa: F811
    seen: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
             executemany: bool) -> None:
        seen.append((statement, params))

    event.listen(cs.db.engine, "before_cursor_execute", keep)
    try:
        call()
    finally:
        event.remove(cs.db.engine, "before_cursor_execute", keep)
    return seen


def _plan(cs: ConsoleStore, statement: str, params: Any) -> str:  # noqa: F811
    with cs.db.write() as conn:
        if cs.db.is_sqlite:
            return " ".join(str(r[-1]) for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, params))
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a small table: as at 1M
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        return " ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, params))


def _load(cs: ConsoleStore) -> None:  # noqa: F811
    today = local_today()
    recs = [_record(i, item="MZ-GLJT" if i % 3 else "MZ-LNYD",
                    accepted=today - timedelta(days=i % 40)) for i in range(90)]
    _push(cs, recs)
    cs.readmodel.refresh()
    if not cs.db.is_sqlite:  # statistics and the visibility map, as autovacuum keeps them
        with cs.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE console_cases"))


def _uses(plan: str, index: str, sqlite: bool) -> bool:
    return (f"COVERING INDEX {index}" in plan) if sqlite else \
        (f"Index Only Scan using {index}" in plan or f"Index Only Scan Backward using {index}"
         in plan)


def test_overdue_filter_and_its_count_read_one_index(cs: ConsoleStore) -> None:  # noqa: F811
    _load(cs)
    page = cs.caselist.list_cases(CaseFilter(overdue="overdue"))
    assert page.total > 0
    stmts = _statements(cs, lambda: cs.caselist.list_cases(CaseFilter(overdue="overdue")))
    counts = [(s, p) for s, p in stmts if s.lstrip().upper().startswith("SELECT COUNT")]
    assert counts
    for s, p in counts:
        plan = _plan(cs, s, p)
        assert _uses(plan, "console_cases_overdue", cs.db.is_sqlite), plan
    [(s, p)] = [(s, p) for s, p in stmts if "FROM console_cases" in s and "ORDER BY" in s
                and "count(" not in s.lower()]  # the page
    plan = _plan(cs, s, p)
    if cs.db.is_sqlite:  # (PostgreSQL's choice for the page depends on the table's size:
        # measured at 1,000,000 cases with bench/bench_console.py)
        assert "console_cases_overdue" in plan, plan


def test_dashboard_counts_read_the_summary(cs: ConsoleStore) -> None:  # noqa: F811
    _load(cs)
    stmts = _statements(cs, cs.dashboard)
    # backlog, 已超承诺期, 临近, 区级未确认, 绿色通道: console_counts, no count over the cases
    # (tests/console/test_console_counts_recount.py keeps it equal to a recount)
    # (the period's intake by item, desk and worker stays an index-only range by date)
    assert not [s for s, _ in stmts if "count(" in s.lower() and "console_cases" in s
                and "accepted_date >=" not in s]
    assert [s for s, _ in stmts if "console_counts" in s]
    # the same figures as the list's filters count, and as a recount of every open case
    d = cs.dashboard()
    for key, flt in (("overdue", "overdue"), ("near_due", "near"),
                     ("unconfirmed", "unconfirmed")):
        assert d[key] == cs.caselist.list_cases(CaseFilter(overdue=flt)).total, key
    assert d["overdue"] > 0 and d["unconfirmed"] > 0
    assert sum(d["backlog"].values()) == cs.caselist.list_cases(CaseFilter(status="open")).total


def test_an_existing_district_gains_the_indexes(cs: ConsoleStore) -> None:  # noqa: F811
    _load(cs)
    before = cs.dashboard()
    with cs.db.write() as conn:  # a district created before the indexes existed
        for name in INDEXES:
            conn.execute(text(f"DROP INDEX {name}"))
        conn.execute(text("DROP TABLE alembic_version"))  # before the migrations (issue 13)
    cs.db.migrate()  # a server start migrates
    again = ConsoleStore(cs.db)
    with again.db.read() as conn:
        have = {ix["name"] for ix in inspect(conn).get_indexes("console_cases")}
    assert set(INDEXES) <= have
    assert again.dashboard()["overdue"] == before["overdue"] > 0
