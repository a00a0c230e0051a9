"""The public progress page ``/q`` at 1,000,000 cases on PostgreSQL (issue 18).

Run: ``python bench/bench_query.py [--cases 1000000] [--rounds 400]``

1. A throw-away PostgreSQL cluster (the sync tests' helper) gets ``--cases`` synthetic cases
   with their revisions, desks and ratings by ``bench_console.load`` (COPY), then every
   receipt number is claimed in ``receipt_numbers`` (as ingest does) and the decided cases
   get their district ``status`` changes (the page's 办理经过).
2. A server process runs the page's routes (``sync.district.public_query_api.install`` on
   a bare FastAPI app over the same storage: the district's full app would first build the
   console's read model over every case, ~45 min here, which the page does not read) under
   uvicorn, with the per-address limit raised so that every request is answered (each
   request still counts in the database, as in production).
3. Timed over HTTP, end to end, ``--rounds`` requests each: a genuine receipt number and
   check code of a random case (the QR code's address ``/q/{receipt}/{code}``), the same
   typed into the form (``/q?r=…&c=…``), a wrong code, an unknown number — and the floor:
   the empty form ``/q`` (the same HTTP path with no database work). Target: p95 ≤ 50 ms.

Prints one JSON object (and a line per measurement on stderr); ``cat /proc/loadavg`` is
recorded before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "sync"))

KEY = "0" * 64  # bench_console.load gives every desk this receipt key


def serve(url: str, port: int) -> None:
    """The server process: the page's routes over ``url``."""
    import uvicorn
    from fastapi import FastAPI

    from sync.district import public_query_api
    from sync.district.config import load_settings
    from sync.district.ratelimit import RateLimiter
    from sync.district.storage import Storage

    app = FastAPI()
    app.state.storage = Storage(url)
    app.state.limiters = {"query": RateLimiter(app.state.storage, "query",
                                               load_settings().query_rate)}
    app.include_router(public_query_api.router)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", ws="none",
                lifespan="off")


def prepare(url: str) -> dict[str, Any]:
    """Claim every receipt number; write the decided cases' status changes."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    t = time.perf_counter()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO receipt_numbers (receipt_no, case_uuid) "
                    "SELECT receipt_no, min(uuid) FROM cases GROUP BY receipt_no")
        claimed = cur.rowcount
        cur.execute("""
            INSERT INTO changes (kind, desk_id, case_uuid, status, note, department, actor, at)
            SELECT 'status', desk_id, uuid, district_status, coalesce(district_note, ''),
                   district_department, 'reviewer', district_updated_at
            FROM cases WHERE district_status <> 'received'
                         AND district_updated_at IS NOT NULL""")
        changed = cur.rowcount
        cur.execute("ANALYZE receipt_numbers")
        cur.execute("ANALYZE changes")
    return {"seconds": round(time.perf_counter() - t, 1), "receipts": claimed,
            "status_changes": changed}


def samples(url: str, n: int) -> list[tuple[str, str, str]]:
    """``n`` random claimed cases: (receipt number, check code, district status)."""
    import psycopg

    from sync import protocol as P

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT r.receipt_no, r.case_uuid, c.district_status FROM receipt_numbers r "
                    "JOIN cases c ON c.uuid = r.case_uuid "
                    "ORDER BY md5(r.receipt_no || 'q') LIMIT %s", (n,))
        rows = cur.fetchall()
    return [(no, P.receipt_code(KEY, no, uuid), status) for no, uuid, status in rows]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def timed(s: Any, urls: list[str], expect: int) -> dict[str, float]:
    """p50 / p95 / max (ms) of GETs of ``urls`` (each answered ``expect``)."""
    s.get(urls[0])  # warm the connection
    xs = []
    for u in urls:
        t = time.perf_counter()
        r = s.get(u)
        xs.append(time.perf_counter() - t)
        assert r.status_code == expect, (u, r.status_code, r.text[:200])
    return {"p50_ms": round(statistics.median(xs) * 1000, 1),
            "p95_ms": round(pct(xs, 95) * 1000, 1), "max_ms": round(max(xs) * 1000, 1),
            "n": len(xs)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=400)
    ap.add_argument("--serve", nargs=2, metavar=("URL", "PORT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return 0
    import requests
    from bench_console import load
    from sync_helpers import PgCluster

    out: dict[str, Any] = {"cases": args.cases, "db": "postgresql"}
    cluster = PgCluster()
    cluster.start()
    srv: subprocess.Popen[bytes] | None = None
    try:
        cluster.admin("CREATE DATABASE bench")
        url = cluster.url("bench")
        t = time.perf_counter()
        load(url, args.cases)
        out["load_seconds"] = round(time.perf_counter() - t, 1)
        print(f"loaded {args.cases} cases in {out['load_seconds']} s", file=sys.stderr)
        out["prepare"] = prepare(url)
        print(f"prepared: {out['prepare']}", file=sys.stderr)
        picks = samples(url, args.rounds)
        out["sampled_statuses"] = sorted({s for _, _, s in picks})
        port = _free_port()
        srv = subprocess.Popen([sys.executable, __file__, "--serve", url, str(port)],
                               env=dict(os.environ, DOORSTEP_QUERY_RATE=str(10 ** 9)),
                               cwd=str(ROOT))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{base}/q", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or srv.poll() is not None:
                raise SystemExit("server did not start")
            time.sleep(0.2)
        rng = random.Random(18)
        s = requests.Session()
        out["loadavg_before"] = Path("/proc/loadavg").read_text().split()[:3]
        wrong = [(no, code[:-1] + ("A" if code[-1] != "A" else "B")) for no, code, _ in picks]
        unknown = [(f"HY-ZZ{rng.randrange(100):02d}-20260101-{rng.randrange(10000):04d}",
                    code) for _, code, _ in picks]
        out["latency"] = {
            "floor: empty form /q": timed(s, [f"{base}/q"] * args.rounds, 200),
            "QR /q/{receipt}/{code}": timed(s, [f"{base}/q/{no}/{code}"
                                                 for no, code, _ in picks], 200),
            "typed /q?r=&c=": timed(s, [f"{base}/q?r={no}&c={code}"
                                         for no, code, _ in picks], 200),
            "wrong code": timed(s, [f"{base}/q/{no}/{code}" for no, code in wrong], 404),
            "unknown number": timed(s, [f"{base}/q/{no}/{code}" for no, code in unknown],
                                    404),
        }
        out["loadavg_after"] = Path("/proc/loadavg").read_text().split()[:3]
        for k, v in out["latency"].items():
            print(f"{k:26s} {v}", file=sys.stderr)
        worst = max(v["p95_ms"] for k, v in out["latency"].items() if not k.startswith("floor"))
        out["worst_p95_ms"] = worst
        out["target_p95_ms"] = 50
        out["within_target"] = worst <= 50
    finally:
        if srv is not None:
            srv.terminate()
            srv.wait(timeout=30)
        cluster.stop()
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0 if out.get("within_target") else 1


if __name__ == "__main__":
    sys.exit(main())
