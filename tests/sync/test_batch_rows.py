"""A batch's rows go in with one statement per table on PostgreSQL (issue 20:
``Database.insert_rows`` over arrays) and one ``executemany`` on SQLite; the per-record
answers stay what they were row by row, also when one batch names the same case revision
twice, the same case at two revisions, or the same receipt number on two cases. Real
district storage over SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import func, select
from sync_helpers import District, enroll, new_case

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
