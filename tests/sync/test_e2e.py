"""End to end: real desks, a real district server on a free port, SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import json
import logging
import re
import sqlite3
import threading
import uuid
from typing import Any

import pytest
from sync_helpers import District, enroll, new_case

from sync import protocol as P
from sync import reasons
from sync.client.desk import client_for, enroll_desk, sync_desk
from sync.client.errors import AuthError, ConflictError


def _push_records(ctx: Any, records: list[dict[str, Any]],
                  batch_id: uuid.UUID | None = None) -> P.BatchResponse:
    with client_for(ctx) as c:
        return c.push(P.BatchRequest(desk_id=c.desk_id or "", batch_id=batch_id or uuid.uuid4(),
                                     records=records))


def _records(ctx: Any) -> list[dict[str, Any]]:
    return [{"id": e["id"], "kind": e["kind"], "case_uuid": e["case_uuid"],
             "revision": e["revision"], "payload": e["payload"]}
            for e in ctx.store.sync.pending_outbox(1000)]


def test_enroll_push_and_pull_statuses(district: District, make_desk: Any) -> None:
    ctx = make_desk()
    info = enroll(district, ctx)
    assert info["desk_code"] == "HY-QL01" and info["desk_id"].startswith("desk-")
    assert "desk_secret" not in info and ctx.store.get_meta("desk_secret")
    assert len(ctx.store.get_meta("receipt_key") or "") == 64
    desk_row = district.storage.desks.get(info["desk_id"])
    assert desk_row is not None and desk_row["receipt_key"] == ctx.store.get_meta("receipt_key")

    cases = [new_case(ctx, "MZ-GLJT"), new_case(ctx, "MZ-DB"), new_case(ctx, "YJS-CS")]
    ctx.cases.rate(cases[0]["uuid"], 5, "很方便")
    summary = sync_desk(ctx)
    assert summary["complete"] is True and summary["error"] is None
    assert (summary["pushed"], summary["accepted"], summary["rejected"]) == (4, 4, 0)
    stats = district.storage.stats()
    assert (stats["cases"], stats["batches"], stats["desks"], stats["ratings"]) == (3, 1, 1, 1)

    # the district keeps the desk's clock and its own receive time
    glj = district.storage.cases.get(cases[0]["uuid"])
    assert glj is not None and glj["desk_created_at"] == cases[0]["created_at"]
    assert glj["received_at"] and glj["payload"]["receipt_no"] == cases[0]["receipt_no"]
    local = ctx.store.get_case(cases[0]["uuid"])
    assert local["sync_state"] == "synced" and local["district_received_at"] == glj["received_at"]

    # a bundle (一件事) case fans out to each member item's department
    bundle = district.storage.cases.get(cases[2]["uuid"])
    assert bundle is not None
    members = ctx.catalog.get("YJS-CS").bundle
    assert [r["item_code"] for r in bundle["routes"]] == sorted(members)
    assert {r["department"] for r in bundle["routes"]} == {
        ctx.catalog.get(m).department for m in members}

    st = district.storage
    st.decisions.set_status(cases[0]["uuid"], "accepted")
    st.decisions.set_status(cases[1]["uuid"], "needs_correction", note="请补交近三个月收入证明")
    st.decisions.set_status(cases[2]["uuid"], "routed", department="公安", note="转派出所")
    summary = sync_desk(ctx)
    assert summary["complete"] and summary["pulled"] == 3 and summary["pushed"] == 0
    a, b, c = (ctx.store.get_case(x["uuid"]) for x in cases)
    assert a["district_status"] == "accepted"
    assert (b["district_status"], b["district_note"]) == ("needs_correction", "请补交近三个月收入证明")
    assert (c["district_status"], c["district_department"]) == ("routed", "公安")
    assert any(h["action"] == "district.status" for h in ctx.store.history(cases[1]["uuid"]))

    # pulling again is a no-op; the cursor is stored
    again = sync_desk(ctx)
    assert again["complete"] and again["pulled"] == 0 and again["cursor"] == summary["cursor"]


def test_enrollment_code_is_one_time(district: District, make_desk: Any) -> None:
    a, b = make_desk(), make_desk("HY-QL02")
    code = district.code("HY-QL09", "九号点")
    assert enroll_desk(a, district.url, code)["desk_code"] == "HY-QL09"
    assert a.settings.desk_code == "HY-QL09"  # the district's code is adopted
    with pytest.raises(AuthError) as err:
        enroll_desk(b, district.url, code)
    assert err.value.code == P.ERR_BAD_CODE and "注册码" in err.value.message
    with pytest.raises(AuthError):
        enroll_desk(b, district.url, "AAAA-BBBB-CCCC")
    assert not sync_desk(make_desk("HY-QL03"))["complete"]  # never enrolled


def test_catalog_published_reaches_every_desk_statuses_only_their_own(
        district: District, make_desk: Any) -> None:
    a, b = make_desk("HY-QL01"), make_desk("HY-QL02")
    enroll(district, a)
    enroll(district, b)
    ca, cb = new_case(a), new_case(b, "MZ-DB")
    assert sync_desk(a)["complete"] and sync_desk(b)["complete"]
    body = copy.deepcopy(a.catalog.to_json())
    body["version"] = a.catalog.version + ".district2"
    out = district.storage.catalogs.publish(body)
    assert out["published"] is True
    assert district.storage.catalogs.publish(body)["published"] is False  # idempotent
    district.storage.decisions.set_status(ca["uuid"], "completed")
    sa, sb = sync_desk(a), sync_desk(b)
    assert (sa["pulled"], sb["pulled"]) == (2, 1)
    assert a.catalog.version == b.catalog.version == body["version"]
    assert a.store.get_case(ca["uuid"])["district_status"] == "completed"
    assert b.store.get_case(cb["uuid"])["district_status"] is None


def test_replayed_batch_returns_the_stored_answer(district: District, make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    for _ in range(3):
        new_case(ctx)
    records = _records(ctx)
    batch_id = uuid.uuid4()
    first = _push_records(ctx, records, batch_id)
    second = _push_records(ctx, records, batch_id)
    assert not first.replayed and second.replayed
    assert [r.model_dump() for r in first.results] == [r.model_dump() for r in second.results]
    assert [r.result for r in first.results] == ["accepted"] * 3
    assert district.storage.stats()["batches"] == 1
    # the same records in a new batch: every one a duplicate, nothing doubled
    third = _push_records(ctx, records)
    assert [r.result for r in third.results] == ["duplicate"] * 3
    assert district.storage.stats()["cases"] == 3
    # a batch id reused for other content is refused
    with pytest.raises(ConflictError) as err:
        _push_records(ctx, records[:1], batch_id)
    assert err.value.code == P.ERR_BATCH_CONFLICT


def test_same_revision_other_content_is_a_conflict_never_an_overwrite(
        district: District, make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    case = new_case(ctx)
    assert sync_desk(ctx)["complete"]
    # someone else's revision 2 (e.g. a desk restored from an old backup) reaches the district
    rec = _records(ctx) or []
    assert rec == []
    forged = ctx.store.sync.outbox_entries([1])[0]
    payload = dict(forged["payload"], revision=2, applicant_name="冒名", updated_at=P.utc_now())
    resp = _push_records(ctx, [{"id": 99, "kind": "case", "case_uuid": case["uuid"],
                                "revision": 2, "payload": payload}])
    assert resp.results[0].result == "accepted"
    # the desk's own revision 2 differs: conflict, set aside with its reason
    ctx.store.update_case(case["uuid"], {"priority": 1}, "刘晓燕", "case.edit", {})
    summary = sync_desk(ctx)
    assert summary["conflicts"] == 1 and summary["pending"] == 0 and summary["set_aside"] == 1
    aside = ctx.store.sync.set_aside()
    assert aside[0]["state"] == "conflict" and "冲突" in aside[0]["last_error"]
    assert ctx.store.get_case(case["uuid"])["sync_state"] == "conflict"
    stored = district.storage.cases.get(case["uuid"])
    assert stored is not None and stored["payload"]["applicant_name"] == "冒名"  # not overwritten
    assert [r["result"] for r in district.storage.cases.rejections()] == ["conflict"]


def test_edit_of_a_case_the_district_closed_is_refused(district: District,
                                                       make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    done, refused = new_case(ctx), new_case(ctx, "MZ-DB")
    assert sync_desk(ctx)["complete"]
    district.storage.decisions.set_status(done["uuid"], "completed")
    district.storage.decisions.set_status(refused["uuid"], "rejected", note="不符合低保条件")
    for c in (done, refused):
        ctx.store.update_case(c["uuid"], {"priority": 1}, "刘晓燕", "case.edit", {})
    summary = sync_desk(ctx)
    assert summary["rejected"] == 2 and summary["accepted"] == 0
    reasons = {a["case_uuid"]: a["last_error"] for a in ctx.store.sync.set_aside()}
    assert "已办结" in reasons[done["uuid"]] and "不予办理" in reasons[refused["uuid"]]
    assert district.storage.cases.get(done["uuid"])["revision"] == 1
    assert ctx.store.get_case(refused["uuid"])["district_note"] == "不符合低保条件"
    with pytest.raises(Exception, match="已办结"):
        district.storage.decisions.set_status(done["uuid"], "accepted")


def test_one_bad_record_is_rejected_while_the_rest_is_accepted(
        district: District, make_desk: Any, caplog: pytest.LogCaptureFixture) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    for _ in range(3):
        new_case(ctx)
    records = _records(ctx)
    bad_payload = dict(records[1]["payload"])
    del bad_payload["item_code"]
    records[1] = dict(records[1], payload=bad_payload)
    records.insert(2, {"id": 50, "kind": "parcel"})
    records.append({"id": 51, "kind": "rating", "case_uuid": records[0]["case_uuid"],
                    "revision": 1, "payload": {"uuid": records[0]["case_uuid"], "level": 9,
                                               "rated_at": P.utc_now()}})
    with caplog.at_level(logging.WARNING, logger="sync.district.ingest"):
        resp = _push_records(ctx, records)
    got = [(r.result, r.reason) for r in resp.results]
    assert [g[0] for g in got] == ["accepted", "rejected", "rejected", "accepted", "rejected"]
    # the worker reads which part could not be read and what to do, in plain Chinese
    assert "事项编码" in got[1][1] and "记录类型" in got[2][1] and "评价等级" in got[4][1]
    for _, reason in (got[1], got[2], got[4]):
        assert "升级" in reason and "技术支持" in reason
        assert not re.search(r"[A-Za-z]{3,}", reason), reason  # no validator text, no paths
    # the technical detail is in the district's log
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "payload.item_code: Field required" in logged and "payload.level" in logged
    assert district.storage.stats()["cases"] == 2
    assert len(district.storage.cases.rejections()) == 3


def test_worker_sees_a_plain_reason_for_a_record_the_district_cannot_read(
        district: District, make_desk: Any) -> None:
    """A malformed outbox entry (a desk bug) is set aside with a sentence the worker can
    act on, on the sync page's list and on the case."""
    ctx = make_desk()
    enroll(district, ctx)
    good, bad = new_case(ctx), new_case(ctx)
    ctx.store.sync.queue_waiting()  # their outbox entries (the window's tidy makes them)
    conn = sqlite3.connect(ctx.paths.db)
    row = conn.execute("SELECT id, payload_json FROM outbox JOIN outbox_payloads USING (id) WHERE case_uuid = ?",
                       [bad["uuid"]]).fetchone()
    payload = json.loads(row[1])
    payload["item_code"] = "mz_gljt"  # what a buggy desk build might send
    with conn:
        conn.execute("UPDATE outbox_payloads SET payload_json = ? WHERE id = ?",
                     [json.dumps(payload, ensure_ascii=False), row[0]])
    conn.close()
    summary = sync_desk(ctx)
    assert (summary["accepted"], summary["rejected"]) == (1, 1)
    (aside,) = ctx.store.sync.set_aside()
    assert aside["case_uuid"] == bad["uuid"]
    assert aside["last_error"] == reasons.malformed([("payload", "item_code")])
    assert "事项编码" in aside["last_error"] and "pattern" not in aside["last_error"]
    assert ctx.store.get_case(bad["uuid"])["sync_state"] == "rejected"
    assert ctx.store.get_case(good["uuid"])["sync_state"] == "synced"


