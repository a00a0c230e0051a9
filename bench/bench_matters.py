"""Work-order benchmark at 1,000,000 resident matters on PostgreSQL (issue 15).

Run: ``python bench/bench_matters.py [--orders 1000000] [--cache /tmp/DIR] [--rounds 40]``

1. Loads N synthetic work orders spread over the past year (40 desks, every category and
   department of the shipped configuration, ~6 % still open, a share overdue, most closed
   with a 回访) straight into ``matters`` with COPY, as an existing district's would be, and
   then starts the district's storage on them: its migration counts every order into the
   three rates' summary (:mod:`sync.district.matters_rates`) once —
   timed (``migrate_s``), the one-off cost of upgrading a district that has the orders.
2. Starts the district app under uvicorn, signs in, and times over HTTP (p50 / p95 over
   ``--rounds`` requests each) the work-order queue (unfiltered, open, each sort, a
   department, a desk, 办不成事, a deep page, the number search as a worker types it: the
   whole number, desk + day, the date with and without M, the tail, day + tail, the year),
   the overdue list (``sla=overdue`` and
   即将超时) and the three-rates page (this month by department, a quarter by category, the
   year by month — each page also draws the quarter's 好差评 board and the overdue list).
   Target: p95 ≤ 300 ms.
3. Matter save on the desk: 1,000 ``MatterService.record`` calls (``--desk-saves``; of 300,
   p99 was the third worst) — validation, the
   matter and its audit entry in one transaction; its outbox entry
   (``Matters.queue_waiting``) and search pieces come with the tidy after it — on a desk
   already holding
   ``--desk-matters`` matters, against the floor of one bare WAL + FULL commit of a 1.5 KB
   row measured in the same run on the same disk, one floor commit after each save. The
   saves are timed as the window makes them: ``Store.tidy_after_save`` runs between two
   (untimed — the window's background lane, while the worker reads the 受理单). The same
   number of saves without it (as ``doorstep-desk matter new`` makes them, one per process)
   is printed beside as ``untidied_*``. Target: save p99 ≤ 2 × floor p99.

``--cache /tmp/DIR`` keeps the PostgreSQL cluster and its orders between runs (the first
run loads; later runs start on the data and only measure). ``/proc/loadavg`` is recorded
before and after the timings (the machine is shared). Prints one JSON object (and a table
on stderr).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "sync"))

from bench_console import CachedCluster, Server, pct, sign_in, timed  # noqa: E402

from sync.district.console.auth import hash_password  # noqa: E402
from sync.district.console.store import ConsoleStore  # noqa: E402
from sync.district.matters_rates import BUILT_KEY  # noqa: E402
from sync.district.storage import Storage  # noqa: E402

CLOSED_SAT = ["满意"] * 70 + ["基本满意"] * 20 + ["不满意"] * 6 + [None] * 4
DESCRIPTIONS = ["楼上漏水，天花板渗水", "电梯停运两天", "夜间施工噪音扰民", "小区垃圾清运不及时",
                "邻里因停车位发生纠纷", "咨询高龄津贴申请条件", "建议增设电动车充电桩",
                "物业费收费标准有疑问", "路灯不亮", "下水道堵塞"]


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def load(url: str, n: int, seed: int = 15) -> dict[str, Any]:
    """COPY ``n`` synthetic work orders (and 40 desks) into ``url``; the summary is then
    counted by the storage's migration (the mark is removed, as in a district upgraded)."""
    import psycopg

    from forms.matters import default_config

    Storage(url).close()  # schema
    cfg = default_config()
    cats = [(c.name, [s.name for s in c.subcategories] or [None]) for c in cfg.categories]
    depts = [d.name for d in cfg.departments]
    rng = random.Random(seed)
    now = datetime.now(UTC)
    desks = [(f"desk-{i:04d}", f"HY-{chr(65 + i % 26)}{chr(65 + i // 26)}{i:02d}")
             for i in range(40)]
    workers = {d: [f"网格员{i:02d}{k}" for k in "甲乙丙"] for i, (d, _) in enumerate(desks)}
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    t0 = time.perf_counter()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy("COPY desks (desk_id, desk_code, name, secret, receipt_key, enrolled_at,"
                      " last_seen_at, client_version) FROM STDIN") as cp:
            for d, code in desks:
                cp.write_row((d, code, f"{code} 流动办事点", "x" * 64, "0" * 64,
                              _iso(now - timedelta(days=400)), _iso(now), "0.1.0"))
        with cur.copy("COPY matters (uuid, desk_id, desk_code, matter_no, category, subcategory,"
                      " urgency, description, desk_status, owner, revision, desk_created_at,"
                      " desk_updated_at, desk_due_at, received_at, updated_at, status,"
                      " department, due_at, warn_at, answer, satisfaction, redo_count,"
                      " sla_state, batch_id, signed_at) FROM STDIN") as cp:
            for i in range(n):
                di = rng.randrange(len(desks))
                desk_id, code = desks[di]
                cat, subs = rng.choice(cats)
                sub = rng.choice(subs)
                urgency = rng.choices(["一般", "紧急", "复杂"], [80, 12, 8])[0]
                age = rng.random() ** 1.3 * 365
                created = now - timedelta(days=age, seconds=rng.randrange(3600))
                received = min(created + timedelta(minutes=rng.randrange(1, 600)),
                               now - timedelta(seconds=30))
                limit = {"紧急": timedelta(hours=2), "一般": timedelta(days=7),
                         "复杂": timedelta(days=15)}[urgency]
                due = created + limit
                warn = due - limit / 4
                open_p = 0.6 if age < 7 else 0.08 if age < 30 else 0.01
                dept = signed = answer = sat = None
                redo = 0
                if rng.random() < open_p:
                    status = rng.choice(["received", "dispatched", "signed", "answered", "redo"])
                else:
                    status = "closed"
                    sat = rng.choice(CLOSED_SAT)
                if status != "received":
                    dept = rng.choice(depts)
                    if status != "dispatched":
                        signed = received + timedelta(hours=rng.random() * 30)
                if status in ("answered", "closed"):
                    answer = "已联系居民并处理完毕"
                if status == "redo":
                    redo = 1
                sla = ("normal" if status == "closed" else "overdue" if due <= now
                       else "due_soon" if warn <= now else "normal")
                mno = f"{code}-M{created:%Y%m%d}-{i % 100000:05d}"
                cp.write_row((
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)), desk_id, code, mno,
                    cat, sub, urgency, rng.choice(DESCRIPTIONS), "open", rng.choice(
                        workers[desk_id]), 1, created.isoformat(timespec="seconds"),
                    created.isoformat(timespec="seconds"), _iso(due), _iso(received),
                    _iso(received), status, dept, _iso(due), _iso(warn), answer, sat, redo,
                    sla, str(uuid.UUID(int=di * 100000 + int(age * 4))),
                    _iso(signed) if signed else None))
        cur.execute("DELETE FROM meta WHERE key = %s", [BUILT_KEY])
        conn.commit()
    return {"seconds": round(time.perf_counter() - t0, 1)}


