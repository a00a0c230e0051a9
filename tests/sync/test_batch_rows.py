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

from sync import protocol as P
from sync.district.desk_codes import receipt_numbers
from sync.district.duplicates import resident_locks
from sync.district.storage import case_revisions, cases
from sync.district.tables import desk_records


def _record(rid: int, payload: dict[str, Any]) -> dict[str, Any]:
    return {"id": rid, "kind": "case", "case_uuid": payload["uuid"],
            "revision": payload["revision"], "payload": payload}


def _post_at_once(st: Any, desk_id: str, batches: list[list[dict[str, Any]]]
                  ) -> dict[int, list[str]]:
    """Each batch ingested in a thread of its own, all released at once; record id → the
    results it got."""
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
    return taken


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
    taken = _post_at_once(st, desk_id, batches)
    assert sorted(taken) == sorted(e["id"] for e in entries)
    assert all(sorted(v).count("accepted") == 1 and set(v) <= {"accepted", "duplicate"}
               for v in taken.values()), taken
    with st.read() as conn:
        for table in (cases, case_revisions, receipt_numbers, desk_records):
            assert conn.execute(select(func.count()).select_from(table)).scalar() == 31


def test_overlapping_batches_of_matters_and_ratings_racing(
        district: District, make_desk: Any) -> None:
    """Twenty batches of one desk, each twelve resident matters and twelve ratings long
    (each kind one statement per batch), overlapping windows of 31, arrive at once: each is
    accepted by exactly one batch and a duplicate in the others, one row each, and the
    three rates' summary holds what counting the orders afresh gives."""
    from desk.core.matters import MatterService
    from sync.district import matters_rates
    from sync.district.matters_tables import matter_revisions, matters
    from sync.district.tables import ratings

    desk = make_desk("HY-QL09")
    desk_id = enroll(district, desk)["desk_id"]
    st = district.storage
    bulk_cases(desk, 31)
    sent = desk.store.sync.pending_outbox(100)
    assert all(r["result"] == "accepted" for r in st.ingest.batch(
        desk_id, str(uuid.uuid4()), [_record(e["id"], e["payload"]) for e in sent])["results"])
    svc = MatterService(desk.store)
    for k in range(31):
        svc.record({"category": ("投诉", "求助", "咨询")[k % 3], "description": f"第{k}件诉求"},
                   desk.actor())
    outbox = desk.store.sync.pending_outbox(100)
    matter_recs = [{k: e[k] for k in ("id", "kind", "case_uuid", "revision", "payload")}
                   for e in outbox if e["kind"] == "matter"]
    assert len(matter_recs) == 31
    rating_recs = [{"id": 1000 + k, "kind": "rating", "case_uuid": e["payload"]["uuid"],
                    "revision": 1, "payload": {"uuid": e["payload"]["uuid"], "level": 5,
                                               "reason": "", "rated_at": P.utc_now()}}
                   for k, e in enumerate(sent)]
    batches = [matter_recs[k:k + 12] + rating_recs[k:k + 12][::-1] for k in range(20)]
    taken = _post_at_once(st, desk_id, batches)
    assert len(taken) == 62
    assert all(v.count("accepted") == 1 and set(v) <= {"accepted", "duplicate"}
               for v in taken.values()), taken
    with st.read() as conn:
        for table in (matters, matter_revisions, ratings):
            assert conn.execute(select(func.count()).select_from(table)).scalar() == 31
        assert matters_rates.stored(conn) == matters_rates.recount(conn)
        assert sum(v[0] for k, v in matters_rates.stored(conn).items()
                   if k[0] == "rates") == 31


