"""City-scale sync benchmark (issue 20): the pull at 1,000,000 changes, and a city's morning.

Run: ``python bench/bench_city.py [--parts pull,morning] [--pg auto|URL] [flags]``
(``--pg auto``: a temporary cluster made as a district's database is — ``--locale=C``,
``fsync`` on — unless ``--pg-fsync off`` or ``--pg-locale``).

1. **pull** — a PostgreSQL district holding ``--changes`` (1,000,000) changes for
   ``--pull-desks`` (1,400) desks, written straight into the ``changes`` table with COPY
   (not through the API: a million console decisions would take the bench an hour), then
   analysed (``VACUUM ANALYZE``, as autovacuum does after such a load). Each desk pulls once
   from its own cursor (a few of its newest changes still to come, as a desk finds in the
   morning), one page of at most 500, with signed ``GET /api/v1/changes`` against the real
   server (uvicorn, one worker): p50/p95 latency beside the floor (``GET /healthz``, the
   same HTTP round trip with no work). Fifty desks then pull a full page from cursor 0
   (a new desk: the catalog and 499 changes) and from just after it (far behind: 500).
   ``EXPLAIN (ANALYZE, BUFFERS)`` of the statement the server runs
   (:data:`sync.district.changes_feed.PAGE`) is printed; target p95 ≤ 50 ms.
2. **morning** — ``N`` desks, each syncing the previous day's work (20–60 cases, about one
   matter in six cases, a rating for about one case in four: the record kinds of
   sync/protocol.py) as one signed gzip batch, then pulling its changes (the district's
   decisions on its earlier cases are waiting) until nothing more. Desks arrive as a real
   morning (70 % between 08:30 and 09:30, the rest spread over 07:30–11:00) compressed by
   ``--compress`` (default 600: the 3.5-hour morning passes in 21 s), against PostgreSQL
   with 1, 2 and 4 uvicorn workers. For each worker count: the largest ``N`` for which the
   p95 sync round (push + pulls, from the desk's arrival) is ≤ 5 s and nothing fails —
   ``N`` doubled from ``--start`` until a round fails, then bisected, each worker count
   within ``--budget`` seconds — and the server's CPU seconds per 1,000 cases (the uvicorn
   processes' and PostgreSQL's own CPU time from /proc, pulls included). Since a round
   lasts far less than the morning, the load is the arrival rate: ``N`` desks compressed
   ``F`` times arrive as ``N × F`` desks in a real morning do.

Prints one JSON object (progress on stderr). Other processes on the machine share its
cores: each latency is printed beside a floor measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from bench_sync import ROOT as _ROOT  # noqa: E402  (bench_sync puts tests/sync on the path)
from bench_sync import Server  # noqa: E402
from sync_helpers import PgCluster  # noqa: E402

from sync import protocol as P  # noqa: E402
from sync.district.storage import Storage  # noqa: E402

assert _ROOT == ROOT
KINDS = ",".join(P.CHANGE_KINDS)  # what a current desk names (sync/client/http.py)


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[max(0, math.ceil(len(s) * q) - 1)]


def _ms(xs: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(xs) * 1000, 1),
            "p95_ms": round(_pct(xs, 0.95) * 1000, 1), "max_ms": round(max(xs) * 1000, 1)}


class Desk:
    """An enrolled desk's credentials and a signed HTTP session."""

    def __init__(self, desk_id: str, secret: str, code: str) -> None:
        self.desk_id, self.secret, self.code = desk_id, secret, code
        self.cursor = 0

    def pull(self, s: requests.Session, url: str, since: int) -> dict[str, Any]:
        path = P.PATH_CHANGES + "?" + urlencode({"since": since, "limit": 500, "kinds": KINDS,
                                                  "catalog_format": P.CATALOG_FORMAT})
        h = P.signed_headers(self.desk_id, self.secret, "GET", path, b"", time.time())
        r = s.get(url + path, headers=h, timeout=120)
        r.raise_for_status()
        out: dict[str, Any] = r.json()
        return out

    def push(self, s: requests.Session, url: str, body: bytes) -> dict[str, Any]:
        h = P.signed_headers(self.desk_id, self.secret, "POST", P.PATH_BATCHES, body,
                             time.time())
        h.update({"Content-Encoding": "gzip", "Content-Type": "application/json"})
        r = s.post(url + P.PATH_BATCHES, data=body, headers=h, timeout=120)
        r.raise_for_status()
        out: dict[str, Any] = r.json()
        return out


