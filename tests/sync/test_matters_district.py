"""Work orders at the district (issue 15, parts 4-5): the deadline schedule runs exactly once
per slot however many processes try (SQLite and PostgreSQL), overdue orders are escalated,
every decision is in the hash-chained audit log, a department user sees only its own
orders; the command line mirrors it; a 办不成事 opened from a 补正 case and a hand-over chain
reach the district."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sync_helpers import District, enroll, new_case

from desk.core.matters import MatterService
from sync.client.desk import sync_desk
from sync.district import matters_store as M
from sync.district.cli import main as district_main
from sync.district.console.store import ConsoleStore
from sync.district.storage import Storage

URGENT = {"category": "求助", "urgency": "紧急", "description": "电梯困人",
          "place": {"compound": "汉阳花园", "building": "5"}}
NORMAL = {"category": "投诉", "subcategory": "噪音", "description": "夜间施工噪音"}


def cli(capsys: Any, db_url: str, *args: str) -> tuple[int, Any, str]:
    code = district_main(["--db", db_url, *args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 and out.strip() else out), err


def audit_entries(storage: Storage, action_prefix: str) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from sync.district.console.schema import audit

    with storage.read() as conn:
        return [dict(r) for r in conn.execute(select(audit).where(
            audit.c.action.like(f"{action_prefix}%")).order_by(audit.c.id)).mappings()]


def test_the_schedule_runs_once_per_slot_across_processes(district: District,
                                                          make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    svc = MatterService(ctx.store)
    urgent = svc.record(URGENT, ctx.actor())
    svc.record(NORMAL, ctx.actor())
    assert sync_desk(ctx)["complete"]
    ConsoleStore(district.storage)  # the audit log's tables
    later = datetime.fromisoformat(urgent["due_at"]).astimezone(UTC) + timedelta(minutes=7)
    # 12 "processes" (each its own engine and connection pool) × 5 threads: 60 attempts
    storages = [Storage(district.db_url) for _ in range(12)]
    consoles = [ConsoleStore(s) for s in storages]
    results: list[dict[str, Any]] = []
    lock = threading.Lock()
    start = threading.Barrier(60)

    def attempt(k: int) -> None:
        st, cs = storages[k % 12], consoles[k % 12]
        start.wait(timeout=120)

        def hook(conn: Any, row: dict[str, Any]) -> None:
            cs.audit.append_in(conn, "schedule", "matter.escalate", row["uuid"], **row)

        out = M.run_schedule(st, now=later, runner=f"p{k % 12}", audit=hook)
        with lock:
            results.append(out)

    threads = [threading.Thread(target=attempt, args=(k,)) for k in range(60)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    finally:
        for s in storages:
            s.close()
    assert len(results) == 60
    ran = [r for r in results if r["ran"]]
    assert len(ran) == 1 and ran[0]["escalated"] == 1 and ran[0]["overdue"] == 1
    escalations = audit_entries(district.storage, "matter.escalate")
    assert [e["target"] for e in escalations] == [urgent["uuid"]]
    order = next(o for o in M.list_orders(district.storage, now=later)
                 if o["uuid"] == urgent["uuid"])
    assert (order["escalated_to"], order["sla_state"]) == ("督办员", "overdue")
    # the next slot runs again, finding nothing new to escalate
    again = M.run_schedule(district.storage, now=later + timedelta(minutes=1))
    assert again["ran"] and again["escalated"] == 0
    # 即将超时: the 7-day order with less than a quarter of its time left
    soon = datetime.fromisoformat(urgent["created_at"]).astimezone(UTC) + timedelta(days=6)
    out = M.run_schedule(district.storage, now=soon)
    assert out["due_soon"] == 1
    assert [o["sla_state"] for o in M.list_orders(district.storage, now=soon)] == [
        "overdue", "due_soon"]
    assert [o["uuid"] for o in M.list_orders(district.storage, overdue=True, now=soon)] == [
        urgent["uuid"]]


def test_the_command_line_mirrors_the_console_and_audits_each_decision(
        capsys: Any, district: District, make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    m = MatterService(ctx.store).record(NORMAL, ctx.actor())
    assert sync_desk(ctx)["complete"]
    db = district.db_url
    code, rows, err = cli(capsys, db, "matters", "--json")
    assert code == 0, err
    assert [(r["uuid"], r["status"], r["sla_state"]) for r in rows] == [
        (m["uuid"], "received", "normal")]
    code, out, err = cli(capsys, db, "matter", "dispatch", m["uuid"], "--department", "HB")
    assert code == 0, err
    assert (out["status"], out["department"]) == ("dispatched", "生态环境局")
    # a department user acts only on its own department's orders, and learns nothing else
    code, _, err = cli(capsys, db, "matter", "sign", m["uuid"], "--as-department", "WY")
    assert code == 2 and err.startswith("uuid: [not_found]")
    code, out, err = cli(capsys, db, "matter", "sign", m["uuid"], "--as-department", "HB")
    assert code == 0, err
    code, _, err = cli(capsys, db, "matter", "answer", m["uuid"], "--text", " ")
    assert code == 2 and err.startswith("answer: [required]")
    code, _, err = cli(capsys, db, "matter", "extend", m["uuid"], "--due-at", "下周",
                       "--reason", "协调")
    assert code == 2 and err.startswith("due_at: [format]")
    code, _, err = cli(capsys, db, "matter", "dispatch", m["uuid"], "--department", "NOPE")
    assert code == 2 and err.startswith("department: [unknown]")
    code, _, err = cli(capsys, db, "matter", "dispatch", m["uuid"], "--department", "WY")
    assert code == 2 and err.startswith("status: [transition]")  # signed: not again
    code, out, err = cli(capsys, db, "matter", "answer", m["uuid"], "--text",
                         "已责令施工方夜间停工")
    assert code == 0, err
    code, _, err = cli(capsys, db, "matter", "revisit", m["uuid"], "--satisfaction", "不满意")
    assert code == 2 and err.startswith("reason: [required]")
    code, out, err = cli(capsys, db, "matter", "revisit", m["uuid"], "--satisfaction", "满意")
    assert code == 0 and out["status"] == "closed", err
    code, rows, _ = cli(capsys, db, "matters", "--status", "closed", "--json")
    assert [r["uuid"] for r in rows] == [m["uuid"]]
    code, rows, _ = cli(capsys, db, "matters", "--department", "HB", "--json")
    assert [r["uuid"] for r in rows] == [m["uuid"]]
    entries = audit_entries(district.storage, "matter.")
    assert [e["action"] for e in entries] == ["matter.dispatch", "matter.sign",
                                              "matter.answer", "matter.revisit"]
    assert json.loads(entries[1]["detail_json"])["as_department"] == "HB"
    code, report, _ = cli(capsys, db, "audit", "verify", "--json")
    assert code == 0 and report["ok"]
    assert sync_desk(ctx)["complete"]
    assert ctx.store.matters.get_matter(m["uuid"])["district_status"] == "closed"


def test_publish_config_from_the_command_line(capsys: Any, district: District,
                                              tmp_path: Any) -> None:
    code, out, err = cli(capsys, district.db_url, "matter", "publish-config")
    assert code == 0 and out["published"], err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"version": "x", "categories": []}), "utf-8")
    code, _, err = cli(capsys, district.db_url, "matter", "publish-config", "--file", str(bad))
    assert code == 2 and err.startswith("config: [invalid]")


def test_cannot_do_from_a_correction_case_and_a_handover_chain(district: District,
                                                               make_desk: Any) -> None:
    """A 补正 case becomes a 办不成事 matter carrying the case's reference; its hand-over
    chain (首问负责) reaches the district with every step, and the desk's audit log has
    one entry per hand-over."""
    ctx = make_desk()
    enroll(district, ctx)
    case = new_case(ctx, "MZ-GLJT")
    assert sync_desk(ctx)["complete"]
    district.storage.decisions.set_status(case["uuid"], "needs_correction", note="缺户籍证明")
    assert sync_desk(ctx)["complete"]
    svc = MatterService(ctx.store)
    m = svc.record({"from_case": case["uuid"], "subcategory": "补正后仍办不成",
                    "description": "户籍在外省，无法开具证明"}, ctx.actor())
    assert (m["category"], m["from_case"]) == ("办不成事", case["uuid"])
    ctx.store.matters.handover_matter(m["uuid"], "张伟", "张伟熟悉户籍政策", "刘晓燕")
    ctx.store.matters.handover_matter(m["uuid"], "社区", "需社区出具情况说明", "张伟")
    ctx.store.matters.handover_matter(m["uuid"], "区级", "跨部门协调", "社区")
    assert sync_desk(ctx)["complete"]
    from sqlalchemy import select

    from sync.district.matters_tables import matter_revisions, matters

    with district.storage.read() as conn:
        order = conn.execute(select(matters).where(matters.c.uuid == m["uuid"])
                             ).mappings().one()
        newest = json.loads(conn.execute(select(matter_revisions.c.payload_json).where(
            matter_revisions.c.matter_uuid == m["uuid"]).order_by(
            matter_revisions.c.revision.desc()).limit(1)).scalar_one())
    assert (order["category"], order["from_case"], order["owner"], order["revision"]) == (
        "办不成事", case["uuid"], "区级", 4)
    assert order["status"] == "received"  # passing it on never closed it
    assert [(h["from_owner"], h["to_owner"]) for h in newest["handovers"]] == [
        ("刘晓燕", "张伟"), ("张伟", "社区"), ("社区", "区级")]
    actions = [r["action"] for r in ctx.store._read(
        "SELECT action FROM audit WHERE case_uuid = ? ORDER BY id", [m["uuid"]])]
    assert actions == ["matter.create"] + ["matter.handover"] * 3
    assert ctx.store.audit_report()["ok"]


def test_schedule_slots_follow_the_clock(district: District) -> None:
    at = datetime(2026, 10, 1, 9, 3, tzinfo=UTC)
    first = M.run_schedule(district.storage, now=at, seconds=300)
    same = M.run_schedule(district.storage, now=at + timedelta(minutes=1), seconds=300)
    nxt = M.run_schedule(district.storage, now=at + timedelta(minutes=2), seconds=300)
    assert (first["ran"], same["ran"], nxt["ran"]) == (True, False, True)
    assert first["slot"] == "2026-10-01T09:00:00.000+00:00"
    # a week later the record of those slots is gone; the new slot's is kept
    M.run_schedule(district.storage, now=at + timedelta(days=8))
    from sqlalchemy import func, select

    from sync.district.matters_tables import matter_schedule_runs

    with district.storage.read() as conn:
        assert conn.execute(select(func.count()).select_from(matter_schedule_runs)
                            ).scalar() == 1


def test_the_server_runs_the_schedule_on_its_own(district: District, make_desk: Any) -> None:
    """A server process's schedule thread escalates an overdue order without anyone asking
    (the clock injected: an order recorded now is overdue three hours later)."""
    ctx = make_desk()
    enroll(district, ctx)
    urgent = MatterService(ctx.store).record(URGENT, ctx.actor())
    assert sync_desk(ctx)["complete"]
    later = datetime.fromisoformat(urgent["due_at"]).astimezone(UTC) + timedelta(hours=1)
    escalated = threading.Event()
    seen: list[dict[str, Any]] = []
    cs = ConsoleStore(district.storage)

    def hook(conn: Any, row: dict[str, Any]) -> None:
        cs.audit.append_in(conn, "schedule", "matter.escalate", row["uuid"], **row)
        seen.append(row)
        escalated.set()

    thread = M.ScheduleThread(district.storage, interval=0.05, now=lambda: later, audit=hook)
    thread.start()
    try:
        assert escalated.wait(timeout=60)
    finally:
        thread.stop()
    assert [r["uuid"] for r in seen] == [urgent["uuid"]]  # once, however many ticks
    assert not thread.is_alive()


def test_a_served_district_escalates_on_its_own(db_url: str, make_desk: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """``doorstep-district serve`` (a real subprocess) runs the schedule by itself: an order
    already past its deadline when it arrives is escalated and audited, once."""
    from sync_helpers import DistrictProcess, proc_pause, wait_until

    from desk.core import clock
    from sync.client.desk import enroll_desk
    from sync.district.matters_tables import matters

    monkeypatch.setenv("DOORSTEP_MATTER_SCHEDULE", "0.2")
    storage = Storage(db_url)
    ConsoleStore(storage)  # the schema, before the server starts
    server = DistrictProcess(db_url)
    server.start()
    try:
        ctx = make_desk()
        enroll_desk(ctx, server.url, storage.desks.create_enroll_code("HY-QL01", "七里一村"))
        with clock.use(datetime.now(UTC) - timedelta(days=1)):  # recorded offline, a day ago
            m = MatterService(ctx.store).record(URGENT, ctx.actor())
        assert sync_desk(ctx)["complete"]
        from sqlalchemy import select

        def escalated() -> bool:
            with storage.read() as conn:
                return conn.execute(select(matters.c.escalated_to).where(
                    matters.c.uuid == m["uuid"])).scalar() == "督办员"

        assert server.proc is not None
        wait_until(escalated, proc_pause(server.proc), timeout=120, what="the escalation")
        assert [e["target"] for e in audit_entries(storage, "matter.escalate")] == [m["uuid"]]
    finally:
        server.stop()
        storage.close()
