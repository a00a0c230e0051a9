"""Issue 23: the same resident applying for the same ``once`` item at two desks is flagged
at the district on both cases — race-free, on SQLite and PostgreSQL — and the flag reaches
both desks as a ``duplicate`` change that leaves the case status alone; desks that do not
understand that kind never get it and keep working."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest
from sqlalchemy import select
from sync_helpers import District, enroll, fresh_id, new_case

from sync import protocol as P
from sync.client.desk import client_for, sync_desk
from sync.district.changes_feed import changes_since
from sync.district.console.schema import search_hash
from sync.district.duplicates import case_duplicates, clear_duplicate, id_digest
from sync.district.errors import Refused
from sync.district.storage import cases, changes

N = 50


def _record(entry: dict[str, Any]) -> dict[str, Any]:
    return {"id": entry["id"], "kind": entry["kind"], "case_uuid": entry["case_uuid"],
            "revision": entry["revision"], "payload": entry["payload"]}


def _pairs(st: Any) -> list[tuple[str, str, str]]:
    with st.read() as conn:
        return sorted((r.case_uuid, r.other_uuid, r.state) for r in conn.execute(
            select(case_duplicates)))


def _dup_changes(st: Any, desk_id: str) -> list[P.Change]:
    return [c for c in changes_since(st, desk_id, 0).changes if c.kind == "duplicate"]


def test_the_resident_key_is_the_consoles_id_digest() -> None:
    for pid in ("420105194501010017", "42010519400101002x", " 420105 19400101002X "):
        assert id_digest(pid) == search_hash("id", pid)


def test_two_desks_racing_give_exactly_one_flag_pair(district: District,
                                                     make_desk: Any) -> None:
    """50 ingests at once of two desks' batches (each desk's case of the same resident and
    高龄津贴, a lifetime item; each ingest a new batch id, so each is decided again): one
    flag pair, told once to each desk."""
    a, b = make_desk("HY-QL03"), make_desk("HY-QL04")
    ids = [enroll(district, a)["desk_id"], enroll(district, b)["desk_id"]]
    ca, cb = new_case(a), new_case(b)  # the example's resident at both desks
    batches = [[_record(e) for e in a.store.sync.pending_outbox()],
               [_record(e) for e in b.store.sync.pending_outbox()]]
    st = district.storage
    gate = Barrier(N)

    def attempt(i: int) -> dict[str, Any]:
        gate.wait(timeout=60)
        answer: dict[str, Any] = st.ingest.batch(ids[i % 2], str(uuid.uuid4()),
                                                 batches[i % 2])
        return answer

    with ThreadPoolExecutor(N) as pool:
        answers = list(pool.map(attempt, range(N)))
    results = [r["result"] for ans in answers for r in ans["results"]]
    assert results.count("accepted") == 2 and results.count("duplicate") == N - 2
    assert _pairs(st) == sorted([(ca["uuid"], cb["uuid"], "flagged"),
                                 (cb["uuid"], ca["uuid"], "flagged")])
    for desk_id, mine, other in ((ids[0], ca, cb), (ids[1], cb, ca)):
        (change,) = _dup_changes(st, desk_id)
        assert change.case_uuid == mine["uuid"] and change.status == "flagged"
        note = P.DuplicateNote.model_validate(change.duplicate)
        assert note.other_receipt_no == other["receipt_no"]
        assert other["receipt_no"] in change.note and "重复申请" in change.note
        assert other["uuid"] not in change.model_dump_json()  # nothing of the other case's id
    with st.read() as conn:  # the case status is left alone
        assert set(conn.execute(select(cases.c.district_status)).scalars()) == {"received"}
        assert conn.execute(select(changes.c.kind).where(
            changes.c.kind == "status")).first() is None


def test_many_residents_racing_each_get_one_pair(district: District, make_desk: Any) -> None:
    """25 residents, each at both desks, all 50 batches at once: 25 pairs, none across
    residents."""
    a, b = make_desk("HY-QL03"), make_desk("HY-QL04")
    ids = [enroll(district, a)["desk_id"], enroll(district, b)["desk_id"]]
    people = [fresh_id(n=i) for i in range(N // 2)]
    made = {p: (new_case(a, applicant_id=p), new_case(b, applicant_id=p)) for p in people}
    entries = [{e["case_uuid"]: e for e in ctx.store.sync.pending_outbox(limit=500)}
               for ctx in (a, b)]
    jobs = [(k, [_record(entries[k][made[p][k]["uuid"]])]) for p in people for k in (0, 1)]
    st = district.storage
    gate = Barrier(N)

    def attempt(job: tuple[int, list[dict[str, Any]]]) -> None:
        gate.wait(timeout=60)
        st.ingest.batch(ids[job[0]], str(uuid.uuid4()), job[1])

    with ThreadPoolExecutor(N) as pool:
        list(pool.map(attempt, jobs))
    want = sorted(x for p in people for x in (
        (made[p][0]["uuid"], made[p][1]["uuid"], "flagged"),
        (made[p][1]["uuid"], made[p][0]["uuid"], "flagged")))
    assert _pairs(st) == want
    assert len(_dup_changes(st, ids[0])) == len(people) == len(_dup_changes(st, ids[1]))


def test_window_exceptions_and_same_desk(district: District, make_desk: Any) -> None:
    """Not flagged: another resident; the same desk (its own rule refused or allowed it);
    a case saved as the item's allowed exception; an earlier application the district
    rejected; a while_open item whose earlier case is completed."""
    a, b = make_desk("HY-QL03"), make_desk("HY-QL04")
    enroll(district, a)
    enroll(district, b)
    st = district.storage
    pid = fresh_id(n=901)
    new_case(a, applicant_id=pid)
    new_case(b, applicant_id=fresh_id(n=902))  # another resident
    first = new_case(a, applicant_id=fresh_id(n=903))
    ex = dict(b.catalog.get("MZ-GLJT").example, applicant_id=fresh_id(n=903),
              duplicate_exception="变更")
    b.cases.submit("MZ-GLJT", ex, b.actor())  # the allowed exception
    rejected = new_case(a, applicant_id=fresh_id(n=904))
    assert sync_desk(a)["complete"] and sync_desk(b)["complete"]
    st.decisions.set_status(rejected["uuid"], "rejected", note="不符合条件")
    new_case(b, applicant_id=fresh_id(n=904))  # after a rejection: allowed
    assert sync_desk(b)["complete"]
    assert _pairs(st) == []
    assert first["uuid"]


def test_cleared_as_not_a_duplicate_reaches_both_desks(district: District,
                                                       make_desk: Any) -> None:
    a, b = make_desk("HY-QL03"), make_desk("HY-QL04")
    ida, idb = enroll(district, a)["desk_id"], enroll(district, b)["desk_id"]
    ca, cb = new_case(a), new_case(b)
    assert sync_desk(a)["complete"] and sync_desk(b)["complete"]
    st = district.storage
    with pytest.raises(Refused) as why:
        clear_duplicate(st, ca["uuid"], cb["uuid"], note=" ", actor="rev")
    assert str(why.value.message).startswith("note:")
    seen: list[dict[str, Any]] = []
    out = clear_duplicate(st, ca["uuid"], cb["uuid"], note="两人同名同号系录入错误已更正",
                          actor="rev", audit=lambda conn, res: seen.append(res))
    assert out["desks_told"] == 2 and seen == [out]
    assert {s for *_, s in _pairs(st)} == {"cleared"}
    for desk_id in (ida, idb):
        states = [c.status for c in _dup_changes(st, desk_id)]
        assert states == ["flagged", "cleared"]
    with pytest.raises(Refused):
        clear_duplicate(st, cb["uuid"], ca["uuid"], note="再次核实", actor="rev")
    # the desks pull it: the note says cleared, the case status untouched
    assert sync_desk(a)["complete"]
    (n,) = a.store.sync.duplicate_notes(ca["uuid"])
    assert n["state"] == "cleared" and n["other_receipt_no"] == cb["receipt_no"]
    assert a.store.sync.duplicate_flagged([ca["uuid"]]) == set()
    assert a.store.get_case(ca["uuid"])["district_status"] in (None, "", "received")


def test_an_old_desk_never_gets_the_new_kind_and_keeps_working(district: District,
                                                               make_desk: Any) -> None:
    """A desk that names the kinds it knows (without ``duplicate``) or names none (the
    first protocol-1 desks) is not sent the note, and its pulls go on as before."""
    a, b = make_desk("HY-QL03"), make_desk("HY-QL04")
    ida = enroll(district, a)["desk_id"]
    enroll(district, b)
    ca, _cb = new_case(a), new_case(b)
    assert sync_desk(a)["complete"] and sync_desk(b)["complete"]
    st = district.storage
    st.decisions.set_status(ca["uuid"], "accepted", note="材料齐全")
    old_kinds = [k for k in P.CHANGE_KINDS if k != "duplicate"]
    old = changes_since(st, ida, 0, kinds=old_kinds)
    assert [c.kind for c in old.changes] == ["status"]
    first = changes_since(st, ida, 0, kinds=P.BASE_CHANGE_KINDS)
    assert [c.kind for c in first.changes] == ["status"]
    # over HTTP, as an old desk asks (its kinds, or none): nothing of the new kind
    client = client_for(a)
    for kinds in (",".join(old_kinds), ""):
        params: dict[str, Any] = {"since": 0, "limit": 500}
        if kinds:
            params["kinds"] = kinds
        got = client._call(P.ChangesResponse, "GET", P.PATH_CHANGES, params=params)
        assert [c.kind for c in got.changes] == ["status"]
    assert _dup_changes(st, ida)  # a desk that understands the kind does get it


def test_a_resident_received_before_revision_0008_is_still_found(district: District,
                                                                 make_desk: Any) -> None:
    """A lock row made by the duplicate check's upsert means no case of that resident and
    item exists (PostgreSQL skips the read, issue 20): a district whose cases came before
    revision 0008 — cases indexed by resident, no lock rows — gets them from the upgrade,
    and the other desk's application is still flagged."""
    from alembic import command
    from sqlalchemy import text

    from sync.district import migrations
    from sync.district.duplicates import resident_locks

    a, b = make_desk("HY-QL05"), make_desk("HY-QL06")
    enroll(district, a)
    enroll(district, b)
    st = district.storage
    pid = fresh_id(n=905)
    first = new_case(a, applicant_id=pid)
    new_case(a, applicant_id=fresh_id(n=906))
    assert sync_desk(a)["complete"]
    with st.write() as conn:  # as before revision 0008: cases indexed, no lock rows
        conn.execute(resident_locks.delete())
        conn.execute(text("UPDATE alembic_version SET version_num = '0007'"))
        command.upgrade(migrations.config(conn), "head")
        locks = sorted(r.id_hash for r in conn.execute(select(resident_locks)))
        indexed = sorted(r.resident_hash for r in conn.execute(
            select(cases.c.resident_hash).where(cases.c.resident_hash.is_not(None))))
    assert locks == indexed and len(locks) == 2
    second = new_case(b, applicant_id=pid)
    assert sync_desk(b)["complete"]
    assert _pairs(st) == sorted([(first["uuid"], second["uuid"], "flagged"),
                                 (second["uuid"], first["uuid"], "flagged")])


