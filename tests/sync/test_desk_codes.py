"""Desk codes unique among active desks; receipt numbers unique district-wide (issue 21
item 2). Real district server and storage over SQLite and PostgreSQL; 50 attempts at once."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sync_helpers import District, enroll, new_case

from sync import protocol as P
from sync.client.desk import sync_desk
from sync.client.errors import SyncError
from sync.district.desk_codes import receipt_numbers
from sync.district.errors import DistrictError, Refused
from sync.district.storage import cases, desks

N = 50


def _enroll_req(code: str) -> P.EnrollRequest:
    return P.EnrollRequest(code=code, desk_code="", desk_name="", receipt_key="ab" * 32,
                           client_version="test", previous_desk_id="")


@pytest.mark.parametrize("bad", ["汉阳 01", "hy_ql01", "HYQL01", "H-QL01", "", "HY-QL01-X"])
def test_desk_code_format_checked_on_the_server(district: District, bad: str) -> None:
    with pytest.raises(Refused, match="格式不对") as info:
        district.storage.desks.create_enroll_code(bad, "七里一村社区流动办事点")
    assert info.value.extra.get("field") == "desk_code"


def test_lower_case_is_the_same_code(district: District) -> None:
    district.storage.desks.create_enroll_code(" hy-ql01 ", "七里一村社区流动办事点")


def test_code_of_an_active_desk_only_by_explicit_replacement(district: District,
                                                             make_desk: Any) -> None:
    old = make_desk("HY-QL01")
    info = enroll(district, old)
    st = district.storage
    with pytest.raises(Refused, match="正由在用的办事点") as refused:
        st.desks.create_enroll_code("HY-QL01", "七里一村社区流动办事点")
    assert refused.value.extra["desk_id"] == info["desk_id"]
    assert f"--replaces {info['desk_id']}" in refused.value.message
    with pytest.raises(Refused, match="不是 HY-QL02"):
        st.desks.create_enroll_code("HY-QL02", "别的办事点", replaces=info["desk_id"])
    code = st.desks.create_enroll_code("HY-QL01", "七里一村社区流动办事点", replaces=info["desk_id"])
    assert st.desks.get(info["desk_id"])["revoked_at"] is None  # not until the new one enrolls
    new = st.desks.enroll(_enroll_req(code))
    assert new.desk_code == "HY-QL01"
    assert st.desks.get(info["desk_id"])["revoked_at"] is not None
    summary = sync_desk(old)  # the old laptop is refused from now on
    assert summary["error"] is not None and not summary["complete"]


def test_two_active_desks_never_hold_one_code(district: District) -> None:
    """50 laptops enroll under the same desk code at the same moment (50 codes issued
    before any enrolled): exactly one succeeds; the others get a reason."""
    st = district.storage
    codes = [st.desks.create_enroll_code("HY-QL02", "琴断口办事点") for _ in range(N)]
    gate = Barrier(N)

    def attempt(code: str) -> Any:
        gate.wait(timeout=60)
        try:
            return st.desks.enroll(_enroll_req(code))
        except DistrictError as exc:
            return exc

    with ThreadPoolExecutor(N) as pool:
        outcomes = list(pool.map(attempt, codes))
    won = [o for o in outcomes if isinstance(o, P.EnrollResponse)]
    lost = [o for o in outcomes if isinstance(o, DistrictError)]
    assert len(won) == 1 and len(lost) == N - 1
    assert all("HY-QL02 已由另一台在用的电脑注册" in e.message for e in lost)
    with st.read() as conn:
        active = conn.execute(select(desks.c.desk_id).where(
            desks.c.desk_code == "HY-QL02", desks.c.revoked_at.is_(None))).all()
    assert len(active) == 1
    # the database itself refuses a second active desk under the code
    with pytest.raises(IntegrityError), st.write() as conn:
        conn.execute(insert(desks).values(
            desk_id="desk-sneaky", desk_code="HY-QL02", name="x", secret="s",
            receipt_key="k", enrolled_at=P.utc_now()))


def _record(payload: dict[str, Any], rid: int) -> dict[str, Any]:
    return {"id": rid, "kind": "case", "case_uuid": payload["uuid"], "revision": 1,
            "payload": payload}


def test_receipt_numbers_unique_district_wide(district: District, make_desk: Any) -> None:
    """50 cases with one receipt number arrive at once from two desks: one is accepted, the
    49 others are rejected with a reason the worker understands."""
    a, b = make_desk("HY-QL03"), make_desk("HY-QL04")
    ids = [enroll(district, a)["desk_id"], enroll(district, b)["desk_id"]]
    new_case(a)
    (entry,) = a.store.sync.pending_outbox()
    base = entry["payload"]
    st = district.storage
    gate = Barrier(N)

    def attempt(i: int) -> dict[str, Any]:
        payload = dict(base, uuid=str(uuid.uuid4()))
        gate.wait(timeout=60)
        answer: dict[str, Any] = st.ingest.batch(ids[i % 2], str(uuid.uuid4()),
                                                 [_record(payload, 1)])
        return answer

    with ThreadPoolExecutor(N) as pool:
        answers = list(pool.map(attempt, range(N)))
    results = [ans["results"][0] for ans in answers]
    assert sum(r["result"] == "accepted" for r in results) == 1
    refused = [r for r in results if r["result"] != "accepted"]
    assert len(refused) == N - 1 and all(r["result"] == "rejected" for r in refused)
    assert all(f"回执编号 {base['receipt_no']} 在区级已被另一件案件使用" in r["reason"]
               for r in refused)
    with st.read() as conn:
        assert conn.execute(select(cases.c.uuid).where(
            cases.c.receipt_no == base["receipt_no"])).all().__len__() == 1
        held = conn.execute(select(receipt_numbers.c.case_uuid).where(
            receipt_numbers.c.receipt_no == base["receipt_no"])).scalar()
    accepted_uuid = next(r["case_uuid"] for r in results if r["result"] == "accepted")
    assert held == accepted_uuid
    # the real desk's own case, sent later, is refused with the reason shown to the worker
    summary = sync_desk(a)
    assert summary["rejected"] == 1
    (aside,) = a.store.sync.set_aside()
    assert "回执编号" in aside["last_error"] and "联系区级管理员" in aside["last_error"]


def test_enroll_code_cli_replaces(district: District, make_desk: Any, tmp_path: Any) -> None:
    old = make_desk("HY-QL05")
    info = enroll(district, old)
    cmd = [sys.executable, "-m", "sync.district.cli", "--db", district.db_url, "enroll-code",
           "--desk-code", "HY-QL05", "--name", "新电脑", "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert "正由在用的办事点" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([*cmd, "--replaces", info["desk_id"]], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["replaces"] == info["desk_id"]
    bad = subprocess.run([*cmd[:6], "--desk-code", "汉阳 01", "--name", "x"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 1 and "格式不对" in bad.stderr


def test_enrolling_desk_hears_the_reason(district: District, make_desk: Any) -> None:
    first, second = make_desk("HY-QL06"), make_desk("HY-QL06")
    c1 = district.code("HY-QL06")
    c2 = district.code("HY-QL06")  # two codes issued before either laptop enrolled
    from sync.client.desk import enroll_desk

    enroll_desk(first, district.url, c1)
    with pytest.raises(SyncError) as info:
        enroll_desk(second, district.url, c2)
    assert "已由另一台在用的电脑注册" in info.value.message


def test_an_existing_database_gets_the_constraints(db_url: str, make_desk: Any,
                                                   caplog: Any) -> None:
    """A district database from before: the index is added and receipt numbers filled in
    when the server starts; two active desks already sharing a code are reported, and the
    server still starts."""
    from sqlalchemy import inspect, text

    from sync.district.storage import Storage

    d = District(db_url)
    try:
        desk = make_desk("HY-QL08")
        enroll(d, desk)
        case = new_case(desk)
        assert sync_desk(desk)["complete"]
        with d.storage.write() as conn:
            conn.execute(text("DROP INDEX desks_active_code"))
            conn.execute(text("DELETE FROM receipt_numbers"))
            conn.execute(insert(desks).values(  # a duplicate made before the constraint
                desk_id="desk-twin", desk_code="HY-QL08", name="x", secret="s",
                receipt_key="k", enrolled_at=P.utc_now()))
    finally:
        d.stop()
    st = Storage(db_url)
    try:
        assert "HY-QL08" in caplog.text  # reported: two active desks hold it
        with st.read() as conn:
            held = conn.execute(select(receipt_numbers.c.case_uuid).where(
                receipt_numbers.c.receipt_no == case["receipt_no"])).scalar()
        assert held == case["uuid"]
        st.desks.revoke("desk-twin")
    finally:
        st.close()
    st = Storage(db_url)  # the duplicate gone: the index is created
    try:
        with st.read() as conn:
            names = {i["name"] for i in inspect(conn).get_indexes("desks")}
        assert "desks_active_code" in names
    finally:
        st.close()
