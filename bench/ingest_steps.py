"""Where a batch's time goes inside the district's ingest, step by step (issue 20).

``python bench/ingest_steps.py [--cases 10000] [--batch 500] [--db URL]`` (also
``bench/bench_sync.py --parts steps``): one desk's outbox, read as the district receives it
(decoded JSON records), goes through ``storage.ingest.batch`` in this process, with a timer
around each step of :mod:`sync.district.ingest` — CPU seconds of the ingesting thread
(``time.thread_time``) and wall seconds, per batch; the CPU the process's other threads used
meanwhile (the WAL checkpoints, ``sync.district.wal``) is a line of its own. Unlike a sampling profile (``--profile``, 100
samples a second), every call is timed, so a step of a millisecond shows as one, run after
run. The HTTP side (the server's request handling, signature, JSON parse of the body) is not
in it: ``bench_sync.py``'s one-desk part gives the whole server's CPU per 1,000 cases, the
difference is that side. On PostgreSQL the wall column also holds the database's own work.

The steps are the ingest's functions, each timed where it is called from (leaves only, none
inside another): the timers are put on this process's modules and taken off at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# (step, module or class, attribute): the ingest's own steps, in the order a batch meets them
STEPS: list[tuple[str, str, str]] = [
    ("parse, check, hash the records (prepare_records)", "sync.district.ingest",
     "prepare_records"),
    ("conflict reads: revisions, cases (_known)", "sync.district.ingest:_BatchWork", "_known"),
    ("receipt-number claim", "sync.district.ingest", "claim_receipts"),
    ("revision insert", "sync.district.ingest:_BatchWork", "_insert_revisions"),
    ("residents: ID digests, before the transaction", "sync.district.ingest",
     "residents_ahead"),
    ("residents: the item's rule (duplicate check)", "sync.district.ingest", "residents"),
    ("duplicate check: locks, read (before the case rows)", "sync.district.ingest",
     "others_ahead"),
    ("case upsert", "sync.district.ingest:_BatchWork", "_upsert_cases"),
    ("sent count (desk_sent_counts)", "sync.district.ingest", "count_sent"),
    ("desk-date check", "sync.district.ingest", "flag_desk_dates"),
    ("bundle routes", "sync.district.ingest:_BatchWork", "_fan_out"),
    ("duplicate check: flag", "sync.district.ingest", "flag_duplicates"),
    ("desk_records (what the desk is held for)", "sync.district.reconcile:Reconcile",
     "note_records"),
]
COMMIT = "commit (and the WAL checkpoint's nudge)"
REST = "the rest: batch id claim, results, answer JSON"
OTHER_THREADS = "other threads meanwhile (WAL checkpoints)"


def _owner(where: str) -> Any:
    import importlib

    mod, _, cls = where.partition(":")
    obj = importlib.import_module(mod)
    return getattr(obj, cls) if cls else obj


class _Timers:
    """CPU and wall seconds per step, summed over the run (under ``lock``: the district's
    threads add to them at once in ``server_steps``)."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)
        self.lock = threading.Lock()
        self._undo: list[tuple[Any, str, Any]] = []

    def wrap(self, name: str, where: str, attr: str) -> None:
        owner = _owner(where)
        fn = getattr(owner, attr)
        cpu, wall = self.cpu, self.wall

        def timed(*a: Any, **k: Any) -> Any:
            c, w = time.thread_time(), time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                with self.lock:
                    cpu[name] += time.thread_time() - c
                    wall[name] += time.perf_counter() - w

        setattr(owner, attr, timed)
        self._undo.append((owner, attr, fn))

    def wrap_commit(self) -> None:
        from sync.district.database import Database

        write = Database.write
        cpu, wall = self.cpu, self.wall

        @contextlib.contextmanager
        def timed(db: Any, **k: Any) -> Iterator[Any]:
            with write(db, **k) as conn:
                yield conn
                c, w = time.thread_time(), time.perf_counter()
            with self.lock:
                cpu[COMMIT] += time.thread_time() - c
                wall[COMMIT] += time.perf_counter() - w

        Database.write = timed  # type: ignore[method-assign,assignment]
        self._undo.append((Database, "write", write))

    def undo(self) -> None:
        for owner, attr, fn in reversed(self._undo):
            setattr(owner, attr, fn)
        self._undo.clear()


