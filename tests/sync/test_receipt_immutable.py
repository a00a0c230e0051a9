"""A receipt number is its case's for good (issue 21 item 2): a later revision of a case
that changes its receipt number — to one another case holds, or to any other — is rejected
with a reason the worker understands, and no two cases ever show one number. 50 such
revisions arrive at once. Real district storage over SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

from sqlalchemy import func, select
from sync_helpers import District, enroll, new_case

from sync.district.storage import cases

N = 50


def test_a_later_revision_cannot_change_the_receipt_number(district: District,
                                                           make_desk: Any) -> None:
    a, b = make_desk("HY-QL05"), make_desk("HY-QL06")
    ids = [enroll(district, a)["desk_id"], enroll(district, b)["desk_id"]]
    new_case(a)
    new_case(b)
    (ea,) = a.store.sync.pending_outbox()
    (eb,) = b.store.sync.pending_outbox()
    st = district.storage
    for desk_id, e in zip(ids, (ea, eb), strict=True):
        ans = st.ingest.batch(desk_id, str(uuid.uuid4()), [
            {"id": 1, "kind": "case", "case_uuid": e["payload"]["uuid"], "revision": 1,
             "payload": e["payload"]}])
        assert ans["results"][0]["result"] == "accepted"
    held = eb["payload"]["receipt_no"]
    gate = Barrier(N)

    def attempt(i: int) -> dict[str, Any]:
        # desk A's own case, revision 2+, now carrying desk B's receipt number (or another)
        p = dict(ea["payload"], revision=2 + i,
                 receipt_no=held if i % 2 else ea["payload"]["receipt_no"][:-4] + "9999")
        gate.wait(timeout=60)
        ans: dict[str, Any] = st.ingest.batch(ids[0], str(uuid.uuid4()), [
            {"id": 1, "kind": "case", "case_uuid": p["uuid"], "revision": p["revision"],
             "payload": p}])
        return ans["results"][0]

    with ThreadPoolExecutor(N) as pool:
        results = list(pool.map(attempt, range(N)))
    assert all(r["result"] == "rejected" for r in results), results[:3]
    assert all(f"已收到的 {ea['payload']['receipt_no']} 不同" in r["reason"]
               and "联系区级管理员" in r["reason"] for r in results)
    with st.read() as conn:
        dupes = conn.execute(select(cases.c.receipt_no).group_by(cases.c.receipt_no)
                             .having(func.count() > 1)).all()
        mine = conn.execute(select(cases.c.receipt_no, cases.c.revision).where(
            cases.c.uuid == ea["payload"]["uuid"])).one()
    assert dupes == []
    assert tuple(mine) == (ea["payload"]["receipt_no"], 1)