def _resident_case(n: int, pid: str, code: str) -> dict[str, Any]:
    u = str(uuid.uuid4())
    return {"id": n, "kind": "case", "case_uuid": u, "revision": 1, "payload": {
        "uuid": u, "receipt_no": f"{code}-20261205-{n:04d}", "item_code": "MZ-GLJT",
        "item_name": "高龄津贴申领", "department": "民政", "catalog_version": "t",
        "status": "accepted", "revision": 1, "applicant_name": "王桂兰",
        "created_at": "2026-12-05T08:00:00.000+00:00",
        "updated_at": "2026-12-05T08:00:00.000+00:00", "desk_code": code,
        "data_json": json.dumps({"fields": {"applicant_id": pid}}), "materials_json": "{}"}}


def test_a_new_resident_is_not_read_for_duplicates_on_postgres(db_url: str) -> None:
    """PostgreSQL: a batch whose residents no case has had sends no read of other desks'
    cases (each lock row was made by the batch's upsert, issue 20); a later batch reads only
    the resident another desk already has — and flags that pair. SQLite reads them all."""
    from sqlalchemy import event

    from sync.district.storage import Storage

    st = Storage(db_url)
    sqlite = st.is_sqlite
    read: list[set[str]] = []

    def note(_c: Any, _cur: Any, statement: str, params: Any, *_a: Any) -> None:
        if "WHERE resident_hash" in statement:
            flat = [x for p in params for x in (p if isinstance(p, list) else [p])]
            read.append({x for x in flat if isinstance(x, str) and len(x) == 24})

    event.listen(st.engine, "before_cursor_execute", note)
    try:
        pids = [fresh_id(n=920 + i) for i in range(30)]
        answer = st.ingest.batch("desk-a", str(uuid.uuid4()), [
            _resident_case(i + 1, pid, "HY-QL01") for i, pid in enumerate(pids)])
        assert {r["result"] for r in answer["results"]} == {"accepted"}, answer
        assert read == ([{id_digest(p) for p in pids}] if sqlite else []), read
        read.clear()
        other = fresh_id(n=960)
        answer = st.ingest.batch("desk-b", str(uuid.uuid4()), [
            _resident_case(1, pids[0], "HY-QL02"), _resident_case(2, other, "HY-QL02")])
        assert {r["result"] for r in answer["results"]} == {"accepted"}, answer
        assert read == [{id_digest(pids[0])} | ({id_digest(other)} if sqlite else set())]
        assert len(_pairs(st)) == 2  # the resident both desks took: flagged, both ways
    finally:
        event.remove(st.engine, "before_cursor_execute", note)
        st.close()
