"""A batch's sent count reads the batch's cases by the primary key, however many revisions
its desk has sent before (issue 20).

``count_sent`` asked for ``case_uuid = ANY(...) AND desk_id = ...``: PostgreSQL, planning
it for a table whose statistics had not caught up (a district filling up, before autovacuum
analyses it; and whenever one desk's share of the table looks small), walked
``case_revisions_desk`` through every revision the desk had ever sent and filtered them by
the batch's cases — 85 ms of a 136 ms batch after 10,000 cases of one desk
(``bench/bench_sync.py --parts steps``), more with each batch; SQLite chose the same index.
The plan checked here is the generic one a prepared statement gets (``plan_cache_mode =
force_generic_plan``, the table not analysed) for the very statement ``count_sent`` sends.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import event, insert, select, text

from sync.district.replacement import count_sent, desk_sent
from sync.district.storage import Storage
from sync.district.tables import case_revisions


def _fill(st: Storage, desk: str, n: int, batch: str = "b") -> list[str]:
    uuids = [str(uuid.uuid4()) for _ in range(n)]
    with st.write() as conn:
        conn.execute(insert(case_revisions), [
            {"case_uuid": u, "revision": 1, "content_hash": "h", "desk_id": desk,
             "batch_id": batch, "received_at": f"2026-12-05T08:{i // 60 % 60:02d}:{i % 60:02d}Z",
             "payload_json": "{}"} for i, u in enumerate(uuids)])
    return uuids


def _statements(conn: Any, run: Any) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def note(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "case_revisions" in statement:
            seen.append((statement, params))

    event.listen(conn, "before_cursor_execute", note)
    try:
        run()
    finally:
        event.remove(conn, "before_cursor_execute", note)
    return seen


def _plan(conn: Any, statement: str, params: Any) -> str:
    if conn.dialect.name == "sqlite":
        return " | ".join(str(r[-1]) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, params))
    n = iter(range(1, 100))
    prepared = re.sub(r"%s", lambda _m: f"${next(n)}", statement)
    types = ", ".join("text[]" if isinstance(v, list) else "text" for v in params)
    conn.exec_driver_sql(f"PREPARE sent_q({types}) AS {prepared}")
    conn.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
    conn.execute(text("SET LOCAL enable_seqscan = off"))  # a few thousand rows: as at more
    def lit(v: Any) -> str:  # (EXPLAIN EXECUTE takes no bound parameters)
        if isinstance(v, list):
            return "ARRAY[" + ", ".join(lit(x) for x in v) + "]::text[]"
        return "'" + str(v).replace("'", "''") + "'"

    args = ", ".join(lit(v) for v in params)
    plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN EXECUTE sent_q({args})"))
    conn.exec_driver_sql("DEALLOCATE sent_q")
    return plan


def test_the_sent_count_reads_a_batch_by_its_cases_not_the_desks_history(
        db_url: str) -> None:
    st = Storage(db_url)
    try:
        old = _fill(st, "desk-a", 3000)  # what the desk sent before
        _fill(st, "desk-b", 500)  # another desk's
        batch = _fill(st, "desk-a", 200, "this")  # this batch's revisions, just written
        inserted = {(u, 1) for u in batch}
        with st.write() as conn:  # (as ingest asks: its own batch's revisions left out)
            stmts = _statements(conn, lambda: count_sent(conn, "desk-a", inserted,
                                                         batch_id="this"))
            assert len(stmts) == 1, stmts  # (one statement for up to 1,000 cases)
            plan = _plan(conn, *stmts[0])
            assert "case_revisions_desk" not in plan, plan
            assert "Seq Scan" not in plan and "SCAN case_revisions" not in plan, plan
        with st.read() as conn:  # and it counted the batch's cases as new, once
            assert conn.execute(select(desk_sent.c.cases).where(
                desk_sent.c.desk_id == "desk-a")).scalar() == 200
        # a case the desk had sent at another revision is not new
        again = {(old[0], 2), (str(uuid.uuid4()), 1)}
        with st.write() as conn:
            conn.execute(insert(case_revisions), [
                {"case_uuid": u, "revision": r, "content_hash": "h", "desk_id": "desk-a",
                 "batch_id": "b2", "received_at": "2026-12-05T09:00:00Z", "payload_json": "{}"}
                for u, r in again])
            count_sent(conn, "desk-a", again)
        with st.read() as conn:
            assert conn.execute(select(desk_sent.c.cases).where(
                desk_sent.c.desk_id == "desk-a")).scalar() == 201
    finally:
        st.close()


def _case(u: str, rev: int, n: int) -> dict[str, Any]:
    return {"id": n, "kind": "case", "case_uuid": u, "revision": rev, "payload": {
        "uuid": u, "receipt_no": f"HY-QL01-20261205-{n:04d}", "item_code": "MZ-GLJT",
        "item_name": "高龄津贴申领", "department": "民政", "catalog_version": "t",
        "status": "accepted", "revision": rev, "applicant_name": "王桂兰",
        "created_at": "2026-12-05T08:00:00.000+00:00",
        "updated_at": f"2026-12-05T08:{rev:02d}:00.000+00:00", "desk_code": "HY-QL01",
        "data_json": "{}", "materials_json": "{}"}}


def test_a_batch_of_new_cases_is_not_read_back_for_the_sent_count(db_url: str) -> None:
    """A morning's batch — every case new — is counted from the rows its own insert made:
    its revisions are not read back (on PostgreSQL they were, 500 heap reads a batch);
    a later revision of a case the district holds is known from the conflict read."""
    st = Storage(db_url)
    try:
        uuids = [str(uuid.uuid4()) for _ in range(300)]
        seen: list[str] = []

        def note(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
            if "FROM case_revisions" in statement and "batch_id <>" in statement:
                seen.append(statement)

        event.listen(st.engine, "before_cursor_execute", note)
        try:
            answer = st.ingest.batch("desk-a", str(uuid.uuid4()),
                                     [_case(u, 1, i + 1) for i, u in enumerate(uuids)])
            assert {r["result"] for r in answer["results"]} == {"accepted"}, answer
            assert seen == []  # the count came from the insert's own rows
            answer = st.ingest.batch("desk-a", str(uuid.uuid4()),
                                     [_case(u, 2, i + 1) for i, u in enumerate(uuids[:50])])
            assert {r["result"] for r in answer["results"]} == {"accepted"}, answer
            assert seen == []  # nor for cases it holds (their rows are locked first)
        finally:
            event.remove(st.engine, "before_cursor_execute", note)
        with st.read() as conn:
            assert conn.execute(select(desk_sent.c.cases).where(
                desk_sent.c.desk_id == "desk-a")).scalar() == 300
    finally:
        st.close()