def _batches(n: int, batch: int, tmp: Path) -> list[list[dict[str, Any]]]:
    """One desk's ``n`` cases as the district decodes them from the wire, in batches."""
    import bench_sync  # (beside this file)

    ctx = bench_sync._desk(tmp, n)
    entries = ctx.store.sync.pending_outbox(n)
    ctx.close()
    keys = ("id", "kind", "case_uuid", "revision", "payload")
    out = []
    for i in range(0, len(entries), batch):
        raw = json.dumps([{k: e[k] for k in keys} for e in entries[i:i + batch]],
                         ensure_ascii=False)
        out.append(json.loads(raw))
    return out


def steps(n: int, batch: int, tmp: Path, db_url: str | None = None,
          batches: list[list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """Run the batches through ``storage.ingest.batch`` with every step timed; ms per batch
    (CPU and wall) of each step, of the commit, of the rest, and the total."""
    from sync import protocol as P
    from sync.district.app import settle_heap, warm_catalog
    from sync.district.cli import _migrate_once
    from sync.district.storage import Storage

    batches = batches if batches is not None else _batches(n, batch, tmp)
    url = db_url or f"sqlite:///{tmp / 'steps.sqlite3'}"
    _migrate_once(url)
    st = Storage(url)
    timers = _Timers()
    try:
        code = st.desks.create_enroll_code("HY-QL01", "bench")
        desk_id = st.desks.enroll(P.EnrollRequest(code=code, receipt_key="0" * 64)).desk_id
        warm_catalog(st)
        settle_heap()  # as the server does before serving
        for name, where, attr in STEPS:
            timers.wrap(name, where, attr)
        timers.wrap_commit()
        per_cpu, per_wall = [], []
        all0 = time.process_time()
        for records in batches:
            c, w = time.thread_time(), time.perf_counter()
            st.ingest.batch(desk_id, str(uuid.uuid4()), records)
            per_cpu.append(time.thread_time() - c)
            per_wall.append(time.perf_counter() - w)
        others = time.process_time() - all0 - sum(per_cpu)
        held = st.stats()["cases"]
    finally:
        timers.undo()
        st.close()
    k = len(batches)
    total_cpu, total_wall = sum(per_cpu), sum(per_wall)
    rows = [(name, timers.cpu[name], timers.wall[name])
            for name in [s[0] for s in STEPS] + [COMMIT]]
    rows.append((REST, total_cpu - sum(r[1] for r in rows),
                 total_wall - sum(r[2] for r in rows)))
    rows.append((OTHER_THREADS, max(0.0, others), 0.0))
    total_cpu += max(0.0, others)
    return {"db": url.split(":", 1)[0], "cases": sum(len(b) for b in batches), "held": held,
            "batches": k, "batch": batch,
            "cpu_ms_per_batch": round(total_cpu / k * 1e3, 2),
            "cpu_ms_per_batch_median": round(statistics.median(per_cpu) * 1e3, 2),
            "wall_ms_per_batch": round(total_wall / k * 1e3, 2),
            "steps": [{"step": name, "cpu_ms": round(c / k * 1e3, 2),
                       "wall_ms": round(w / k * 1e3, 2),
                       "cpu_share": round(c / total_cpu, 3) if total_cpu else 0.0}
                      for name, c, w in rows]}


def table(res: dict[str, Any]) -> str:
    """The result as a table (ms per batch), steps by CPU."""
    lines = [f"ingest steps, {res['db']}: {res['cases']} cases in {res['batches']} batches "
             f"of {res['batch']}; per batch {res['cpu_ms_per_batch']} ms CPU (median "
             f"{res['cpu_ms_per_batch_median']} in the ingesting thread), "
             f"{res['wall_ms_per_batch']} ms wall",
             f"  {'step':<48} {'CPU ms':>7} {'wall ms':>8} {'share':>6}"]
    for s in sorted(res["steps"], key=lambda s: -s["cpu_ms"]):
        lines.append(f"  {s['step']:<48} {s['cpu_ms']:7.2f} {s['wall_ms']:8.2f} "
                     f"{100 * s['cpu_share']:5.1f}%")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--db", default=None, help="a database URL (default: a temporary SQLite)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="doorstep-steps-") as tmpdir:
        res = steps(args.cases, args.batch, Path(tmpdir), args.db)
    print(table(res), file=sys.stderr)
    print(json.dumps(res, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
