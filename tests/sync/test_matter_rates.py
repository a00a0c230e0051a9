"""The three rates' summary (issue 15, the 1,000,000-order bench): every write to a work
order moves its counts in the same transaction, so the summary always equals a recount from
the orders — under 60 decisions at once, desk revisions that move an order's owner, closings
on the spot; and a district made before the summary existed is counted once by the
migration however many server processes start together (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
import threading
from typing import Any

from sqlalchemy import select, text, update
from sync_helpers import District, enroll

from desk.core.matters import MatterService
from sync.client.desk import sync_desk
from sync.district import matters_console as MC
from sync.district import matters_rates as R
from sync.district import matters_reports as MR
from sync.district import matters_store as M
from sync.district.errors import Refused
from sync.district.matters_tables import matters
from sync.district.storage import Storage

KINDS = [{"category": "投诉", "subcategory": "噪音", "description": "夜间施工噪音"},
         {"category": "求助", "urgency": "紧急", "description": "电梯困人"},
         {"category": "咨询", "description": "高龄津贴怎么申请"},
         {"category": "建议", "description": "小区增设充电桩"}]


def _record(district: District, make_desk: Any, n: int) -> tuple[Any, MatterService,
                                                                 list[dict[str, Any]]]:
    ctx = make_desk()
    enroll(district, ctx)
    svc = MatterService(ctx.store)
    made = [svc.record(KINDS[i % len(KINDS)], ctx.actor()) for i in range(n)]
    svc.close(made[0]["uuid"], "当场答复了政策", "满意", ctx.actor())  # closed on the spot
    assert sync_desk(ctx)["complete"]
    return ctx, svc, made


def _path(rng: random.Random) -> list[tuple[str, dict[str, str]]]:
    steps: list[tuple[str, dict[str, str]]] = [
        ("dispatch", {"department": rng.choice(["HB", "WY"])})]
    if rng.random() < 0.3:
        steps.append(("extend", {"text": "需要协调", "due_at": "2099-01-01T00:00:00+00:00"}))
    steps += [("sign", {}), ("answer", {"text": "已处理"})]
    sat = rng.choice(["满意", "基本满意", "不满意"])
    steps.append(("revisit", {"satisfaction": sat, "text": "还在漏" if sat == "不满意" else ""}))
    if sat == "不满意":
        steps += [("sign", {}), ("answer", {"text": "再次处理"}),
                  ("revisit", {"satisfaction": "满意", "text": ""})]
    return steps[:rng.randrange(1, len(steps) + 1)]


def _assert_summary_is_a_recount(storage: Storage) -> None:
    with storage.read() as conn:
        assert R.stored(conn) == R.recount(conn)


def _hand_count(storage: Storage) -> dict[str, int]:
    """The rates' overall counts straight from the orders and their changes."""
    from sync.district.tables import changes

    with storage.read() as conn:
        first = {r.case_uuid: r.at for r in conn.execute(
            select(changes.c.case_uuid, changes.c.at).where(
                changes.c.kind == "matter", changes.c.status == "signed"
            ).order_by(changes.c.seq)).all()[::-1]}
        rows = conn.execute(select(matters)).mappings().all()
    out = dict.fromkeys(R.COUNTS, 0)
    for r in rows:
        sat, dept = r["satisfaction"], r["department"]
        out["total"] += 1
        out["dispatched"] += dept is not None
        out["in_time"] += dept is not None and r["uuid"] in first and \
            first[r["uuid"]] <= r["due_at"]
        out["resolved"] += r["status"] == "closed" and sat != "不满意"
        out["rated"] += sat is not None
        out["happy"] += sat in ("满意", "基本满意")
    return out