def desk_save(n_before: int, saves: int = 1000) -> dict[str, Any]:
    """Matter save p50/p99 on a desk holding ``n_before`` matters, and the same run's
    floor: one bare WAL + FULL commit of a 1.5 KB row, opened the way the store opens."""
    from desk.core.app import DeskContext
    from desk.core.dbapi import connect
    from desk.core.matters import MatterService

    root = Path(tempfile.mkdtemp(prefix="bench-matters-desk-"))
    ctx = DeskContext.open(str(root / "desk"))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "基准测试"
    ctx.save_settings()
    svc = MatterService(ctx.store)
    rng = random.Random(3)

    def submission(i: int) -> dict[str, Any]:
        return {"category": "投诉", "subcategory": "漏水", "urgency": "一般",
                "description": rng.choice(DESCRIPTIONS),
                "resident": {"name": "王" + rng.choice("桂兰建国秀英志远德明"),
                             "phone": f"139{i:08d}"},
                "place": {"compound": "汉阳花园", "building": str(i % 30 + 1), "unit": "2",
                          "room": "301"}, "answer_by": "phone"}

    for i in range(n_before):
        svc.record(submission(i), ctx.actor())
    conn = connect(root / "floor.sqlite3", None, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)")

    def bare_commit() -> float:
        t = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t(body) VALUES (?)", ["x" * 1500])
        conn.execute("COMMIT")
        return time.perf_counter() - t

    # as the window saves: each save, then (untimed: on its background lane, while the
    # worker reads the 受理单) Store.tidy_after_save; each followed by one floor commit, so
    # a busy disk weighs on both alike. Then as the command line saves (no tidy), for
    # comparison
    times, untidied, floor = [], [], []
    for i in range(saves):
        t = time.perf_counter()
        svc.record(submission(n_before + i), ctx.actor())
        times.append(time.perf_counter() - t)
        ctx.store.tidy_after_save()
        floor.append(bare_commit())
    for i in range(saves):
        t = time.perf_counter()
        svc.record(submission(n_before + saves + i), ctx.actor())
        untidied.append(time.perf_counter() - t)
    # what one save writes: the WAL's growth over 10 saves (no automatic checkpoint
    # meanwhile), in 4 KB pages — the commit's cost grows with it
    store_conn = ctx.store._conn
    store_conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store_conn.execute("PRAGMA wal_autocheckpoint=0")
    wal = Path(str(ctx.store.path) + "-wal")
    before = wal.stat().st_size if wal.exists() else 0
    for i in range(10):
        svc.record(submission(n_before + 2 * saves + i), ctx.actor())
    wal_pages = (wal.stat().st_size - before) / 10 / 4120  # a frame: 24 + 4096 bytes
    conn.close()
    ctx.close()
    import shutil

    shutil.rmtree(root, ignore_errors=True)
    out = {"matters_before": n_before, "saves": saves,
           "save_p50_ms": round(statistics.median(times) * 1000, 2),
           "save_p99_ms": round(pct(times, 99) * 1000, 2),
           "untidied_p50_ms": round(statistics.median(untidied) * 1000, 2),
           "untidied_p99_ms": round(pct(untidied, 99) * 1000, 2),
           "floor_p50_ms": round(statistics.median(floor) * 1000, 2),
           "floor_p99_ms": round(pct(floor, 99) * 1000, 2),
           "wal_pages_per_save": round(wal_pages, 1)}
    out["ratio_p99"] = round(out["save_p99_ms"] / out["floor_p99_ms"], 2)
    out["target_met"] = out["ratio_p99"] <= 2.0
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--cache", type=Path, default=None,
                    help="keep the PostgreSQL cluster (and its orders) here under /tmp")
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--desk-matters", type=int, default=2000)
    ap.add_argument("--desk-saves", type=int, default=1000,
                    help="saves timed (and as many floor commits): p99 is the tenth worst")
    ap.add_argument("--skip-desk", action="store_true")
    ap.add_argument("--desk-only", action="store_true",
                    help="only the desk's matter save against the bare commit floor")
    args = ap.parse_args()
    if args.desk_only:
        out = {"loadavg_before": Path("/proc/loadavg").read_text().split()[:3],
               "desk_save": desk_save(args.desk_matters, args.desk_saves),
               "loadavg_after": Path("/proc/loadavg").read_text().split()[:3]}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    cluster: Any = None
    cached: CachedCluster | None = None
    if args.cache is not None:
        cached = CachedCluster(args.cache)
        cached.start()
        url = cached.url()
        if cached.loaded() not in (0, args.orders):
            raise SystemExit(f"{args.cache} holds {cached.loaded()} orders, not {args.orders}")
    else:
        from sync_helpers import PgCluster

        cluster = PgCluster()
        cluster.start()
        cluster.admin("CREATE DATABASE bench")
        url = cluster.url("bench")
    out: dict[str, Any] = {"orders": args.orders, "db": "postgresql"}
    try:
        if cached is None or not cached.loaded():
            out["load"] = load(url, args.orders)
            print(f"loaded {args.orders} orders: {out['load']}", file=sys.stderr)
        t = time.perf_counter()
        st = Storage(url)  # the migration: counts the orders into the summary when new
        out["migrate_s"] = round(time.perf_counter() - t, 1)
        if cached is not None:
            cached.mark_loaded(args.orders)
        print(f"storage started (migration) in {out['migrate_s']} s", file=sys.stderr)
        out["orders"] = st.stats().get("matters", args.orders)
        t = time.perf_counter()  # what autovacuum does on a live district: visibility, stats
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                             autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE) matters")
            conn.execute("VACUUM (ANALYZE) matter_rate_cells, matter_board_cells")
        out["vacuum_s"] = round(time.perf_counter() - t, 1)
        if ConsoleStore(st).users.get("bench") is None:
            ConsoleStore(st).users.add("bench", hash_password("bench password 1"), "admin")
        desk = st.desks.all()[3]["desk_code"]
        with st.read() as conn:  # a number of last week: what a worker types of it
            from sqlalchemy import select

            from sync.district.matters_tables import matters

            no = str(conn.execute(select(matters.c.matter_no).order_by(
                matters.c.received_at.desc()).offset(5000).limit(1)).scalar())
        prefix, _, rest = no.rpartition("-M")
        day, _, seq = rest.partition("-")
        st.close()
        srv = Server(url)
        try:
            s = sign_in(srv.base, "bench", "bench password 1")
            b = srv.base + "/console/matters"
            today = datetime.now(UTC).astimezone()
            q = (today.month - 1) // 3 + 1
            urls = {
                "queue: unfiltered": b,
                "queue: open": f"{b}?status=open",
                "queue: received (待派单)": f"{b}?status=received",
                "queue: department": f"{b}?department=物业服务企业",
                "queue: desk + open": f"{b}?desk={desk}&status=open",
                "queue: 办不成事": f"{b}?cannot=1",
                "queue: number search (year M2026)": f"{b}?q=M2026",
                "queue: number search (whole)": f"{b}?q={no}",
                "queue: number search (desk + day)": f"{b}?q={prefix}-M{day}",
                "queue: number search (date M…)": f"{b}?q=M{day}",
                "queue: number search (date)": f"{b}?q={day}",
                "queue: number search (tail)": f"{b}?q={seq[-4:]}",
                "queue: number search (-tail)": f"{b}?q=-{seq}",
                "queue: number search (day-tail)": f"{b}?q={day}-{seq}",
                **{f"queue: sort {k}": f"{b}?sort={k}" for k in (
                    "-due", "received", "-received", "status", "department", "category",
                    "desk")},
                "queue: page 100": f"{b}?page=100",
                "overdue list": f"{b}?sla=overdue",
                "due soon list": f"{b}?sla=due_soon",
                "rates: month by department": f"{b}/rates",
                "rates: quarter by category": f"{b}/rates?period={today.year}-Q{q}&by=category",
                "rates: year by month": f"{b}/rates?period={today.year}&by=month",
                "rates: year by desk": f"{b}/rates?period={today.year}&by=desk",
            }
            out["loadavg_before"] = Path("/proc/loadavg").read_text().split()[:3]
            out["latency"] = {}
            for name, u in urls.items():
                out["latency"][name] = timed(s, u, args.rounds)
                print(f"{name:30s} {out['latency'][name]}", file=sys.stderr)
            out["loadavg_after"] = Path("/proc/loadavg").read_text().split()[:3]
            worst = max(v["p95_ms"] for v in out["latency"].values())
            out["worst_p95_ms"] = worst
            out["target_met"] = worst <= 300
        finally:
            srv.stop()
    finally:
        if cluster is not None:
            cluster.stop()
        if cached is not None:
            cached.stop()
    if not args.skip_desk:
        out["desk_save"] = desk_save(args.desk_matters, args.desk_saves)
        print(f"desk save: {out['desk_save']}", file=sys.stderr)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