def test_an_older_districts_technical_reason_is_shown_plainly() -> None:
    legacy = ("格式错误 payload.item_code: String should match pattern "
              "'^[A-Z]{2,4}-[A-Z0-9]{2,10}$'; revision: Input should be greater than or "
              "equal to 1")
    plain = reasons.for_worker(legacy)
    assert plain.startswith("区级系统读不懂这条记录的事项编码、修改版本号")
    assert not re.search(r"[A-Za-z]{3,}", plain)
    assert reasons.for_worker("格式错误 payload: uuid/revision differ from the record's") \
        == reasons.MISMATCH
    assert reasons.for_worker("该案件由其他办事点上传，本办事点不能修改") == \
        "该案件由其他办事点上传，本办事点不能修改"


def test_the_same_batch_sent_concurrently_twice(district: District, make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    for _ in range(40):
        new_case(ctx)
    records = _records(ctx)
    batch_id = uuid.uuid4()
    answers: list[P.BatchResponse] = []
    errors: list[BaseException] = []
    go = threading.Barrier(2)

    def push() -> None:
        try:
            go.wait(timeout=10)
            answers.append(_push_records(ctx, records, batch_id))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=push) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and len(answers) == 2
    assert sorted(a.replayed for a in answers) == [False, True]
    assert [r.result for r in answers[0].results] == [r.result for r in answers[1].results]
    assert {r.result for r in answers[0].results} == {"accepted"}
    assert district.storage.stats()["cases"] == 40
    assert district.storage.stats()["revisions"] == 40