def enroll(st: Storage, n: int, prefix: str) -> list[Desk]:
    out = []
    for i in range(n):
        code = f"HY-{prefix}{i:04d}"
        resp = st.desks.enroll(P.EnrollRequest(code=st.desks.create_enroll_code(code, f"社区{i}"),
                                         receipt_key="0" * 64))
        out.append(Desk(resp.desk_id, resp.desk_secret, code))
    return out


def copy_changes(st: Storage, rows: list[tuple[Any, ...]]) -> None:
    """Write change rows with COPY (kind, desk_id, case_uuid, status, note, department,
    actor, at) — straight into the table, not through the API."""
    raw = st.engine.raw_connection()
    try:
        with raw.cursor() as cur:  # type: ignore[attr-defined]
            with cur.copy("COPY changes (kind, desk_id, case_uuid, status, note, department,"
                          " actor, at) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
        raw.commit()
    finally:
        raw.close()


def _decision_rows(rng: random.Random, desk_ids: list[str], n: int, start: datetime
                   ) -> list[tuple[Any, ...]]:
    """``n`` console decisions on the desks' cases, interleaved as a district makes them."""
    statuses = ("accepted", "completed", "needs_correction", "completed", "rejected")
    depts = ("区民政局", "区人社局", "区医保局", "区残联")
    step = timedelta(days=365) / max(1, n)
    rows = []
    for i in range(n):
        kind = "route" if rng.random() < 0.05 else "status"
        rows.append((kind, rng.choice(desk_ids), str(uuid.UUID(int=rng.getrandbits(128))),
                     rng.choice(statuses), "材料齐全" if rng.random() < 0.3 else "",
                     rng.choice(depts), "console:admin",
                     (start + step * i).isoformat(timespec="seconds")))
    return rows


def _explain(st: Storage, desk_id: str, since: int) -> str:
    from sync.district.changes_feed import page_sql

    with st.read() as conn:
        sql = page_sql(conn, desk_id, since, P.CHANGE_KINDS, 501)
        return "\n".join(r[0] for r in conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + sql))


def pull(url: str, n_changes: int, n_desks: int, full_pages: int) -> dict[str, Any]:
    """Part 1: the pull at ``n_changes`` changes and ``n_desks`` desks."""
    from forms.catalog import load_catalog
    from sync.district.cli import _migrate_once

    _migrate_once(url)
    st = Storage(url)
    rng = random.Random(20)
    t0 = time.perf_counter()
    desks = enroll(st, n_desks, "P")
    st.catalogs.publish(dict(load_catalog().to_json(), version="2026.12-city.1"))
    ids = [d.desk_id for d in desks]
    for k in range(0, n_changes, 200_000):
        copy_changes(st, _decision_rows(rng, ids, min(200_000, n_changes - k),
                                        datetime(2025, 12, 1, tzinfo=UTC)))
    with st.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "VACUUM ANALYZE changes")
        held = conn.exec_driver_sql("SELECT count(*) FROM changes").scalar()
        # each desk's cursor: before its k newest changes (k 0..40, what a morning finds)
        seqs = {d: s for d, s in conn.exec_driver_sql(
            "SELECT desk_id, array_agg(seq ORDER BY seq) FROM changes"
            " WHERE desk_id IS NOT NULL GROUP BY desk_id")}
    fill = time.perf_counter() - t0
    for d in desks:
        mine = seqs.get(d.desk_id, [])
        k = rng.randrange(0, 41)
        d.cursor = mine[-k - 1] if k < len(mine) else 0
    print(f"pull: {held} changes, {n_desks} desks, filled in {fill:.0f} s", file=sys.stderr)
    server = Server(url, 1)
    try:
        with requests.Session() as s:
            floor, lat, rows = [], [], []
            for d in desks[:50]:  # warm the connection pool and the caches
                d.pull(s, server.url, d.cursor)
            for d in desks:
                t = time.perf_counter()
                s.get(server.url + "/healthz", timeout=60).raise_for_status()
                floor.append(time.perf_counter() - t)
                t = time.perf_counter()
                rows.append(len(d.pull(s, server.url, d.cursor)["changes"]))
                lat.append(time.perf_counter() - t)
            full, full_rows, behind = [], [], []
            for d in desks[:full_pages]:
                t = time.perf_counter()
                page = d.pull(s, server.url, 0)  # a new desk: the catalog, then 499
                full.append(time.perf_counter() - t)
                full_rows.append(len(page["changes"]))
                t = time.perf_counter()
                page = d.pull(s, server.url, 1)  # far behind: a page of 500 decisions
                behind.append(time.perf_counter() - t)
    finally:
        server.stop()
    probe = max(desks, key=lambda d: len(seqs.get(d.desk_id, [])))
    plan = _explain(st, probe.desk_id, probe.cursor)
    plan0 = _explain(st, probe.desk_id, 0)
    st.close()
    out = {"changes": held, "desks": n_desks, "fill_seconds": round(fill, 1),
           "rows_per_pull_mean": round(statistics.mean(rows), 1),
           "pull": _ms(lat), "floor_healthz": _ms(floor),
           "full_page": _ms(full), "full_pages": len(full),
           "full_page_rows_mean": round(statistics.mean(full_rows), 1),
           "page_of_500_far_behind": _ms(behind),
           "plan_morning_cursor": plan, "plan_cursor_0": plan0,
           # the rows found through ranges of changes_desk, nothing scanned whole: a desk
           # far behind (cursor 0) reads ordered Index Scans the LIMIT stops; near its
           # cursor's end the planner may take its few rows by a bitmap scan of the same
           # index (a literal Index Only Scan would need every column a change carries)
           "index_ranges": "Seq Scan" not in plan + plan0 and "changes_desk" in plan
           and "Index Scan using changes_desk" in plan0 and "Bitmap" not in plan0,
           "p95_ok": _pct(lat, 0.95) <= 0.050}
    return out


