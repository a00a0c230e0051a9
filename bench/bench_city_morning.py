"""The city morning of bench/bench_city.py (part ``morning``): N desks each syncing the
previous day's work and pulling the district's decisions, arriving as a real morning does,
against PostgreSQL with 1, 2 and 4 uvicorn workers; the largest N per worker count with
p95 sync round ≤ 5 s and nothing failed, and the server's CPU seconds per 1,000 cases.
See bench_city's docstring for the model."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from bench_city import Desk, _pct, copy_changes, enroll
from bench_sync import Server, _desk, _resident_id
from sync_profile import tree_cpu

from sync.district.cli import _migrate_once
from sync.district.storage import Storage

MORNING = 3.5 * 3600  # 07:30–11:00, seconds
PEAK = (3600.0, 7200.0)  # 08:30–09:30 from 07:30


def add_arguments(ap: argparse.ArgumentParser) -> None:
    g = ap.add_argument_group("morning")
    g.add_argument("--workers", default="1,2,4", help="uvicorn worker counts to measure")
    g.add_argument("--compress", type=float, default=600.0,
                   help="the morning (07:30–11:00) runs this many times faster (600: 21 s)")
    g.add_argument("--peak-share", type=float, default=0.7,
                   help="share of desks arriving between 08:30 and 09:30")
    g.add_argument("--start", type=int, default=25, help="the first N tried")
    g.add_argument("--max-desks", type=int, default=3000)
    g.add_argument("--budget", type=float, default=140.0,
                   help="seconds of search per worker count (trials started after it ends "
                        "are skipped; the bracket found so far is reported)")
    g.add_argument("--round-s", type=float, default=5.0, help="the p95 sync round allowed")
    g.add_argument("--cases", default="20,60", help="cases per desk: min,max (uniform)")
    g.add_argument("--decisions", type=int, default=6,
                   help="mean decisions waiting per desk (pulled in the morning)")
    g.add_argument("--history", type=int, default=0,
                   help="cases each desk sent before this morning (written straight into "
                        "the tables, then analysed): a district that has been working, "
                        "not an empty one — a cost that grows with a desk's past shows")


def _templates() -> dict[str, Any]:
    """A case's and a matter's payload as a real desk makes them."""
    from desk.core.matters import MatterService

    with tempfile.TemporaryDirectory(prefix="doorstep-city-") as tmp:
        ctx = _desk(Path(tmp), 1)
        MatterService(ctx.store).record(
            {"category": "投诉", "subcategory": "漏水", "urgency": "一般",
             "description": "楼上卫生间漏水，天花板渗水",
             "resident": {"name": "王建国", "phone": "13812345678"},
             "place": {"compound": "汉阳花园", "building": "3", "unit": "2", "room": "502"},
             "answer_by": "phone"}, ctx.actor())
        out = {e["kind"]: e["payload"] for e in ctx.store.sync.pending_outbox(10)}
        ctx.close()
    assert {"case", "matter"} <= set(out), set(out)
    return out


def _batch(rng: random.Random, d: Desk, tpl: dict[str, Any], n_cases: int
           ) -> tuple[bytes, list[str], int]:
    """One desk's day: ``n_cases`` cases, ~1 matter per 6 cases, a rating for ~1 case in 4,
    as one gzip'd batch body; also the case uuids (the district's decisions name them)."""
    case, matter = tpl["case"], tpl["matter"]
    data = json.loads(case["data_json"])
    records: list[dict[str, Any]] = []
    uuids = []
    day = datetime.now(UTC).strftime("%Y%m%d")
    for j in range(n_cases):
        u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        data["fields"]["applicant_id"] = _resident_id(rng)
        p = dict(case, uuid=u, receipt_no=f"{d.code}-{day}-{j:04d}-{u[:4]}",
                 data_json=json.dumps(data, ensure_ascii=False))
        records.append({"id": len(records) + 1, "kind": "case", "case_uuid": u,
                        "revision": 1, "payload": p})
        uuids.append(u)
    for j in range(round(n_cases / 6 * rng.uniform(0.5, 1.5))):
        u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        p = dict(matter, uuid=u, matter_no=f"{d.code}-M{day}-{j:04d}-{u[:4]}",
                 desk_code=d.code)
        records.append({"id": len(records) + 1, "kind": "matter", "case_uuid": u,
                        "revision": 1, "payload": p})
    for u in uuids:
        if rng.random() < 0.25:
            records.append({"id": len(records) + 1, "kind": "rating", "case_uuid": u,
                            "revision": 1, "payload": {"uuid": u, "level": rng.choice(
                                (5, 5, 5, 4, 3, 1)), "reason": "",
                                "rated_at": case["updated_at"]}})
    raw = json.dumps({"protocol": 1, "desk_id": d.desk_id, "batch_id": str(uuid.uuid4()),
                      "records": records}, ensure_ascii=False).encode()
    return gzip.compress(raw, 5, mtime=0), uuids, len(records)


def _arrival(rng: random.Random, peak_share: float) -> float:
    """Seconds after 07:30 a desk starts its morning sync."""
    if rng.random() < peak_share:
        return rng.uniform(*PEAK)
    return rng.uniform(0.0, MORNING)


def trial(url: str, n: int, workers: int, args: argparse.Namespace, tpl: dict[str, Any],
          pg_pid: int | None) -> dict[str, Any]:
    """One morning of ``n`` desks against a fresh district with ``workers`` workers."""
    rng = random.Random(n * 10 + workers)
    lo, hi = (int(x) for x in args.cases.split(","))
    _migrate_once(url)
    st = Storage(url)
    desks = enroll(st, n, "M")
    work = []
    decisions: list[tuple[Any, ...]] = []
    for d in desks:
        body, uuids, n_records = _batch(rng, d, tpl, rng.randint(lo, hi))
        at = _arrival(rng, args.peak_share) / args.compress
        work.append((d, body, len(uuids), n_records, at))
        for u in rng.sample(uuids, min(len(uuids), rng.randint(0, 2 * args.decisions))):
            # yesterday's decisions on this desk's cases wait to be pulled
            decisions.append(("status", d.desk_id, u, "accepted", "", "区民政局",
                              "console:admin", (datetime.now(UTC) - timedelta(hours=14)
                                                ).isoformat(timespec="seconds")))
    copy_changes(st, decisions)
    st.close()
    if args.history:
        seed_history(url, desks, args.history)
    server = Server(url, workers)
    rounds: list[float] = []
    late: list[float] = []
    errors: list[str] = []

    def run(d: Desk, body: bytes, n_records: int, at: float, t0: float) -> None:
        wait = t0 + at - time.perf_counter()
        if wait > 0:
            time.sleep(wait)  # (a bench: the desk's arrival time)
        start = time.perf_counter()
        late.append(start - t0 - at)
        try:
            with requests.Session() as s:
                res = d.push(s, server.url, body)["results"]
                bad = [r for r in res if r["result"] != "accepted"]
                if len(res) != n_records or bad:
                    errors.append(f"push: {len(res)} results, {bad[:1]}")
                since, more = 0, True
                while more:
                    page = d.pull(s, server.url, since)
                    since, more = int(page["cursor"]), bool(page["more"])
            rounds.append(time.perf_counter() - start)
        except Exception as exc:  # a bench counts every failure
            errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")

    try:
        app0, db0 = server.cpu(), tree_cpu(pg_pid, reaped=True) if pg_pid else 0.0
        own0 = _own_cpu()
        t0 = time.perf_counter() + 0.5
        threads = [threading.Thread(target=run, args=(d, b, nr, at, t0))
                   for d, b, _nc, nr, at in work]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        app = server.cpu() - app0
        dbc = (tree_cpu(pg_pid, reaped=True) if pg_pid else 0.0) - db0
        cpu = app + dbc
        own = _own_cpu() - own0
    finally:
        server.stop()
    n_cases = sum(w[2] for w in work)
    ok = not errors and len(rounds) == n and _pct(rounds, 0.95) <= args.round_s
    return {"desks": n, "workers": workers, "ok": ok, "cases": n_cases,
            "records": sum(w[3] for w in work), "decisions_pulled": len(decisions),
            "wall_s": round(wall, 1), "errors": len(errors),
            "first_error": errors[0] if errors else None,
            "round_p50_s": round(statistics.median(rounds), 3) if rounds else None,
            "round_p95_s": round(_pct(rounds, 0.95), 3) if rounds else None,
            "round_max_s": round(max(rounds), 3) if rounds else None,
            "arrival_late_p95_s": round(_pct(late, 0.95), 3) if late else None,
            "server_cpu_s": round(cpu, 2), "uvicorn_cpu_s": round(app, 2),
            "postgres_cpu_s": round(dbc, 2),
            "server_cpu_s_per_1000_cases": round(cpu / n_cases * 1000, 3),
            "bench_client_cpu_s": round(own, 2)}


def seed_history(url: str, desks: list[Desk], per_desk: int) -> float:
    """``per_desk`` earlier cases of each desk, as ingest leaves them (a ``cases`` row, its
    revision, the receipt number's claim, the desk's record of it, its sent count), one an
    hour back from now, written by SQL in the database, then ``ANALYZE`` (a district's
    autovacuum has seen its tables). Their payloads are ``{}``: nothing this morning reads
    them. Returns the seconds it took."""
    import psycopg

    t = time.perf_counter()
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_desks (desk_id text, code text)")
        with cur.copy("COPY bench_desks (desk_id, code) FROM STDIN") as cp:
            for d in desks:
                cp.write_row((d.desk_id, d.code))
        cur.execute("""
            INSERT INTO cases (uuid, desk_id, desk_code, receipt_no, item_code, item_name,
                department, catalog_version, desk_status, revision, applicant_name,
                desk_created_at, desk_updated_at, received_at, updated_at, district_status,
                district_note, batch_id, priority, resident_hash, resident_date)
            SELECT gen_random_uuid()::text, d.desk_id, d.code,
                   d.code || '-H' || lpad(g::text, 7, '0'), 'MZ-GLJT', '高龄津贴申领', '民政',
                   'history', 'accepted', 1, '王桂兰', t.at, t.at, t.at, t.at, 'completed',
                   '', 'history', 0, substr(md5(random()::text), 1, 24), substr(t.at, 1, 10)
            FROM bench_desks d, generate_series(1, %s) g,
                 LATERAL (SELECT to_char(now() AT TIME ZONE 'UTC' - make_interval(hours => g),
                                         'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') AS at) t""",
                    (per_desk,))
        cur.execute("""INSERT INTO case_revisions (case_uuid, revision, content_hash, desk_id,
                           batch_id, received_at, payload_json)
                       SELECT uuid, 1, md5(uuid), desk_id, 'history', received_at, '{}'
                       FROM cases WHERE batch_id = 'history'""")
        cur.execute("""INSERT INTO receipt_numbers (receipt_no, case_uuid)
                       SELECT receipt_no, uuid FROM cases WHERE batch_id = 'history'""")
        cur.execute("""INSERT INTO desk_records (desk_id, kind, case_uuid, revision, outbox_id, at)
                       SELECT desk_id, 'case', uuid, 1, NULL, received_at
                       FROM cases WHERE batch_id = 'history'""")
        cur.execute("""INSERT INTO desk_sent_counts (desk_id, cases)
                       SELECT desk_id, count(*) FROM cases WHERE batch_id = 'history'
                       GROUP BY desk_id
                       ON CONFLICT (desk_id) DO UPDATE SET cases = excluded.cases""")
        for table in ("cases", "case_revisions", "receipt_numbers", "desk_records",
                      "desk_sent_counts"):
            cur.execute(f"ANALYZE {table}")
    return time.perf_counter() - t


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def search(workers: int, start: int, args: argparse.Namespace, tpl: dict[str, Any],
           db: Callable[[str], str], pg_pid: int | None) -> dict[str, Any]:
    """Double N until a morning fails, then bisect, within ``args.budget`` seconds."""
    deadline = time.monotonic() + args.budget
    good: dict[str, Any] | None = None
    bad: dict[str, Any] | None = None
    tried = []
    n = start
    while time.monotonic() < deadline and 1 <= n <= args.max_desks:
        r = trial(db(f"morning_w{workers}_n{n}"), n, workers, args, tpl, pg_pid)
        tried.append(r)
        print(f"morning: {workers} worker(s), N={n}: {'ok' if r['ok'] else 'FAILED'} "
              f"p95 round {r['round_p95_s']} s, errors {r['errors']}, "
              f"{r['server_cpu_s_per_1000_cases']} CPU-s/1000 cases", file=sys.stderr)
        if r["ok"] and (good is None or n > good["desks"]):
            good = r
        elif not r["ok"] and (bad is None or n < bad["desks"]):
            bad = r
        if bad is None:
            n *= 2
            continue
        lo = good["desks"] if good else 0
        if bad["desks"] - lo <= max(1, lo // 8):  # within 12.5 %: close enough
            break
        n = (lo + bad["desks"]) // 2
    return {"workers": workers, "largest_ok_desks": good["desks"] if good else 0,
            "smallest_failed_desks": bad["desks"] if bad else None,
            "at_largest_ok": good, "trials": tried}


def morning(args: argparse.Namespace, db: Callable[[str], str], pg_pid: int | None
            ) -> dict[str, Any]:
    tpl = _templates()
    out: dict[str, Any] = {"compress": args.compress, "peak_share": args.peak_share,
                           "cases_per_desk": args.cases, "round_limit_s": args.round_s,
                           "history_per_desk": args.history,
                           "cpu_count": os.cpu_count(), "load_before": os.getloadavg()[0]}
    start = args.start
    for w in (int(x) for x in args.workers.split(",")):
        res = search(w, start, args, tpl, db, pg_pid)
        res["real_morning_desks"] = round(res["largest_ok_desks"] * args.compress)
        out[f"workers_{w}"] = res
        start = max(args.start, res["largest_ok_desks"])  # more workers: at least as many
    per = [t["server_cpu_s_per_1000_cases"] for k, v in out.items() if k.startswith("workers_")
           for t in v["trials"] if t["ok"]]
    out["server_cpu_s_per_1000_cases_median"] = round(statistics.median(per), 3) if per \
        else None
    return out
