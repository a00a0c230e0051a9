"""A batch's round trips to the database (issue 20): on PostgreSQL each of a batch's COPYs
runs without a savepoint of its own (two round trips each, eight a batch: 2.1 ms of the
server's CPU measured), and the whole transaction runs again, each COPY in its savepoint,
in the rare batch where one meets a key a concurrent batch took
(``Database.optimistically``); the catalog version published last is read once a batch,
not twice. Real district storage over SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sync_helpers import District, bulk_cases, enroll

from sync.client.desk import sync_desk
from sync.district.database import COPY_FROM, KeyTaken
from sync.district.desk_codes import receipt_numbers
from sync.district.storage import cases
from sync.district.tables import desk_records

CATALOG_READ = "SELECT catalog_version FROM changes"


def _records(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: e[k] for k in ("id", "kind", "case_uuid", "revision", "payload")}
            for e in entries]


def test_a_batch_takes_no_savepoint_and_reads_the_catalog_version_once(
        district: District, make_desk: Any) -> None:
    """A batch of new cases, enough for PostgreSQL to copy each table's rows: no savepoint
    (before: four, one per COPY), one read of the catalog version (before: two, one for
    the items' rules and one for the bundles); every case accepted and held."""
    desk = make_desk("HY-QL21")
    desk_id = enroll(district, desk)["desk_id"]
    n = COPY_FROM + 6
    bulk_cases(desk, n)
    st = district.storage
    savepoints: list[str] = []
    statements: list[str] = []

    def on_savepoint(_conn: Any, name: str) -> None:
        savepoints.append(name)

    def on_statement(_conn: Any, _cur: Any, statement: str, *_a: Any) -> None:
        statements.append(statement)

    event.listen(st.engine, "savepoint", on_savepoint)
    event.listen(st.engine, "before_cursor_execute", on_statement)
    try:
        answer = st.ingest.batch(desk_id, str(uuid.uuid4()),
                                 _records(desk.store.sync.pending_outbox(100)))
    finally:
        event.remove(st.engine, "savepoint", on_savepoint)
        event.remove(st.engine, "before_cursor_execute", on_statement)
    assert [r["result"] for r in answer["results"]] == ["accepted"] * n
    assert savepoints == []
    assert sum(s.startswith(CATALOG_READ) for s in statements) == 1, statements
    with st.read() as conn:
        assert conn.execute(select(func.count()).select_from(cases)).scalar() == n
        assert conn.execute(select(func.count()).select_from(desk_records)).scalar() == n


@pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
def test_a_copy_meeting_a_taken_key_runs_the_transaction_again_guarded(
        district: District) -> None:
    """Two of ten receipt numbers already held: the unguarded COPY fails, its transaction
    (with a row written before it) is rolled back whole and run once more, where the COPY
    in its savepoint gives way (false) and the transaction goes on to commit — the row
    written before it once, none of the ten copied."""
    st = district.storage
    cols = (("receipt_no", "text"), ("case_uuid", "text"))
    rows = [(f"QL21-20261207-{i:04d}", f"u-{i}") for i in range(10)]
    with st.write() as conn:
        st.insert_rows(conn, "receipt_numbers", cols, rows[8:])
    copied: list[bool] = []

    def attempt() -> bool:
        with st.write() as conn:
            st.insert_rows(conn, "receipt_numbers", cols, [("before", "u-before")])
            ok = st.copy_rows(conn, "receipt_numbers", cols, rows)
            copied.append(ok)
            conn.exec_driver_sql("SELECT 1")  # (the transaction still good)
            return ok

    assert st.optimistically(attempt) is False
    assert copied == [False]  # (the first attempt raised before it could note anything)
    with st.read() as conn:
        held = dict(conn.execute(select(receipt_numbers.c.receipt_no,
                                        receipt_numbers.c.case_uuid)).all())
    assert held == {**dict(rows[8:]), "before": "u-before"}
    # outside optimistically a COPY keeps its savepoint: the taken key is an answer
    with st.write() as conn:
        assert st.copy_rows(conn, "receipt_numbers", cols, rows) is False


@pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
def test_an_unguarded_copy_meeting_a_taken_key_raises(district: District) -> None:
    """Inside ``optimistically``, a COPY meeting a held key raises ``KeyTaken`` (its
    transaction is lost): what sends the batch round again."""
    st = district.storage
    cols = (("receipt_no", "text"), ("case_uuid", "text"))
    with st.write() as conn:
        st.insert_rows(conn, "receipt_numbers", cols, [("held", "u-0")])
    seen: list[type[BaseException]] = []

    def attempt() -> None:
        try:
            with st.write() as conn:
                st.copy_rows(conn, "receipt_numbers", cols,
                             [("held", "u-1"), *[(f"n{i}", f"u{i}") for i in range(9)]])
        except KeyTaken as exc:
            seen.append(type(exc))
            raise

    st.optimistically(attempt)
    assert seen == [KeyTaken]


def test_a_signed_requests_desk_is_read_outside_a_transaction(
        district: District, make_desk: Any) -> None:
    """The desk row every signed request reads is one statement: on PostgreSQL no
    transaction is opened for it (before: ``BEGIN`` and ``ROLLBACK`` around it, two round
    trips of three); the connection goes back to the pool as it was — the next read is in
    a transaction again. The desk's signed requests go through (a sync: batch and pull)."""
    desk = make_desk("HY-QL22")
    desk_id = enroll(district, desk)["desk_id"]
    st = district.storage
    states: list[str] = []

    def after(conn: Any, _cur: Any, statement: str, *_a: Any) -> None:
        if "desks.secret" in statement:  # (the desk row with its secret: the lookup)
            raw = conn.connection.driver_connection
            states.append("sqlite" if st.is_sqlite else raw.info.transaction_status.name)

    event.listen(st.engine, "after_cursor_execute", after)
    try:
        assert st.desks.get(desk_id)["desk_id"] == desk_id
        bulk_cases(desk, 3)
        assert sync_desk(desk)["complete"]  # (signed: the batch and the pull)
    finally:
        event.remove(st.engine, "after_cursor_execute", after)
    assert states and set(states) == ({"sqlite"} if st.is_sqlite else {"IDLE"}), states
    if not st.is_sqlite:
        for _ in range(3):  # (every pooled connection back in its transactions)
            with st.read() as conn:
                conn.execute(select(func.count()).select_from(cases)).scalar()
                assert conn.connection.driver_connection.info.transaction_status.name \
                    == "INTRANS"


def test_a_server_about_to_serve_has_its_connections_open(
        district: District, make_desk: Any) -> None:
    """A server process opens the connections a burst needs before its first request,
    each having met the batch's tables (``app.warm_pool``): the batch that follows opens
    none (before: every connection a burst's first batches used was opened while a desk
    waited — a dozen for fifty desks at once, ~11 ms of CPU each). SQLite opens nothing
    ahead (a connection is a file opened)."""
    from sync.district.app import warm_pool
    from sync.district.database import WARM_CONNECTIONS
    from sync.district.storage import Storage

    desk = make_desk("HY-QL22")
    desk_id = enroll(district, desk)["desk_id"]
    bulk_cases(desk, 30)
    st = Storage(district.db_url)  # a server process's own, as one just started
    opened: list[object] = []

    def on_connect(*_a: Any) -> None:
        opened.append(_a)

    event.listen(st.engine, "connect", on_connect)
    try:
        warm_pool(st)
        ahead = len(opened)  # (the storage's start opened one already)
        idle = st.engine.pool.checkedin()
        assert st.desks.get(desk_id) is not None  # a signed request's desk row, its batch
        answer = st.ingest.batch(desk_id, str(uuid.uuid4()),
                                 _records(desk.store.sync.pending_outbox(100)))
        after = len(opened) - ahead
    finally:
        event.remove(st.engine, "connect", on_connect)
        st.close()
    assert [r["result"] for r in answer["results"]] == ["accepted"] * 30
    if st.is_sqlite:
        assert ahead == 0
    else:
        assert (idle, after) == (WARM_CONNECTIONS, 0)