def test_cli_contract(district: District, make_desk: Any, tmp_path: Any) -> None:
    import subprocess
    import sys

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True,
                              timeout=120, env=dict(__import__("os").environ,
                                                    PYTHONIOENCODING="utf-8"))

    out = run("sync.district.cli", "--db", district.db_url, "enroll-code",
              "--desk-code", "HY-QL07", "--name", "七号点")
    assert out.returncode == 0, out.stderr
    code = out.stdout.strip()
    assert len(code) == 14
    ctx = make_desk("HY-QL07")
    new_case(ctx)
    new_case(ctx, "MZ-DB")
    data_dir = str(ctx.paths.data_dir)
    ctx.close()
    out = run("desk.cli", "--data-dir", data_dir, "enroll", "--server", district.url,
              "--code", code)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["desk_code"] == "HY-QL07"
    assert "secret" not in out.stdout
    out = run("desk.cli", "--data-dir", data_dir, "sync")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    for key in ("pushed", "accepted", "duplicates", "conflicts", "rejected", "pulled"):
        assert key in summary
    assert (summary["pushed"], summary["accepted"], summary["complete"]) == (2, 2, True)
    out = run("sync.district.cli", "--db", district.db_url, "stats", "--json")
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert (stats["cases"], stats["batches"], stats["desks"]) == (2, 1, 1)
    desk_id = json.loads(run("sync.district.cli", "--db", district.db_url, "desks",
                             "--json").stdout)[0]["desk_id"]
    assert run("sync.district.cli", "--db", district.db_url, "revoke",
               "--desk-id", desk_id).returncode == 0
    out = run("desk.cli", "--data-dir", data_dir, "sync")
    assert out.returncode == 1
    assert json.loads(out.stdout)["error"]["code"] == P.ERR_REVOKED


