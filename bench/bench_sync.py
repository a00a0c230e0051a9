"""Sync benchmark: how fast cases get from desks to the district.

Run: ``python bench/bench_sync.py [--cases 10000] [--desks 50] [--batch 500] [--pg auto|none|URL]``

1. **One desk, 10,000 cases** (SQLite district): end-to-end cases/s of ``sync_desk`` (read
   outbox, sign, gzip, HTTP, validate, commit, mark the outbox) against the *floor*: posting
   the same bytes to a discard endpoint plus inserting the same rows directly into the
   district tables. Target: end-to-end ≥ 0.6 × floor. Also the CPU seconds of each (both
   sides of the sync; the floor's posting, discarding and inserting) and their ratio,
   steadier than wall time on a busy machine. ``--rounds`` (3) rounds, each with its own desk,
   district and floor; the round of the median ratio is reported, with every round's ratio.
   The district as a 2-core server runs it, ``serve --workers 2`` (``--one-workers``): the
   desk has two batches in flight, so one is checked while the other is written.
2. **50 concurrent desks × 500-case batches**, on SQLite and on PostgreSQL: district cases/s
   and p50/p95 batch latency (each desk a thread posting pre-built, signed batches, its
   CPU seconds ``desks_cpu_s``;
   ``--sqlite-workers N`` server processes on the SQLite file (``1,2``: each in turn),
   ``--pg-workers`` on PostgreSQL, default 1 and 2; ``--repeat K``: each K times, SQLite
   and PostgreSQL alternating, the median run of each reported with every run's cases/s and
   p95, and ``postgres_over_sqlite`` (PostgreSQL's cases/s over SQLite's, pair by pair —
   on a busy machine one run moves by a sixth); the temporary PostgreSQL cluster with
   ``fsync`` on, as SQLite's ``synchronous=FULL``, unless ``--pg-fsync off``). Beside
   them, the same run's CPU seconds per 1,000 cases (server processes, and PostgreSQL's)
   and ``least_seconds``: that CPU work spread as widely as it can go on this machine (a
   server process's Python on one core at a time, PostgreSQL on every core) — all
   batches arrive at once, so the last answers can come no sooner than that, whatever
   the order (the floor a p95 target is to be read against). Each desk's batches are made
   as a desk makes them: UUIDv7 case ids, its own desk code, receipt numbers in sequence.
   ``--server-steps``: the first run of each counts every ingest step's CPU inside the
   server processes themselves, ms per batch (``bench/server_steps.py``).
3. **The city morning's capacity** (``--parts city``, on ``--pg``): ``bench_city.py``'s
   morning — N desks each pushing the previous day's work and pulling, arriving as a real
   morning does — with its model's parameters, and for 1, 2 and 4 workers the largest N
   whose p95 sync round is ≤ 5 s with nothing failed, and the server's CPU seconds per
   1,000 cases (``--city "FLAGS"``: more of ``bench_city.py``'s flags, e.g. ``--budget 60``),
   on a temporary cluster with this run's ``--pg-fsync`` and ``--pg-locale``.
4. **The ingest's steps** (``--parts steps``, not run by default): one desk's batches through
   ``storage.ingest.batch`` in this process with every step timed, CPU and wall ms per
   batch, on SQLite and (``--pg``) PostgreSQL (``bench/ingest_steps.py``).

The district runs in its own process (``uvicorn``), as in production. Prints one JSON object
(and a short table on stderr).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests
from uuid6 import uuid7

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "sync"))
sys.path.insert(0, str(ROOT / "bench"))

import pg_work  # noqa: E402
import server_steps  # noqa: E402
from sync_profile import Spy, child_of, report, spy_available, tree_cpu  # noqa: E402

from sync import protocol as P  # noqa: E402
from sync.district.cli import loop_for  # noqa: E402
from sync.district.storage import Storage, case_revisions, cases  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """The district API in a subprocess (under ``py-spy record`` when ``profile`` names
    the file to write)."""

    idle = False  # --profile-idle: the server's profiles sample waiting threads too

    def __init__(self, db_url: str, workers: int = 1, profile: Path | None = None,
                 steps: Path | None = None) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        from sync.district.cli import _migrate_once

        _migrate_once(db_url)  # schema first (sync and console), before the workers race
        env = dict(os.environ, DOORSTEP_DB=db_url, DOORSTEP_BENCH_DISCARD="1")
        factory = "sync.district.app:app_from_env"
        if steps is not None:  # --server-steps: the ingest's steps counted in each process
            factory = "server_steps:app"
            env["DOORSTEP_BENCH_STEPS"] = str(steps)
            env["PYTHONPATH"] = os.pathsep.join(
                [str(ROOT / "bench"), str(ROOT)] + ([env["PYTHONPATH"]]
                                                    if env.get("PYTHONPATH") else []))
        cmd = [sys.executable, "-m", "uvicorn", "--factory", factory,
               "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
               "--workers", str(workers), "--ws", "none", "--lifespan", "off",
               "--loop", loop_for(workers)]  # as `doorstep-district serve` runs
        if profile is not None:  # py-spy starts the server and writes when it ends
            self.proc = Spy(profile, command=cmd, idle=self.idle, env=env,
                            cwd=str(ROOT)).proc
            self.pid = child_of(self.proc.pid)
        else:
            self.proc = subprocess.Popen(cmd, env=env, cwd=str(ROOT))
            self.pid = self.proc.pid
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit("district server did not start")
            time.sleep(0.1)
        self._settle(deadline)

    def _settle(self, deadline: float) -> None:
        """Wait until every server process has finished starting: the first to answer
        ``/healthz`` may be ahead of the others, still importing and reading the catalog
        (measured: 0.12–0.22 CPU-s of the second worker's start fell in a burst begun at
        the first answer, counted as the burst's and taking a core from it). Settled: the
        processes' CPU seconds still for half a second (a district starts long before
        its morning)."""
        last = self.cpu()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = self.cpu()
            if now - last < 0.02:
                return
            last = now

    def cpu(self) -> float:
        """CPU seconds the server's processes (uvicorn and its workers) used so far."""
        return tree_cpu(self.pid)

    def stop(self) -> None:
        os.kill(self.pid, signal.SIGTERM)
        self.proc.wait(timeout=60)  # (py-spy writes its file when the server has ended)


