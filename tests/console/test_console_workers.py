"""Issue 21: the 经办人 filter's suggestions, drawn on every case-list page, hop from worker
to worker on ``console_cases_worker_day`` instead of grouping 90 days of intake (~340,000
index entries at 1,000,000 cases, more than the rest of the page) — same names, on SQLite
and PostgreSQL; a district made before gains the index through migrate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event, inspect, text
from test_console_store import _push, _record, cs  # noqa: F401  (the fixture)

from sync.district.console.store import CaseFilter, ConsoleStore, local_today


def _load(cs: ConsoleStore, days: int = 90) -> set[str]:  # noqa: F811
    """Cases of several workers (one blank) at the window's edges; the workers of the last
    ``days`` days."""
    today = local_today()
    recs, want, ages = [], set(), []
    for i in range(120):
        worker = ["", "刘晓燕", "张伟", "王 芳", "Li Lei", "赵六"][i % 6] + \
            ("" if i % 6 == 0 else str(i % 4))
        age = [0, 10, 89, 90, 91, 400][i % 5]  # the 90-day window's edges
        r = _record(i, accepted=today - timedelta(days=age))
        r["payload"]["worker"] = worker
        recs.append(r)
        ages.append((worker, age))
    for i, (worker, age) in enumerate((("孙七", 89), ("周八", 91)), start=200):
        r = _record(i, accepted=today - timedelta(days=age))  # only inside / outside
        r["payload"]["worker"] = worker
        recs.append(r)
        ages.append((worker, age))
    _push(cs, recs)
    want = {w for w, age in ages if w and age <= days}
    cs.readmodel.refresh()
    return want


def test_suggestions_are_the_workers_of_the_last_90_days(cs: ConsoleStore) -> None:  # noqa: F811
    want = _load(cs)
    assert cs.caselist.worker_choices() == sorted(want) and len(want) > 5
    assert "孙七" in want and "周八" not in want
    with cs.db.read() as conn:  # the grouping it replaces gives the same names
        old = [w for (w,) in conn.execute(text(
            "SELECT worker FROM console_cases WHERE accepted_date >= :s AND worker <> ''"
            " GROUP BY worker ORDER BY worker LIMIT 500"),
            {"s": (local_today() - timedelta(days=90)).isoformat()})]
    assert cs.caselist.worker_choices() == old
    recent = {r["worker"] for chunk in cs.caselist.iter_cases(CaseFilter()) for r in chunk
              if r["worker"] and r["accepted_date"] >= local_today().isoformat()}
    assert cs.caselist.worker_choices(days=0) == sorted(recent) and recent < want


def test_suggestions_skip_from_worker_to_worker(cs: ConsoleStore) -> None:  # noqa: F811
    _load(cs)
    seen: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
             executemany: bool) -> None:
        seen.append((statement, params))

    event.listen(cs.db.engine, "before_cursor_execute", keep)
    try:
        cs.caselist.worker_choices()
    finally:
        event.remove(cs.db.engine, "before_cursor_execute", keep)
    [(sql, params)] = [(s, p) for s, p in seen if "console_cases" in s]
    with cs.db.write() as conn:
        if cs.db.is_sqlite:
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + sql, params))
            assert "SCAN console_cases" not in plan.replace("SCAN w", ""), plan
            assert "COVERING INDEX console_cases_worker_day" in plan, plan
        else:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # small: as at 1M
            plan = " ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql, params))
            assert "console_cases_worker_day" in plan, plan
            assert "Seq Scan on console_cases" not in plan, plan


def test_an_existing_district_gains_the_index(cs: ConsoleStore) -> None:  # noqa: F811
    want = _load(cs)
    with cs.db.write() as conn:
        conn.execute(text("DROP INDEX console_cases_worker_day"))
        conn.execute(text("DROP TABLE alembic_version"))  # before the migrations (issue 13)
    cs.db.migrate()  # a server start migrates
    again = ConsoleStore(cs.db)
    with again.db.read() as conn:
        assert "console_cases_worker_day" in {
            ix["name"] for ix in inspect(conn).get_indexes("console_cases")}
    assert again.caselist.worker_choices() == sorted(want)