def test_setup_never_replaces_the_desk_code_the_district_issued(
        district: District, make_desk: Any) -> None:
    """`setup` on an enrolled desk keeps the district's code: a different one is refused
    (exit 2, naming the field and the rule); the same code with a new worker is fine."""
    import subprocess
    import sys

    ctx = make_desk("HY-QL07")
    enroll(district, ctx)
    folder = ctx.paths.data_dir
    ctx.close()

    def setup(code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "desk.cli", "--data-dir", str(folder),
                               "setup", "--desk-code", code, "--worker", "王芳"],
                              capture_output=True, text=True, timeout=120)

    refused = setup("hy-zj02")
    assert refused.returncode == 2, refused.stderr
    assert "desk_code: [enrolled]" in refused.stderr and "HY-QL07" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert '"HY-QL07"' in (folder / "settings.json").read_text("utf-8")
    kept = setup("HY-QL07")
    assert kept.returncode == 0, kept.stderr
    assert '"王芳"' in (folder / "settings.json").read_text("utf-8")


def test_a_damaged_settings_file_keeps_the_enrolled_desk_code(
        district: District, make_desk: Any) -> None:
    """The district issued this desk its code; losing settings.json to damage brings the
    same code back (from the store), so receipts and sync go on under it."""
    from desk.core.app import DeskContext

    ctx = make_desk("HY-QL07")
    enroll(district, ctx)
    new_case(ctx)
    folder = ctx.paths.data_dir
    ctx.close()
    (folder / "settings.json").write_text('{"desk_code": "HY-QL07", "serv', "utf-8")
    again = DeskContext.open(str(folder))
    try:
        assert again.settings.desk_code == "HY-QL07"
        assert again.settings.server_url == district.url
        assert any("HY-QL07" in n for n in again.notices)
        assert len(list(folder.glob("settings.json.damaged-*"))) == 1
        again.settings.worker_name = "刘晓燕"  # what the worker re-enters after the notice
        case = new_case(again)
        assert case["receipt_no"].startswith("HY-QL07-")
        summary = sync_desk(again)
        assert summary["complete"] is True and summary["accepted"] == 2
    finally:
        again.close()