def test_the_summary_equals_a_recount_under_concurrent_decisions(
        district: District, make_desk: Any) -> None:
    ctx, svc, made = _record(district, make_desk, 30)
    rng = random.Random(15)
    paths = {m["uuid"]: _path(rng) for m in made[1:]}
    start = threading.Barrier(60)
    errors: list[BaseException] = []

    def walk(uuid: str, twin: int) -> None:  # two deciders per order: they collide
        start.wait(timeout=120)
        for action, kw in paths[uuid]:
            try:
                M.decide(district.storage, uuid, action, actor=f"u{twin}", **kw)
            except Refused as exc:  # the other one moved it first
                if exc.extra.get("rule") not in ("transition", "later"):
                    errors.append(exc)
            except BaseException as exc:  # reported below
                errors.append(exc)

    threads = [threading.Thread(target=walk, args=(u, k)) for u in paths for k in (0, 1)]
    threads += [threading.Thread(target=walk, args=(made[1]["uuid"], 2)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors and not any(t.is_alive() for t in threads)
    _assert_summary_is_a_recount(district.storage)
    # a hand-over on the desk moves the order to another owner (another cell)
    svc.handover(made[2]["uuid"], "王建国", "他负责五号楼", ctx.actor())
    assert sync_desk(ctx)["complete"]
    with district.storage.read() as conn:
        assert conn.execute(select(matters.c.owner).where(
            matters.c.uuid == made[2]["uuid"])).scalar_one() == "王建国"
    _assert_summary_is_a_recount(district.storage)
    # the page's numbers are a hand count from the orders and their changes
    month = R.local_month(_received(district))
    overall = MR.rates(district.storage, month)["overall"]
    hand = _hand_count(district.storage)
    assert overall["total"] == hand["total"] == 30
    assert (overall["response"]["num"], overall["response"]["den"]) == (
        hand["in_time"], hand["dispatched"])
    assert (overall["resolve"]["num"], overall["satisfy"]["num"], overall["satisfy"]["den"]
            ) == (hand["resolved"], hand["happy"], hand["rated"])
    assert hand["rated"] > 0 and hand["in_time"] > 0


def _received(district: District) -> str:
    with district.storage.read() as conn:
        return str(conn.execute(select(matters.c.received_at).limit(1)).scalar_one())


def test_the_migration_counts_an_existing_district_once(district: District,
                                                        make_desk: Any) -> None:
    _ctx, _svc, made = _record(district, make_desk, 8)
    for m in made[1:6]:
        for action, kw in (("dispatch", {"department": "WY"}), ("sign", {}),
                           ("answer", {"text": "已修"}),
                           ("revisit", {"satisfaction": "基本满意", "text": ""})):
            M.decide(district.storage, m["uuid"], action, **kw)
    with district.storage.read() as conn:
        want = R.recount(conn)
        signed = dict(conn.execute(select(matters.c.uuid, matters.c.signed_at)).all())
    assert sum(1 for v in signed.values() if v) == 5
    # as a district made before the summary: no table, no first-sign column values, no mark
    with district.storage.write() as conn:
        conn.execute(text("DROP TABLE matter_rate_cells"))
        conn.execute(text("DROP TABLE matter_board_cells"))
        conn.execute(update(matters).values(signed_at=None))
        conn.execute(text(f"DELETE FROM meta WHERE key = '{R.BUILT_KEY}'"))
        conn.execute(text("DROP TABLE alembic_version"))  # before the migrations (issue 13)
    started: list[Storage] = []
    lock = threading.Lock()
    start = threading.Barrier(50)
    errors: list[BaseException] = []

    def server_process() -> None:
        start.wait(timeout=120)
        try:
            s = Storage(district.db_url)
        except BaseException as exc:  # reported below
            errors.append(exc)
            return
        with lock:
            started.append(s)

    threads = [threading.Thread(target=server_process) for _ in range(50)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
    finally:
        for s in started:
            s.close()
    assert not errors and len(started) == 50
    with district.storage.read() as conn:
        assert R.stored(conn) == want
        assert dict(conn.execute(select(matters.c.uuid, matters.c.signed_at)).all()) == signed


def test_the_queue_counts_no_further_than_its_cap(district: District, make_desk: Any) -> None:
    _record(district, make_desk, 5)
    rows, total = MC.queue(district.storage, MC.QueueFilter(), per_page=2, cap=3)
    assert len(rows) == 2 and total == 4  # past the cap: "more than 3"
    rows, total = MC.queue(district.storage, MC.QueueFilter(status="open"), cap=10)
    assert total == 4 and all(r["status"] != "closed" for r in rows)  # one closed on the spot
    assert MC.counts(district.storage)["open"] == 4