def main(argv: list[str] | None = None) -> int:
    out = run(argv)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    ok = out.get("pull", {}).get("p95_ok", True) and out.get("pull", {}).get(
        "index_ranges", True)
    return 0 if ok else 1


def run(argv: list[str] | None = None) -> dict[str, Any]:
    """The parts ``argv`` asks for (this script's flags), their figures as one dict (also
    its morning is what ``bench_sync.py --parts city`` prints as ``city_morning``)."""
    ap = argparse.ArgumentParser(prog="bench_city.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", default="pull,morning")
    ap.add_argument("--pg", default="auto",
                    help="auto (a temporary cluster) or the URL of a PostgreSQL server where "
                         "the bench may create its databases (one per part and trial)")
    ap.add_argument("--pg-fsync", choices=("on", "off"), default="on",
                    help="the temporary cluster's fsync (--pg auto): on, as a district runs "
                         "(before stop 59 this benchmark's cluster ran with it off)")
    ap.add_argument("--pg-locale", default="C",
                    help="the temporary cluster's locale (initdb --locale), as the "
                         "installer's README makes a district's database")
    ap.add_argument("--changes", type=int, default=1_000_000)
    ap.add_argument("--pull-desks", type=int, default=1400)
    ap.add_argument("--full-pages", type=int, default=50)
    from bench_city_morning import add_arguments, morning

    add_arguments(ap)
    args = ap.parse_args(argv)
    parts = set(args.parts.split(","))
    out: dict[str, Any] = {}
    cluster = None
    if args.pg == "auto":
        cluster = PgCluster(args.pg_fsync == "on", args.pg_locale)
        cluster.start()
    try:
        def db(name: str) -> str:
            """A new, empty database for one part or trial."""
            if cluster is not None:
                cluster.admin(f"CREATE DATABASE {name}")
                return cluster.url(name)
            from sqlalchemy import create_engine
            from sqlalchemy.engine import make_url

            url = make_url(args.pg)  # a role that may create databases there
            name = f"{name}_{os.getpid()}"
            engine = create_engine(url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.exec_driver_sql(f"CREATE DATABASE {name}")
            engine.dispose()
            return url.set(database=name).render_as_string(hide_password=False)

        if "pull" in parts:
            out["pull"] = pull(db("city_pull"), args.changes, args.pull_desks,
                               args.full_pages)
            print(out["pull"]["plan_morning_cursor"], file=sys.stderr)
            print({k: v for k, v in out["pull"].items() if not k.startswith("plan")},
                  file=sys.stderr)
        if "morning" in parts:
            pg_pid = (int((cluster.data / "postmaster.pid").read_text().split()[0])
                      if cluster is not None else None)
            out["morning"] = morning(args, db, pg_pid)
            if cluster is not None:  # (a URL given: its settings are the server's own)
                out["morning"].update(pg_fsync=args.pg_fsync, pg_locale=args.pg_locale)
    finally:
        if cluster is not None:
            cluster.stop()
    return out


if __name__ == "__main__":
    raise SystemExit(main())
