"""Receipt verification at the district: a code made on a desk verifies, a forged one does
not, and the answer holds nothing personal."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sync_helpers import District, DistrictProcess, enroll, new_case

from desk.core.receipts.verify import group_code, verification_code
from sync import protocol as P
from sync.client.desk import sync_desk
from sync.district.ratelimit import RateLimiter
from sync.district.storage import Storage
from sync.district.tables import rate_hits


def _verify(district: District, receipt_no: str, case_uuid: str, code: str) -> Any:
    r = requests.get(district.url + P.PATH_RECEIPT_VERIFY, timeout=10,
                     params={"receipt_no": receipt_no, "uuid": case_uuid, "code": code})
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    return r.json()


def test_a_desk_receipt_verifies_and_a_forged_one_does_not(district: District,
                                                            make_desk: Any) -> None:
    ctx, other = make_desk("HY-QL01"), make_desk("HY-QL02")
    enroll(district, ctx)
    enroll(district, other)
    case = new_case(ctx, "MZ-GLJT")
    key = ctx.store.get_meta("receipt_key")
    code = verification_code(key, case["receipt_no"], case["uuid"])

    # before the case reaches the district: the desk's key (by the receipt's desk code)
    early = _verify(district, case["receipt_no"], case["uuid"], code)
    assert (early["valid"], early["received"], early["item_name"]) == (True, False, None)

    assert sync_desk(ctx)["complete"]
    ok = _verify(district, case["receipt_no"].lower(), case["uuid"], group_code(code).lower())
    assert ok["valid"] is True and ok["received"] is True
    assert ok["item_name"] == case["item_name"]
    assert ok["accepted_date"] == case["accepted_date"]
    assert set(ok) == {"protocol", "valid", "received", "receipt_no", "item_name",
                       "accepted_date", "server_time"}
    body = str(ok)
    assert case["applicant_name"] not in body and "desk" not in body  # nothing personal

    forged = [
        (case["receipt_no"], case["uuid"], "A" * 16),  # a made-up code
        (case["receipt_no"], case["uuid"], code[:-1] + ("A" if code[-1] != "A" else "B")),
        (case["receipt_no"][:-1] + "9", case["uuid"], code),  # another number
        (case["receipt_no"], str(uuid.uuid4()), code),  # another case
        # the code of another desk's key
        (case["receipt_no"], case["uuid"],
         verification_code(other.store.get_meta("receipt_key"), case["receipt_no"],
                           case["uuid"])),
    ]
    for receipt_no, case_uuid, bad in forged:
        answer = _verify(district, receipt_no, case_uuid, bad)
        assert answer["valid"] is False, (receipt_no, case_uuid, bad)
        assert answer["item_name"] is None and answer["accepted_date"] is None

    # malformed questions are refused with a reason, never a server error
    r = requests.get(district.url + P.PATH_RECEIPT_VERIFY, timeout=10,
                     params={"receipt_no": case["receipt_no"], "uuid": "not-a-uuid", "code": code})
    assert r.status_code == 422 and "uuid" in r.json()["message"]


def test_verification_is_rate_limited_per_client(db_url: str) -> None:
    st = Storage(db_url)
    try:
        limiter = RateLimiter(st, "verify", 3)
        assert [limiter.hit("10.0.0.1") for _ in range(3)] == [0, 0, 0]
        assert 1 <= limiter.hit("10.0.0.1") <= 60
        assert limiter.hit("10.0.0.2") == 0
        assert RateLimiter(st, "unlock", 3).hit("10.0.0.1") == 0  # scopes count apart
        # the window a minute on: counted afresh
        with st.write() as conn:
            conn.execute(update(rate_hits).values(start=rate_hits.c.start - 61))
        assert limiter.hit("10.0.0.1") == 0
    finally:
        st.close()


def test_the_limit_is_shared_by_every_server_process(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Two server processes on one database allow the limit once between them, however
    many checks arrive at once at either."""
    limit, asks = 20, 60
    monkeypatch.setenv("DOORSTEP_VERIFY_RATE", str(limit))
    url = f"sqlite:///{tmp_path / 'district.sqlite3'}"
    Storage(url).close()
    servers = [DistrictProcess(url), DistrictProcess(url)]
    try:
        for s in servers:
            s.start()
        gate = threading.Barrier(asks, timeout=120)
        params = {"receipt_no": "HY-QL01-20261121-0007", "uuid": str(uuid.uuid4()),
                  "code": "ABCD-EFGH-IJKL-MNOP"}

        def ask(i: int) -> int:
            gate.wait()
            r = requests.get(servers[i % 2].url + P.PATH_RECEIPT_VERIFY, params=params,
                             timeout=120)
            if r.status_code == 429:
                assert 1 <= int(r.headers["Retry-After"]) <= 60
            return r.status_code

        with ThreadPoolExecutor(asks) as pool:
            codes = list(pool.map(ask, range(asks)))
        assert codes.count(200) == limit and codes.count(429) == asks - limit, codes
        # each process refuses now, not only the one that counted most
        for s in servers:
            assert requests.get(s.url + P.PATH_RECEIPT_VERIFY, params=params,
                                timeout=60).status_code == 429
    finally:
        for s in servers:
            s.stop()


@settings(max_examples=50, deadline=None)
@given(key=st.binary(min_size=16, max_size=32),
       receipt_no=st.from_regex(r"[A-Z]{2}-[A-Z0-9]{2,6}-20[0-9]{6}-[0-9]{4}", fullmatch=True),
       case_uuid=st.uuids())
def test_the_district_makes_the_same_code_as_the_desk(key: bytes, receipt_no: str,
                                                      case_uuid: uuid.UUID) -> None:
    code = verification_code(key.hex(), receipt_no, str(case_uuid))
    assert P.receipt_code(key.hex(), receipt_no, str(case_uuid)) == code
    assert P.receipt_code_ok(key.hex(), receipt_no, str(case_uuid), group_code(code))