def test_a_batch_of_matters_and_ratings_costs_the_same_statements_however_many(
        district: District, make_desk: Any) -> None:
    """The statements a batch runs do not grow with its resident matters and ratings (a
    city morning's desk sends some 7 and 10: a statement or four each was half the
    server's CPU, issue 20): 8 of each and 20 of each take as many."""
    from sqlalchemy import event

    from desk.core.matters import MatterService

    desk = make_desk("HY-QL10")
    desk_id = enroll(district, desk)["desk_id"]
    st = district.storage
    bulk_cases(desk, 28)
    sent = desk.store.sync.pending_outbox(100)
    st.ingest.batch(desk_id, str(uuid.uuid4()), [_record(e["id"], e["payload"]) for e in sent])
    svc = MatterService(desk.store)
    for k in range(28):
        svc.record({"category": ("投诉", "求助", "咨询")[k % 3], "description": f"第{k}件"},
                   desk.actor())
    matter_recs = [{k: e[k] for k in ("id", "kind", "case_uuid", "revision", "payload")}
                   for e in desk.store.sync.pending_outbox(100) if e["kind"] == "matter"]
    rating_recs = [{"id": 1000 + k, "kind": "rating", "case_uuid": e["payload"]["uuid"],
                    "revision": 1, "payload": {"uuid": e["payload"]["uuid"], "level": 4,
                                               "reason": "", "rated_at": P.utc_now()}}
                   for k, e in enumerate(sent)]
    counted: list[str] = []

    def count(_conn: Any, _cur: Any, statement: str, *_a: Any) -> None:
        counted.append(statement)

    event.listen(st.engine, "before_cursor_execute", count)
    try:
        runs: list[int] = []
        seen: list[list[str]] = []
        for part in (slice(0, 8), slice(8, 28)):  # (PostgreSQL copies the held records of both)
            counted.clear()
            answer = st.ingest.batch(desk_id, str(uuid.uuid4()),
                                     matter_recs[part] + rating_recs[part])
            assert {r["result"] for r in answer["results"]} == {"accepted"}
            runs.append(len(counted))
            seen.append([s[:60] for s in counted])
    finally:
        event.remove(st.engine, "before_cursor_execute", count)
    assert runs[0] == runs[1], (runs, seen)


def test_two_revisions_of_a_new_matter_at_once_leave_the_order_at_the_newer(
        district: District, make_desk: Any) -> None:
    """Revisions 1 and 2 of matters the district has not seen arrive in two batches at the
    same instant, ten matters a batch, six times (each batch first in turn): whichever
    batch makes the work orders, they end at revision 2 — the other batch moves them on,
    never back (before, an order made by the revision-1 batch stayed at revision 1)."""
    from desk.core.matters import MatterService
    from sync.district import matters_rates
    from sync.district.matters_tables import matters

    desk = make_desk("HY-QL11")
    desk_id = enroll(district, desk)["desk_id"]
    st = district.storage
    svc = MatterService(desk.store)
    want: dict[str, int] = {}
    for k in range(6):
        seen = {e["id"] for e in desk.store.sync.pending_outbox(1000)}
        for j in range(10):
            svc.record({"category": "求助", "description": f"第{k}-{j}件"}, desk.actor())
        firsts = [{c: e[c] for c in ("id", "kind", "case_uuid", "revision", "payload")}
                  for e in desk.store.sync.pending_outbox(1000)
                  if e["kind"] == "matter" and e["id"] not in seen]
        seconds = [dict(r, id=r["id"] + 100_000, revision=2,
                        payload=dict(r["payload"], revision=2, description="补充说明"))
                   for r in firsts]
        taken = _post_at_once(st, desk_id, [firsts, seconds] if k % 2 else [seconds, firsts])
        assert all(v == ["accepted"] for v in taken.values()), taken
        want.update({r["case_uuid"]: 2 for r in firsts})
    with st.read() as conn:
        revs = {r.uuid: r.revision for r in conn.execute(
            select(matters.c.uuid, matters.c.revision))}
        descriptions = {r[0] for r in conn.execute(select(matters.c.description))}
        assert matters_rates.stored(conn) == matters_rates.recount(conn)
    assert revs == want
    assert descriptions == {"补充说明"}