def _resident_id(rng: random.Random) -> str:
    """A valid ID number of a man born 1935-1944 (the 高龄津贴 example's age and sex)."""
    from desk.core.demo import make_id

    return make_id(rng, date(1935, 1, 1) + timedelta(days=rng.randrange(3650)), "男")


def _desk(tmp: Path, n: int) -> Any:
    """A desk holding ``n`` 高龄津贴 cases, each of a different resident — as a day's cases
    are (one resident's ``n`` cases of a once-only item made the district's duplicate
    check, not the sync, what was measured)."""
    from desk.core.app import DeskContext

    ctx = DeskContext.open(str(tmp / "desk"))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    it = ctx.catalog.get("MZ-GLJT")
    rng = random.Random(n)
    for start in range(0, n, 2000):
        rows = []
        for _ in range(min(2000, n - start)):
            result = ctx.cases.check(it.code, dict(it.example, applicant_id=_resident_id(rng)))
            assert result.ok, result
            rows.append(ctx.cases.build_case(it, result, ctx.actor(), date.today()))
        ctx.store.bulk_insert_cases(rows, "bench")
    return ctx


def one_desk(n: int, batch: int, tmp: Path, profile: Path | None = None,
             workers: int = 2) -> dict[str, Any]:
    """10,000 cases from one desk: end-to-end vs the floor (``profile``: a folder for
    py-spy profiles of both sides during the end-to-end sync; ``workers``: the district's
    server processes — 2, as a 2-core district serves, ``serve --workers 2``: the desk
    keeps two batches in flight, one checked while the other is written)."""
    from sync.client.desk import enroll_desk, sync_desk

    db = f"sqlite:///{tmp / 'e2e.sqlite3'}"
    server = Server(db, workers, profile=profile / "one-desk-server.txt" if profile else None)
    try:
        ctx = _desk(tmp, n)
        st = Storage(db)
        enroll_desk(ctx, server.url, st.desks.create_enroll_code("HY-QL01", "bench"))
        st.close()
        # the bytes the client will post, built the same way (for the floor)
        entries = ctx.store.sync.pending_outbox(n)
        bodies = []
        for i in range(0, len(entries), batch):
            records = [{k: e[k] for k in ("id", "kind", "case_uuid", "revision", "payload")}
                       for e in entries[i:i + batch]]
            doc = P.BatchRequest(desk_id="x", batch_id=uuid.uuid4(), records=records)
            raw = json.dumps(doc.model_dump(mode="json"), ensure_ascii=False,
                             separators=(",", ":")).encode()
            bodies.append((records, P.gzip_body(raw)[0]))
        spy = (Spy(profile / "one-desk-desk.txt", pid=os.getpid(), idle=Server.idle)
               if profile else None)
        cpu0, desk0 = server.cpu(), _own_cpu()
        t0 = time.perf_counter()
        summary = sync_desk(ctx, batch_size=batch)
        e2e = time.perf_counter() - t0
        server_cpu, desk_cpu = server.cpu() - cpu0, _own_cpu() - desk0
        if spy is not None:
            spy.stop()
        assert summary["complete"] and summary["accepted"] == n, summary
        with requests.Session() as s:
            cpu0, own0 = server.cpu(), _own_cpu()
            t0 = time.perf_counter()
            for _, body in bodies:
                r = s.post(server.url + P.PATH_DISCARD, data=body,
                           headers={"Content-Encoding": "gzip",
                                    "Content-Type": "application/json"}, timeout=60)
                r.raise_for_status()
            net = time.perf_counter() - t0
            net_cpu = server.cpu() - cpu0 + _own_cpu() - own0
        ctx.close()
    finally:
        server.stop()
    direct = Storage(f"sqlite:///{tmp / 'direct.sqlite3'}")
    now = P.utc_now()
    own0 = _own_cpu()
    t0 = time.perf_counter()
    for records, _ in bodies:
        with direct.write() as conn:
            conn.execute(case_revisions.insert(), [
                {"case_uuid": r["case_uuid"], "revision": r["revision"],
                 "content_hash": P.content_hash(r["payload"]), "desk_id": "d",
                 "batch_id": "b", "received_at": now,
                 "payload_json": json.dumps(r["payload"], ensure_ascii=False)}
                for r in records])
            conn.execute(cases.insert(), [_case_row(r["payload"], now) for r in records])
    insert = time.perf_counter() - t0
    floor_cpu = net_cpu + _own_cpu() - own0
    direct.close()
    floor = n / (net + insert)
    rate = n / e2e
    return {"cases": n, "batch": batch, "workers": workers, "e2e_seconds": round(e2e, 3),
            "e2e_cases_per_s": round(rate), "discard_post_seconds": round(net, 3),
            "direct_insert_seconds": round(insert, 3),
            "direct_insert_cases_per_s": round(n / insert),
            "floor_cases_per_s": round(floor), "ratio_to_floor": round(rate / floor, 2),
            "bytes_posted": sum(len(b) for _, b in bodies),
            "server_cpu_s": round(server_cpu, 2), "desk_cpu_s": round(desk_cpu, 2),
            "server_cpu_s_per_1000_cases": round(server_cpu / n * 1000, 3),
            # CPU seconds of both (desk and server; the floor's client, server and insert),
            # steadier than wall time on a machine others share
            "e2e_cpu_s": round(server_cpu + desk_cpu, 2), "floor_cpu_s": round(floor_cpu, 2),
            "cpu_ratio_to_floor": round(floor_cpu / (server_cpu + desk_cpu), 2)}


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def _case_row(p: dict[str, Any], now: str) -> dict[str, Any]:
    return {"uuid": p["uuid"], "desk_id": "d", "desk_code": p["desk_code"],
            "receipt_no": p["receipt_no"], "item_code": p["item_code"],
            "item_name": p["item_name"], "department": p["department"],
            "catalog_version": p["catalog_version"], "desk_status": p["status"],
            "revision": p["revision"], "applicant_name": p["applicant_name"],
            "desk_created_at": p["created_at"], "desk_updated_at": p["updated_at"],
            "received_at": now, "updated_at": now, "district_status": "received",
            "district_note": "", "batch_id": "b"}


