"""A desk acts only for itself (SQLite and PostgreSQL): records about another desk's case —
a rating, a material supply, a revision — are refused with a reason that says nothing about
that case (a rating gets the very answer an unknown case gets, a revision the same answer
whether its content matches the other desk's or not); the owner's own records then go
through; a forged 差评 opens no callback; attachment answers never show another desk's
files or uploads, and a desk cannot restart another desk's upload."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any

import pytest
import requests
from sync_helpers import District, enroll, new_case

from sync import protocol as P
from sync.client.desk import client_for, sync_desk
from sync.client.errors import ProtocolError
from sync.district.console.store import ConsoleStore


def _push(district: District, desk: Any, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A signed batch from ``desk`` (its own id and secret), as any client could send it."""
    desk_id, secret = desk.store.get_meta("desk_id"), desk.store.get_meta("desk_secret")
    body = json.dumps({"protocol": P.PROTOCOL_VERSION, "desk_id": desk_id,
                       "batch_id": str(uuid.uuid4()), "records": records}).encode()
    h = P.signed_headers(desk_id, secret, "POST", P.PATH_BATCHES, body, time.time())
    h["Content-Type"] = "application/json"
    r = requests.post(district.url + P.PATH_BATCHES, data=body, headers=h, timeout=60)
    assert r.status_code == 200, r.text
    results: list[dict[str, Any]] = r.json()["results"]
    return results


def _rating(case_uuid: str, level: int) -> dict[str, Any]:
    return {"id": 900 + level, "kind": "rating", "case_uuid": case_uuid, "revision": 1,
            "payload": {"uuid": case_uuid, "level": level, "reason": "伪造的评价",
                        "rated_at": P.utc_now()}}


def _strip(result: dict[str, Any]) -> tuple[str, str]:
    return result["result"], result["reason"]


def test_a_desk_cannot_act_for_another_desks_case(district: District, make_desk: Any) -> None:
    a, b = make_desk("HY-QL01"), make_desk("HY-QL02", "王芳")
    enroll(district, a)
    enroll(district, b)
    case = new_case(a, "MZ-GLJT")
    assert sync_desk(a)["complete"]
    x = case["uuid"]
    held = district.storage.cases.get(x)
    assert held is not None and held["desk_id"] == a.store.get_meta("desk_id")
    payload = held["payload"]
    unknown = str(uuid.uuid4())

    # B forges: A's revision 1 verbatim (a "duplicate" would confirm its content), a
    # different revision 1, a material supply (revision 2), and a 非常不满意 rating — next
    # to a rating of a case nobody uploaded
    supplied = dict(payload, revision=2, materials_json=json.dumps({"received": ["伪造"]}),
                    updated_at=P.utc_now())
    changed = dict(payload, applicant_name="冒名顶替")
    got = _push(district, b, [
        {"id": 1, "kind": "case", "case_uuid": x, "revision": 1, "payload": payload}])
    got += _push(district, b, [
        {"id": 2, "kind": "case", "case_uuid": x, "revision": 1, "payload": changed},
        {"id": 3, "kind": "case", "case_uuid": x, "revision": 2, "payload": supplied},
        _rating(x, 1),
        _rating(unknown, 2),
    ])
    assert [r["result"] for r in got] == ["rejected"] * 5, got
    # a rating of A's case is answered exactly like one of a case the district never had
    assert _strip(got[3]) == _strip(got[4])
    # revisions: one answer, whatever their content — nothing compared with A's case
    assert _strip(got[0]) == _strip(got[1]) == _strip(got[2])
    for r in got:
        assert "其他办事点" not in r["reason"] and "冲突" not in r["reason"]
        assert r["received_at"] is None

    after = district.storage.cases.get(x)
    assert after is not None and after["revision"] == 1 and after["rating"] is None
    assert after["payload"]["applicant_name"] == payload["applicant_name"]
    assert [r["revision"] for r in after["revisions"]] == [1]

    # A's real rating is then accepted (not a conflict with B's forgery)
    a.cases.rate(x, 5, "")
    summary = sync_desk(a)
    assert summary["complete"] and summary["accepted"] == 1 and summary["conflicts"] == 0
    after = district.storage.cases.get(x)
    assert after is not None and after["rating"]["level"] == 5
    assert after["rating"]["desk_id"] == a.store.get_meta("desk_id")

    # and the console opened no 差评 callback for B's forged 非常不满意
    cs = ConsoleStore(district.storage)
    cs.readmodel.refresh()
    assert cs.callbacks.get(x) is None
    assert cs.callbacks.page("open").rows == []


