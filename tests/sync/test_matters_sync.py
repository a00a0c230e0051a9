"""Resident matters through the real protocol (issue 15, parts 3-5): a matter recorded
offline travels exactly once to a real district server (SQLite and PostgreSQL), becomes a
work order, and the district's decisions come back to the desk as pull changes; old desks
that do not know the kind keep working."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sync_helpers import District, enroll, new_case

from desk.core.matters import MatterService
from sync import protocol as P
from sync.client.desk import client_for, sync_desk
from sync.district import matters_store as M
from sync.district.errors import Refused

LEAK = {"category": "投诉", "subcategory": "漏水", "urgency": "一般",
        "description": "楼上卫生间漏水，天花板渗水",
        "resident": {"name": "王建国", "phone": "13812345678"},
        "place": {"compound": "汉阳花园", "building": "3", "unit": "2", "room": "502"},
        "answer_by": "phone"}


def record(ctx: Any, body: dict[str, Any] | None = None) -> dict[str, Any]:
    m: dict[str, Any] = MatterService(ctx.store).record(body or LEAK, ctx.actor())
    return m


def desk_view(ctx: Any, uuid_: str) -> dict[str, Any]:
    m = ctx.store.matters.get_matter(uuid_)
    assert m is not None
    return m


def test_a_matter_travels_once_and_every_decision_comes_back(district: District,
                                                              make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    st = district.storage
    m = record(ctx)  # offline: nothing waits on the network
    ctx.store.matters.handover_matter(m["uuid"], "张伟", "张伟负责3号楼", "刘晓燕")
    summary = sync_desk(ctx)
    assert summary["complete"], summary
    assert (summary["pushed"], summary["accepted"]) == (2, 2)
    assert desk_view(ctx, m["uuid"])["sync_state"] == "synced"
    orders = M.list_orders(st)
    assert [(o["uuid"], o["status"], o["owner"]) for o in orders] == [
        (m["uuid"], "received", "张伟")]
    assert st.stats()["matters"] == 1

    def step(action: str, **kw: Any) -> dict[str, Any]:
        M.decide(st, m["uuid"], action, actor="区级管理员", **kw)
        assert sync_desk(ctx)["complete"]
        return desk_view(ctx, m["uuid"])

    seen = step("dispatch", department="WY")
    assert (seen["district_status"], seen["district_department"]) == ("dispatched",
                                                                      "物业服务企业")
    assert step("sign")["district_status"] == "signed"
    seen = step("answer", text="物业已上门维修楼上管道")
    assert (seen["district_status"], seen["district_answer"]) == ("answered",
                                                                  "物业已上门维修楼上管道")
    today = MatterService(ctx.store).today()
    assert [x["uuid"] for x in today["answers"]] == [m["uuid"]]  # to pass on
    ctx.store.matters.mark_answer_passed(m["uuid"], "张伟")
    assert [x["uuid"] for x in MatterService(ctx.store).today()["revisits"]] == [m["uuid"]]
    with pytest.raises(Refused, match="reason"):
        M.decide(st, m["uuid"], "revisit", satisfaction="不满意")
    seen = step("revisit", satisfaction="不满意", text="天花板仍在渗水")
    assert (seen["district_status"], seen["district_note"]) == ("redo", "天花板仍在渗水")
    seen = step("answer", text="已更换楼上防水层，复查不再渗水")
    assert seen["district_status"] == "answered"
    assert seen["answer_seen_at"] is None  # a new answer is to be passed on again
    seen = step("revisit", satisfaction="满意")
    assert seen["district_status"] == "closed"
    row = M.list_orders(st, status="closed")[0]
    assert (row["redo_count"], row["satisfaction"]) == (1, "满意")
    with pytest.raises(Refused, match="status"):
        M.decide(st, m["uuid"], "answer", text="再答一次")
    # once the district handles it, the desk may not close it on the spot
    other = record(ctx)
    assert sync_desk(ctx)["complete"]
    M.decide(st, other["uuid"], "dispatch")  # no department: the fallback owner (兜底)
    assert sync_desk(ctx)["complete"]
    assert desk_view(ctx, other["uuid"])["district_department"] == "街道办事处（兜底）"
    from desk.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        ctx.store.matters.close_matter(other["uuid"], "x", "满意", "刘晓燕")
    assert exc.value.problems[0].rule == "district"


def test_resending_is_safe_and_a_changed_revision_is_a_conflict(district: District,
                                                                make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    m = record(ctx)
    entries = [e for e in ctx.store.sync.pending_outbox() if e["kind"] == "matter"]
    recs = [{"id": e["id"], "kind": "matter", "case_uuid": e["case_uuid"],
             "revision": e["revision"], "payload": e["payload"]} for e in entries]
    with client_for(ctx) as c:
        first = c.push(P.BatchRequest(desk_id=c.desk_id or "", batch_id=uuid.uuid4(),
                                      records=recs))
        again = c.push(P.BatchRequest(desk_id=c.desk_id or "", batch_id=uuid.uuid4(),
                                      records=recs))
        changed = json.loads(json.dumps(recs))
        changed[0]["payload"]["description"] = "改过的内容"
        clash = c.push(P.BatchRequest(desk_id=c.desk_id or "", batch_id=uuid.uuid4(),
                                      records=changed))
        bad = json.loads(json.dumps(recs))
        bad[0]["payload"]["urgency"] = "特急"
        malformed = c.push(P.BatchRequest(desk_id=c.desk_id or "", batch_id=uuid.uuid4(),
                                          records=bad))
    assert [r.result for r in first.results] == ["accepted"]
    assert [r.result for r in again.results] == ["duplicate"]
    assert [r.result for r in clash.results] == ["conflict"]
    assert [r.result for r in malformed.results] == ["rejected"]
    assert "记录内容" in malformed.results[0].reason  # the worker's words (sync.reasons)
    assert len(M.list_orders(district.storage)) == 1
    # the desk's own sync marks the same entry; the conflict is set aside with its reason
    ctx.store.sync.mark_outbox([{"id": entries[0]["id"], "result": "conflict",
                                 "reason": clash.results[0].reason}], "b")
    assert desk_view(ctx, m["uuid"])["sync_state"] == "conflict"
    assert "冲突" in desk_view(ctx, m["uuid"])["sync_error"]


def test_another_desks_matter_is_refused_saying_nothing(district: District,
                                                        make_desk: Any) -> None:
    a, b = make_desk(), make_desk("HY-QL02", "张伟")
    enroll(district, a)
    enroll(district, b)
    m = record(a)
    assert sync_desk(a)["complete"]
    payload = a.store.sync.outbox_entries([1])[0]["payload"]
    forged = dict(payload, revision=2, owner="张伟")
    with client_for(b) as c:
        out = c.push(P.BatchRequest(desk_id=c.desk_id or "", batch_id=uuid.uuid4(), records=[
            {"id": 1, "kind": "matter", "case_uuid": m["uuid"], "revision": 2,
             "payload": forged}]))
    assert out.results[0].result == "rejected"
    assert m["matter_no"] not in out.results[0].reason
    assert M.list_orders(district.storage)[0]["owner"] == "刘晓燕"


def test_old_desks_keep_working(district: District, make_desk: Any) -> None:
    """A desk from before matters names no kinds (or not these): its pulls never carry a
    matter or matter-config change, and its batches (cases only) go through as before."""
    ctx = make_desk()
    enroll(district, ctx)
    case = new_case(ctx)
    m = record(ctx)
    assert sync_desk(ctx)["complete"]
    st = district.storage
    M.decide(st, m["uuid"], "dispatch", department="WY")
    st.decisions.set_status(case["uuid"], "accepted")
    M.publish_config(st, dict(_config(), version="hanyang-2"))
    with client_for(ctx) as c:
        old = c._call(P.ChangesResponse, "GET", P.PATH_CHANGES, params={"since": 0})
        older = c._call(P.ChangesResponse, "GET", P.PATH_CHANGES,
                        params={"since": 0, "kinds": "status,catalog,route,calendar"})
        new = c._call(P.ChangesResponse, "GET", P.PATH_CHANGES,
                      params={"since": 0, "kinds": ",".join(P.CHANGE_KINDS)})
        # a batch without matters, from a desk that never heard of them
        plain = c.push(P.BatchRequest(desk_id=c.desk_id or "", batch_id=uuid.uuid4(),
                                      records=[]))
    assert [ch.kind for ch in old.changes] == ["status"]
    assert [ch.kind for ch in older.changes] == ["status"]
    assert [ch.kind for ch in new.changes] == ["matter", "status", "matter_config"]
    assert plain.results == []
    # what an old desk's Change model accepts: every change it is sent
    for ch in old.changes:
        assert ch.kind in P.BASE_CHANGE_KINDS


def _config() -> dict[str, Any]:
    from forms.matters import default_config

    return json.loads(json.dumps(dict(default_config().body)))


def test_published_categories_come_down_like_the_catalog(district: District,
                                                         make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    body = _config()
    body["version"] = "hanyang-2026.2"
    body["categories"][0]["sla"] = {"一般": {"amount": 1, "unit": "workdays"}}
    out = M.publish_config(district.storage, body, actor="管理员")
    assert out["published"]
    assert M.publish_config(district.storage, body)["published"] is False
    with pytest.raises(Refused, match="version"):
        M.publish_config(district.storage, dict(body, warn_fraction=0.5))
    with pytest.raises(Refused, match="fallback"):
        M.publish_config(district.storage, dict(body, version="x", departments=[]))
    assert sync_desk(ctx)["complete"]
    svc = MatterService(ctx.store)
    assert svc.config.version == "hanyang-2026.2"
    assert svc.config.sla_for("咨询", None, "一般").label == "1个工作日"


def test_decisions_race_and_exactly_one_wins(district: District, make_desk: Any) -> None:
    """60 people sign the same order at once: exactly one moves it, the rest are told it
    was already signed; exactly one change goes to the desk."""
    ctx = make_desk()
    enroll(district, ctx)
    m = record(ctx)
    assert sync_desk(ctx)["complete"]
    st = district.storage
    M.decide(st, m["uuid"], "dispatch", department="WY")
    results: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(60)

    def sign() -> None:
        start.wait(timeout=60)
        try:
            M.decide(st, m["uuid"], "sign", actor="物业")
            outcome = "ok"
        except Refused:
            outcome = "refused"
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=sign) for _ in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(results).count("ok") == 1 and len(results) == 60
    with client_for(ctx) as c:
        got = c.changes(0)
    assert [ch.status for ch in got.changes if ch.kind == "matter"] == ["dispatched",
                                                                         "signed"]


def test_extension_needs_a_reason_and_a_later_deadline(district: District,
                                                       make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    m = record(ctx)
    assert sync_desk(ctx)["complete"]
    st = district.storage
    due = M.list_orders(st)[0]["due_at"]
    with pytest.raises(Refused, match="reason"):
        M.decide(st, m["uuid"], "extend", due_at="2099-01-01T00:00:00+08:00")
    with pytest.raises(Refused, match="due_at"):
        M.decide(st, m["uuid"], "extend", text="需要协调", due_at="2000-01-01T00:00:00+08:00")
    with pytest.raises(Refused, match="due_at"):
        M.decide(st, m["uuid"], "extend", text="需要协调", due_at="明天")
    later = datetime.fromisoformat(due).astimezone(UTC).replace(year=2099)
    out = M.decide(st, m["uuid"], "extend", text="需要协调燃气公司",
                   due_at=later.isoformat())
    assert out["matter"]["due_at"] == later.isoformat(timespec="seconds")
    assert sync_desk(ctx)["complete"]
    assert desk_view(ctx, m["uuid"])["district_due_at"] == later.isoformat(timespec="seconds")
    # after the deadline has passed, no extension
    with pytest.raises(Refused, match="原期限已过"):
        M.decide(st, m["uuid"], "extend", text="再延", due_at="2100-01-01T00:00:00Z",
                 now=datetime(2099, 12, 31, tzinfo=UTC))
