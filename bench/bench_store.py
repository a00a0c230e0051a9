"""Store benchmarks at 100,000 cases (issue 2).

Prints: demo generation rate; save p50/p99 through the full case service (validation,
receipt number, case + audit in one WAL/FULL transaction; its outbox entry just after, in
the tidy) against the floor of
one bare WAL+FULL commit measured in the same run — 300 saves as the window makes them
(``Store.tidy_after_save`` between two, untimed: the window's background lane while the
worker reads the receipt; it folds the WAL, so no save pays SQLite's automatic checkpoint)
and 300 back to back (as the command line, or a desk before that tidy existed, makes
them: every ~14th pays the automatic checkpoint of ~250 WAL pages inside its commit);
search p50/p95 for a 2-character name, the last 4 digits of an ID number, pinyin initials, a
phone tail and a receipt number.

    python bench/bench_store.py [--cases 100000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desk.core.app import DeskContext
from desk.core.demo import make_demo_cases


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def ms(x: float) -> str:
    return f"{x * 1000:.2f} ms"


def floor_commit(path: Path, n: int = 300) -> list[float]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)")
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t(body) VALUES (?)", ["x" * 1500])
        conn.execute("COMMIT")
        times.append(time.perf_counter() - t0)
    conn.close()
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    root = Path(args.dir or tempfile.mkdtemp(prefix="bench-store-"))
    ctx = DeskContext.open(str(root / "desk"))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "基准测试"
    have = ctx.store.search.count_cases()
    if have < args.cases:
        summary = make_demo_cases(ctx, args.cases - have, seed=1)
        print(f"demo: {summary['created']} cases in {summary['seconds']} s = "
              f"{summary['cases_per_second']:.0f} cases/s")
    print(f"store: {ctx.store.search.count_cases()} cases")

    floor = floor_commit(root / "floor.sqlite3")
    item = ctx.catalog.get("MZ-GLJT")
    saves = []
    rng = random.Random(3)
    from forms.ids import id_check_digit

    tidy = ctx.store.tidy_after_save
    back_to_back = []
    for i in range(600):
        sub = dict(item.example)
        body = f"42010519450102{i:03d}"  # a resident each: 高龄津贴 is once (issue 23)
        sub["applicant_id"] = body + id_check_digit(body)
        t0 = time.perf_counter()
        ctx.cases.submit("MZ-GLJT", sub, ctx.actor(), today=date.today())
        (saves if i < 300 else back_to_back).append(time.perf_counter() - t0)
        if i < 300:
            tidy()
    print(f"floor (one bare WAL+FULL commit): p50 {ms(pct(floor, 50))}, p99 {ms(pct(floor, 99))}")
    print(f"save (validate + case + audit): p50 {ms(pct(saves, 50))}, "
          f"p99 {ms(pct(saves, 99))}  (target p99 <= 5 ms)")
    print(f"save back to back (no tidy between): p50 {ms(pct(back_to_back, 50))}, "
          f"p99 {ms(pct(back_to_back, 99))}")

    rows = ctx.store.search.list_cases(limit=2000, offset=rng.randint(0, 50_000))
    names = [r["applicant_name"][:2] for r in rows]
    ids = [r["id_rev"][::-1][-4:] for r in rows]
    phones = [r["phone_rev"][::-1][-4:] for r in rows]
    from desk.core.store import name_initials
    initials = [name_initials(r["applicant_name"]) for r in rows]
    receipts = [r["receipt_no"] for r in ctx.store.search.list_cases(limit=200, offset=1000)]
    for label, queries in (("2-char name", names), ("ID last 4", ids), ("phone last 4", phones),
                           ("pinyin initials", initials), ("receipt no", receipts)):
        times = []
        hits = []
        for q in rng.sample(queries, 200):
            t0 = time.perf_counter()
            found = ctx.store.search.list_cases(search=q, limit=50)
            times.append(time.perf_counter() - t0)
            hits.append(len(found))
        print(f"search {label:15s}: p50 {ms(pct(times, 50))}, p95 {ms(pct(times, 95))}, "
              f"mean hits {statistics.mean(hits):.1f}  (target p95 <= 20 ms)")
    t0 = time.perf_counter()
    n = ctx.store.search.count_cases(search=names[0])
    print(f"count for '{names[0]}': {n} in {ms(time.perf_counter() - t0)}")
    ctx.close()


if __name__ == "__main__":
    main()