def test_attachments_are_each_desks_own(district: District, make_desk: Any) -> None:
    a, b = make_desk("HY-QL01"), make_desk("HY-QL02", "王芳")
    enroll(district, a)
    enroll(district, b)
    done = b"scan of a residence booklet " * 4000
    done_sha = hashlib.sha256(done).hexdigest()
    partial = b"photo of an ID card " * 5000
    partial_sha = hashlib.sha256(partial).hexdigest()
    never = hashlib.sha256(b"nobody has this").hexdigest()
    with client_for(a) as ca, client_for(b) as cb:
        assert ca.upload_attachment(done).complete
        ca.request("PUT", f"{P.PATH_ATTACHMENTS}/{partial_sha}",
                   params={"offset": 0, "total": len(partial)}, data=partial[:30000],
                   compress=False)
        assert ca.attachment_status(partial_sha).received == 30000

        # B asks about A's complete file, A's upload in progress, and a file nobody has:
        # the same answer for all three
        def seen(sha: str) -> tuple[Any, ...]:
            st = cb.attachment_status(sha)
            return st.size, st.received, st.complete

        assert seen(done_sha) == seen(partial_sha) == seen(never) == (None, 0, False)

        # B cannot restart A's upload (another total, from zero)...
        with pytest.raises(ProtocolError) as wrong:  # B's 10 bytes are not that file
            cb.request("PUT", f"{P.PATH_ATTACHMENTS}/{partial_sha}",
                       params={"offset": 0, "total": 10}, data=b"0123456789", compress=False)
        assert wrong.value.code == P.ERR_HASH
        # ... A resumes where it was
        assert ca.attachment_status(partial_sha).received == 30000
        resumed = ca.upload_attachment(partial, chunk_size=25000)
        assert resumed.complete and resumed.created

        # B holding the same file uploads all of it (the district keeps one copy)
        mine = cb.upload_attachment(done)
        assert mine.complete and mine.created
        assert cb.attachment_status(done_sha).complete
    assert district.storage.attachments.get(done_sha) == done
    assert district.storage.stats()["attachments"] == 2


def test_a_batch_naming_another_desk_or_not_json_is_refused(district: District,
                                                            make_desk: Any) -> None:
    """Decoded in the worker thread once through the ingest's door (issue 20), a batch body
    that names another desk than its signature is refused (403) and one that is not a batch
    (422), each with its reason; nothing is stored, and the desk's own sync then goes
    through."""
    a, b = make_desk("HY-QL01"), make_desk("HY-QL02", "王芳")
    enroll(district, a)
    enroll(district, b)
    desk_id, secret = a.store.get_meta("desk_id"), a.store.get_meta("desk_secret")
    case = new_case(a, "MZ-GLJT")
    entry = a.store.sync.pending_outbox(1)[0]
    record = {k: entry[k] for k in ("id", "kind", "case_uuid", "revision", "payload")}
    for named, raw, status in (
            (b.store.get_meta("desk_id"), None, 403),
            (desk_id, b'{"protocol": 1, "desk_id": "', 422)):
        body = raw or json.dumps({"protocol": P.PROTOCOL_VERSION, "desk_id": named,
                                  "batch_id": str(uuid.uuid4()), "records": [record]},
                                 ensure_ascii=False).encode()
        h = P.signed_headers(desk_id, secret, "POST", P.PATH_BATCHES, body, time.time())
        h["Content-Type"] = "application/json"
        r = requests.post(district.url + P.PATH_BATCHES, data=body, headers=h, timeout=60)
        assert r.status_code == status, r.text
        assert ("签名不符" in r.json()["message"]) == (status == 403), r.text
        assert district.storage.cases.get(case["uuid"]) is None
    assert sync_desk(a)["complete"]
    assert district.storage.cases.get(case["uuid"]) is not None