def many_desks(db_url: str, desks: int, batch: int, batches_per_desk: int, template: Any,
               workers: int, profile: Path | None = None, db_pid: int | None = None,
               on_start: Any = None, steps: Path | None = None) -> dict[str, Any]:
    """``desks`` threads each posting ``batches_per_desk`` batches of ``batch`` cases
    (``profile``: the file for the server's py-spy profile; ``db_pid``: PostgreSQL's
    postmaster, whose CPU seconds are counted with the server's)."""
    st = Storage(db_url)
    creds = []
    for i in range(desks):
        resp = st.desks.enroll(P.EnrollRequest(code=st.desks.create_enroll_code(f"HY-B{i:02d}", f"d{i}"),
                                         receipt_key="0" * 64))
        creds.append((resp.desk_id, resp.desk_secret))
    st.close()
    payloads: list[list[bytes]] = []
    data = json.loads(template["data_json"])
    rng = random.Random(desks)
    for k, (desk_id, _) in enumerate(creds):
        mine = []
        for b in range(batches_per_desk):
            records = []
            for j in range(batch):
                # as a desk sends them: time-ordered UUIDs (UUIDv7, desk.core.cases), its
                # own code, receipt numbers in sequence; each case a different resident
                u = str(uuid7())
                data["fields"]["applicant_id"] = _resident_id(rng)
                p = dict(template, uuid=u, desk_code=f"HY-B{k:02d}",
                         receipt_no=f"HY-B{k:02d}-20261205-{b * batch + j + 1:04d}",
                         data_json=json.dumps(data, ensure_ascii=False))
                records.append({"id": j + 1, "kind": "case", "case_uuid": u, "revision": 1,
                                "payload": p})
            raw = json.dumps({"protocol": 1, "desk_id": desk_id, "batch_id": str(uuid.uuid4()),
                              "records": records}, ensure_ascii=False).encode()
            mine.append(gzip.compress(raw, 5, mtime=0))
        payloads.append(mine)
    if steps is not None:
        steps.mkdir(parents=True)
    server = Server(db_url, workers, profile, steps)
    if on_start is not None:  # --db-work: zero PostgreSQL's statement counters
        on_start()
    latencies: list[float] = []
    errors: list[str] = []
    go = threading.Barrier(desks)

    def run(k: int) -> None:
        desk_id, secret = creds[k]
        # the standard library's client, as light as a post can be: the desks share this
        # machine's two cores with the district (a real desk is a laptop of its own), and
        # requests' Session took ~5 ms of CPU a post — 0.26 CPU-s of a burst's 50 against
        # 0.06-0.08 (desks_cpu_s), taken from the server under test
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
        try:
            go.wait()
            for body in payloads[k]:
                h = P.signed_headers(desk_id, secret, "POST", P.PATH_BATCHES, body, time.time())
                h.update({"Content-Encoding": "gzip", "Content-Type": "application/json"})
                t0 = time.perf_counter()
                conn.request("POST", P.PATH_BATCHES, body=body, headers=h)
                r = conn.getresponse()
                answer = r.read()
                latencies.append(time.perf_counter() - t0)
                if r.status != 200:
                    if r.getheader("Content-Encoding") == "gzip":
                        answer = gzip.decompress(answer)
                    errors.append(f"{r.status} {answer[:200].decode(errors='replace')}")
        finally:
            conn.close()

    try:
        threads = [threading.Thread(target=run, args=(k,)) for k in range(desks)]
        cpu0 = server.cpu()
        own0 = _own_cpu()
        db0 = tree_cpu(db_pid, reaped=True) if db_pid else 0.0
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        server_cpu = server.cpu() - cpu0
        desks_cpu = _own_cpu() - own0
        db_cpu = tree_cpu(db_pid, reaped=True) - db0 if db_pid else None
    finally:
        server.stop()
    st = Storage(db_url)
    held = st.stats()["cases"]
    st.close()
    total = desks * batches_per_desk * batch
    lat = sorted(latencies)
    work = server_cpu + (db_cpu or 0.0)  # the district's CPU seconds for the run
    cores = os.cpu_count() or 1
    # a server process runs its Python on one core at a time (the GIL): ``workers`` of
    # them use at most that many; PostgreSQL's own work may take every core
    least = max(server_cpu / min(workers, cores), work / cores)
    counted = server_steps.collect(steps, server_cpu) if steps is not None else None
    return {"db": db_url.split(":", 1)[0], "workers": workers, "desks": desks, "batch": batch,
            "cases": total, "held": held, "errors": len(errors),
            "first_error": errors[0] if errors else None, "seconds": round(wall, 2),
            "cases_per_s": round(total / wall),
            "p50_batch_s": round(statistics.median(lat), 3),
            "p95_batch_s": round(lat[max(0, int(len(lat) * 0.95) - 1)], 3),
            "server_cpu_s": round(server_cpu, 2),
            "db_cpu_s": round(db_cpu, 2) if db_cpu is not None else None,
            "desks_cpu_s": round(desks_cpu, 2),
            "cpu_s_per_1000_cases": round(work / total * 1000, 3),
            "cores": cores, "least_seconds": round(least, 2),
            **({"server_steps": counted} if counted is not None else {})}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--e2e-batch", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=3,
                    help="one desk's rounds (the median's is reported)")
    ap.add_argument("--one-workers", type=int, default=2,
                    help="one desk's district: server processes (2, as a 2-core district "
                         "serves; 1: one process checks and writes every batch)")
    ap.add_argument("--desks", type=int, default=50)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--batches-per-desk", type=int, default=1)
    ap.add_argument("--pg", default="auto", help="auto (temp cluster), none, or a URL")
    ap.add_argument("--pg-workers", type=int, default=2)
    ap.add_argument("--pg-fsync", choices=("on", "off"), default="on",
                    help="the temporary cluster's fsync (--pg auto): on, as a district runs "
                         "and as SQLite's synchronous=FULL commits; off, as the tests run "
                         "(and as this benchmark ran before 2026-12-05's stop 41)")
    ap.add_argument("--pg-locale", default="C",
                    help="the temporary cluster's locale (initdb --locale): C, or the "
                         "server's own, e.g. zh_CN.UTF-8 (text keys then compare by it)")
    ap.add_argument("--sqlite-workers", default="1",
                    help="server processes on the SQLite file; several counts, each run in "
                         "turn: 1,2")
    ap.add_argument("--repeat", type=int, default=1,
                    help="the 50-desk runs, this many times each, alternating SQLite and "
                         "PostgreSQL (the median run of each is reported, with every run's "
                         "cases/s and p95)")
    ap.add_argument("--city", default="", help="bench_city.py flags for the city part")
    ap.add_argument("--parts", default="one,sqlite,pg,city",
                    help="which parts to run: one (one desk), sqlite, pg (50 desks), city "
                         "(the city morning's capacity, bench_city.py); "
                         "steps: the ingest's steps timed (bench/ingest_steps.py)")
    ap.add_argument("--profile", type=Path, default=None,
                    help="a folder for py-spy profiles of each part (both sides of the "
                         "one-desk sync; the server of the 50-desk runs) and their "
                         "breakdown by stage (needs py-spy)")
    ap.add_argument("--db-work", action="store_true",
                    help="the database's own work per case in the 50-desk runs: rows and "
                         "index entries per table; on PostgreSQL (--pg auto) each "
                         "statement's time from pg_stat_statements (bench/pg_work.py)")
    ap.add_argument("--server-steps", action="store_true",
                    help="the first 50-desk run of each district counts the CPU of every "
                         "ingest step inside its server processes (bench/server_steps.py)")
    ap.add_argument("--profile-idle", action="store_true",
                    help="the server's profiles sample waiting threads too (wall time: "
                         "waits on the database and on locks show in their stage)")
    args = ap.parse_args(argv)
    Server.idle = args.profile_idle
    parts = set(args.parts.split(","))
    prof = args.profile
    if prof is not None:
        if not spy_available():
            raise SystemExit("--profile needs py-spy (pip install py-spy)")
        prof.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as tmpdir:
        tmp = Path(tmpdir)
        if "one" in parts:
            # a few rounds, each its own desk and district (the floor measured beside its
            # sync): a busy shared machine moved one round's ratio by ±0.1; the median's
            # round is reported, with every round's ratio
            rounds = []
            for k in range(max(1, args.rounds)):
                (tmp / f"one-{k}").mkdir()
                rounds.append(one_desk(args.cases, args.e2e_batch, tmp / f"one-{k}",
                                       prof if k == 0 else None, args.one_workers))
                print(f"one desk, round {k + 1}: {rounds[-1]}", file=sys.stderr)
            ratios = [r["ratio_to_floor"] for r in rounds]
            out["one_desk"] = dict(sorted(rounds, key=lambda r: r["ratio_to_floor"])[
                len(rounds) // 2], rounds_ratio_to_floor=ratios)
            _report(prof, "one-desk-desk", None)
            _report(prof, "one-desk-server", rounds[0]["server_cpu_s"])  # (profiled round)
        template = _template(tmp)
        out.update(_many(args, parts, template, tmp, prof))
        if "city" in parts and args.pg != "none":  # bench_city.py's morning, on --pg
            import shlex

            import bench_city
            out["city_morning"] = bench_city.run(
                ["--parts", "morning", "--pg", args.pg, "--pg-fsync", args.pg_fsync,
                 "--pg-locale", args.pg_locale, *shlex.split(args.city)])["morning"]
        if "steps" in parts:  # the ingest's steps, timed in this process (ingest_steps.py)
            out.update(_steps(args, tmp))
    print(json.dumps(out, ensure_ascii=False, indent=2))
    ok = "one_desk" not in out or out["one_desk"]["ratio_to_floor"] >= 0.6
    return 0 if ok else 1


def _many(args: argparse.Namespace, parts: set[str], template: Any, tmp: Path,
          prof: Path | None) -> dict[str, Any]:
    """The 50-desk parts: SQLite with each ``--sqlite-workers`` count, then PostgreSQL,
    ``--repeat`` times in that alternating order (a busy machine moves one run's cases/s
    by a sixth: the pairs and their medians say more than one of each). Each run its own
    database; the reported run of each is its median by cases/s, beside every run's cases/s
    and p95, and PostgreSQL's cases/s over SQLite's pair by pair. The profile and
    ``--db-work`` are of the first runs."""
    configs = [("sqlite", int(w)) for w in str(args.sqlite_workers).split(",")
               if "sqlite" in parts]
    pg = "pg" in parts and args.pg != "none"
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {c: [] for c in configs}
    with _pg_target(args) as target:
        if pg:
            runs[("postgres", args.pg_workers)] = []
        for k in range(max(1, args.repeat)):
            for db, workers in runs:
                first = k == 0 and prof is not None
                steps = (tmp / f"steps-{db}-{workers}w" if args.server_steps and k == 0
                         else None)
                if db == "sqlite":
                    url = f"sqlite:///{tmp / f'many-{workers}w-{k}.sqlite3'}"
                    res = many_desks(url, args.desks, args.batch, args.batches_per_desk,
                                     template, workers,
                                     prof / f"many-sqlite-{workers}w.txt" if first else None,
                                     steps=steps)
                else:
                    url, db_pid, reset = target(k)
                    res = many_desks(url, args.desks, args.batch, args.batches_per_desk,
                                     template, workers,
                                     prof / "many-postgres.txt" if first else None, db_pid,
                                     reset if args.db_work and k == 0 else None, steps)
                if steps is not None:
                    print(server_steps.table(f"{db}, {workers} workers",
                                             res["server_steps"]), file=sys.stderr)
                if args.db_work and k == 0:
                    res["db_work"] = _db_work(url, args, stats=db != "sqlite"
                                              and args.pg == "auto")
                print(f"{'postgres' if db != 'sqlite' else 'sqlite'} ({workers} workers, run "
                      f"{k + 1}): {res}", file=sys.stderr)
                runs[(db, workers)].append(res)
    out: dict[str, Any] = {}
    for (db, workers), got in runs.items():
        median = dict(sorted(got, key=lambda r: r["cases_per_s"])[len(got) // 2],
                      runs_cases_per_s=[r["cases_per_s"] for r in got],
                      runs_p95_batch_s=[r["p95_batch_s"] for r in got])
        key = f"many_desks_{db}" if (db, workers) in (("postgres", args.pg_workers),
                                                   configs[0] if configs else None) \
            else f"many_desks_{db}_{workers}w"
        out[key] = median
        name = "many-postgres" if db == "postgres" else f"many-sqlite-{workers}w"
        _report(prof, name, got[0]["server_cpu_s"])
    if pg:
        pgs = runs[("postgres", args.pg_workers)]
        out["postgres_over_sqlite"] = {
            f"sqlite_{w}w": {"runs": [round(p["cases_per_s"] / q["cases_per_s"], 2)
                                      for p, q in zip(pgs, runs[("sqlite", w)], strict=True)],
                             "median": round(statistics.median(
                                 p["cases_per_s"] / q["cases_per_s"]
                                 for p, q in zip(pgs, runs[("sqlite", w)], strict=True)), 2)}
            for _db, w in configs}
    return out


@contextmanager
def _pg_target(args: argparse.Namespace) -> Iterator[Any]:
    """PostgreSQL for the 50-desk runs: ``target(k)`` gives run ``k``'s database URL, the
    postmaster's pid (None for a URL given: its CPU is not counted) and the
    ``pg_stat_statements`` reset. A temporary cluster (``--pg auto``, started once, a
    database for each run) or the URL given (every run on it)."""
    if "pg" not in args.parts.split(",") or args.pg == "none":
        yield None
        return
    if args.pg != "auto":  # (its desks are enrolled once: one run on it)
        if args.repeat > 1:
            raise SystemExit("--repeat needs --pg auto: each run enrolls its fifty desks in "
                             "a database of its own")
        yield lambda _k: (args.pg, None, lambda: pg_work.pg_reset(args.pg))
        return
    from sync_helpers import PgCluster

    durable = args.pg_fsync == "on"
    cluster = (pg_work.pg_cluster(durable, args.pg_locale) if args.db_work
               else PgCluster(durable, args.pg_locale))
    cluster.start()
    try:
        db_pid = int((cluster.data / "postmaster.pid").read_text().split()[0])

        def target(k: int) -> tuple[str, int, Any]:
            cluster.admin(f"CREATE DATABASE bench{k}")
            url = cluster.url(f"bench{k}")
            return url, db_pid, lambda: pg_work.pg_reset(url)

        yield target
    finally:
        cluster.stop()


def _steps(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """``--parts steps``: one desk's batches through the ingest with every step timed, on
    SQLite and (``--pg``) on PostgreSQL — the same batches on both."""
    import ingest_steps

    batches = ingest_steps._batches(args.cases, args.e2e_batch, tmp / "steps")
    out = {"steps_sqlite": ingest_steps.steps(args.cases, args.e2e_batch, tmp, None, batches)}
    print(ingest_steps.table(out["steps_sqlite"]), file=sys.stderr)
    if args.pg == "none":
        return out
    cluster = None
    if args.pg == "auto":
        from sync_helpers import PgCluster

        cluster = PgCluster()
        cluster.start()
        cluster.admin("CREATE DATABASE steps")
    try:
        url = cluster.url("steps") if cluster is not None else args.pg
        out["steps_postgres"] = ingest_steps.steps(args.cases, args.e2e_batch, tmp, url,
                                                   batches)
    finally:
        if cluster is not None:
            cluster.stop()
    print(ingest_steps.table(out["steps_postgres"]), file=sys.stderr)
    return out


def _db_work(url: str, args: argparse.Namespace, stats: bool = False) -> dict[str, Any]:
    n = args.desks * args.batch * args.batches_per_desk
    res: dict[str, Any] = {"tables": pg_work.table_work(url, n)}
    if stats:
        res["statements"] = pg_work.pg_statements(url, n)
    print(pg_work.report(url.split(":", 1)[0], res), file=sys.stderr)
    return res


def _report(prof: Path | None, name: str, cpu: float | None) -> None:
    """The profile's breakdown by stage, on stderr and beside it (``NAME.stages.txt``)."""
    if prof is None or not (prof / f"{name}.txt").exists():
        return
    text_ = report(prof / f"{name}.txt", cpu)
    (prof / f"{name}.stages.txt").write_text(text_ + "\n", encoding="utf-8")
    print(text_, file=sys.stderr)


def _template(tmp: Path) -> dict[str, Any]:
    ctx = _desk(tmp / "tpl", 1)
    payload: dict[str, Any] = ctx.store.sync.pending_outbox(1)[0]["payload"]
    ctx.close()
    return payload


if __name__ == "__main__":
    raise SystemExit(main())
