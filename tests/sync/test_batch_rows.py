"""A batch's rows go in with one statement per table on PostgreSQL (issue 20:
``Database.insert_rows`` over arrays) and one ``executemany`` on SQLite; the per-record
answers stay what they were row by row, also when one batch names the same case revision
twice, the same case at two revisions, or the same receipt number on two cases. Real
district storage over SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select
from sync_helpers import District, bulk_cases, enroll, new_case

from sync.district.desk_codes import receipt_numbers
from sync.district.duplicates import resident_locks
from sync.district.storage import case_revisions, cases
from sync.district.tables import desk_records


def _record(rid: int, payload: dict[str, Any]) -> dict[str, Any]:
    return {"id": rid, "kind": "case", "case_uuid": payload["uuid"],
            "revision": payload["revision"], "payload": payload}


def test_one_batch_naming_a_case_revision_twice(district: District, make_desk: Any) -> None:
    desk = make_desk("HY-QL07")
    desk_id = enroll(district, desk)["desk_id"]
    for _ in range(3):
        new_case(desk)
    one, two, three = (e["payload"] for e in desk.store.sync.pending_outbox())
    changed = dict(one, applicant_name=one["applicant_name"] + "某")  # same revision
    later = dict(one, revision=2, updated_at=one["updated_at"][:-1] + "9")
    same_no = dict(three, receipt_no=two["receipt_no"])  # another case's number
    batch = [_record(1, one), _record(2, one), _record(3, changed), _record(4, later),
             _record(5, two), _record(6, same_no)]
    st = district.storage
    answer = st.ingest.batch(desk_id, str(uuid.uuid4()), batch)
    got = [(r["id"], r["result"]) for r in answer["results"]]
    assert got == [(1, "accepted"), (2, "duplicate"), (3, "conflict"), (4, "accepted"),
                   (5, "accepted"), (6, "rejected")]
    assert two["receipt_no"] in answer["results"][5]["reason"]
    with st.read() as conn:
        held = sorted((r.case_uuid, r.revision, r.outbox_id) for r in conn.execute(
            select(desk_records.c.case_uuid, desk_records.c.revision,
                   desk_records.c.outbox_id).where(desk_records.c.desk_id == desk_id)))
        assert held == sorted([(one["uuid"], 1, 1), (one["uuid"], 2, 4), (two["uuid"], 1, 5)])
        assert conn.execute(select(cases.c.revision).where(
            cases.c.uuid == one["uuid"])).scalar_one() == 2
        assert conn.execute(select(func.count()).select_from(case_revisions)).scalar() == 3
        assert dict(conn.execute(select(receipt_numbers.c.receipt_no,
                                        receipt_numbers.c.case_uuid)).all()) == {
            one["receipt_no"]: one["uuid"], two["receipt_no"]: two["uuid"]}
        assert conn.execute(select(func.count()).select_from(cases).where(
            cases.c.resident_hash.is_not(None))).scalar() == 2
        # (the rows PostgreSQL's batches lock; SQLite's one writer needs none)
        assert conn.execute(select(func.count()).select_from(resident_locks)).scalar() == (
            0 if st.is_sqlite else 2)
    again = st.ingest.batch(desk_id, str(uuid.uuid4()), batch)  # the same records resent
    assert [(r["id"], r["result"]) for r in again["results"]] == [
        (1, "duplicate"), (2, "duplicate"), (3, "conflict"), (4, "duplicate"),
        (5, "duplicate"), (6, "rejected")]
    stored = json.loads(json.dumps(answer, ensure_ascii=False))
    assert stored["results"][0]["received_at"] == again["results"][0]["received_at"]


def test_rows_a_batch_expects_new_are_copied_and_a_taken_key_leaves_nothing(
        district: District) -> None:
    """``Database.copy_rows`` (PostgreSQL's ``COPY``, for the rows of a batch expected to be
    new) inserts every row, or — one key already held — none, with the transaction still
    good for the ``INSERT ... ON CONFLICT`` that then decides; ``insert_rows(fresh=True)``
    gives the statement's own answer either way, on both engines."""
    st = district.storage
    cols = (("receipt_no", "text"), ("case_uuid", "text"))
    rows = [(f"QL01-20261205-{i:04d}", f"u-{i}") for i in range(12)]
    with st.write() as conn:
        if not st.is_sqlite:
            assert st.copy_rows(conn, "receipt_numbers", cols, rows[:10])
            assert not st.copy_rows(conn, "receipt_numbers", cols, rows[8:])  # 8, 9 held
            conn.exec_driver_sql("SELECT 1")  # (not an aborted transaction)
        else:
            assert st.insert_rows(conn, "receipt_numbers", cols, rows[:10], fresh=True) == 10
        done = st.insert_rows(conn, "receipt_numbers", cols, rows[8:],
                                 "ON CONFLICT (receipt_no) DO NOTHING", fresh=True)
        assert done == 2  # 10 and 11: the two held were left alone
        assert st.insert_rows(conn, "receipt_numbers", cols, [*rows[:9], ("x", "u-x")],
                                 "ON CONFLICT (receipt_no) DO NOTHING", fresh=True) == 1
    with st.read() as conn:
        held = dict(conn.execute(select(receipt_numbers.c.receipt_no,
                                        receipt_numbers.c.case_uuid)).all())
    assert held == {**dict(rows), "x": "u-x"}


def test_overlapping_batches_racing_are_each_record_taken_once(
        district: District, make_desk: Any) -> None:
    """Twenty batches of one desk, each twelve cases long (enough that PostgreSQL copies a
    batch's new rows), overlapping windows of 31 cases, arrive at once: each case is
    accepted by exactly one batch and is a duplicate in the others; one row of each kind
    per case — the copy that meets a row another batch made gives way to the statement
    that decides by it."""
    desk = make_desk("HY-QL08")
    desk_id = enroll(district, desk)["desk_id"]
    bulk_cases(desk, 31)
    entries = desk.store.sync.pending_outbox(100)
    assert len(entries) == 31
    st = district.storage
    batches = [[_record(e["id"], e["payload"]) for e in entries[k:k + 12]] for k in range(20)]
    gate = threading.Barrier(len(batches), timeout=60)

    def post(batch: list[dict[str, Any]]) -> dict[str, Any]:
        gate.wait()
        answer: dict[str, Any] = st.ingest.batch(desk_id, str(uuid.uuid4()), batch)
        return answer

    with ThreadPoolExecutor(len(batches)) as pool:
        answers = list(pool.map(post, batches))
    taken: dict[int, list[str]] = {}
    for ans in answers:
        for r in ans["results"]:
            taken.setdefault(r["id"], []).append(r["result"])
    assert sorted(taken) == sorted(e["id"] for e in entries)
    assert all(sorted(v).count("accepted") == 1 and set(v) <= {"accepted", "duplicate"}
               for v in taken.values()), taken
    with st.read() as conn:
        for table in (cases, case_revisions, receipt_numbers, desk_records):
            assert conn.execute(select(func.count()).select_from(table)).scalar() == 31
