"""Issue 23 benchmarks at 100,000 cases: the duplicate check's cost on a save, and opening
one resident with 50 cases.

The same run, side by side: saves of an item with a ``once`` rule (the check runs inside the
write transaction) against saves of the same case with the check switched off, interleaved
so both see the same disk and cache; the check alone (its index probe, timed inside a write
transaction); and the floor of one bare WAL+FULL commit. Targets: the check adds <= 1 ms
p99; a resident with 50 cases opens in <= 50 ms (p99).

    python bench/bench_residents.py [--cases 100000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store import floor_commit, ms, pct

from desk.core.app import DeskContext
from desk.core.demo import make_demo_cases
from desk.core.residents import ResidentService, once_guard
from forms.ids import id_check_digit


def an_id(i: int) -> str:
    """A valid ID number, a different one for each i < 336,000."""
    d = i % 336
    body = f"4201991944{d // 28 + 1:02d}{d % 28 + 1:02d}{(i // 336) % 1000:03d}"
    return body + id_check_digit(body)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    root = Path(args.dir or tempfile.mkdtemp(prefix="bench-residents-"))
    ctx = DeskContext.open(str(root / "desk"))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "基准测试"
    have = ctx.store.search.count_cases()
    if have < args.cases:
        made = make_demo_cases(ctx, args.cases - have, seed=7)
        print(f"demo: {made['created']} cases in {made['seconds']} s")
    today = date.today()

    # one resident with 50 cases (items without a once rule, saved in one go)
    busy = an_id(335_999)
    plain = [it for it in ctx.catalog.items if it.once is None and not it.is_bundle]
    rows = []
    for i in range(50 - len(ctx.store.residents.resident_cases(busy))):
        it = plain[i % len(plain)]
        sub = dict(it.example, applicant_id=busy)
        res = ctx.cases.check(it.code, sub, today=today)
        if res.ok:
            rows.append(ctx.cases.build_case(it, res, ctx.actor(), today))
    while len(rows) + len(ctx.store.residents.resident_cases(busy)) < 50:
        it = ctx.catalog.get("JW-ZM")
        res = ctx.cases.check(it.code, dict(it.example, applicant_id=busy), today=today)
        rows.append(ctx.cases.build_case(it, res, ctx.actor(), today))
    ctx.store.bulk_insert_cases(rows, "bench")
    print(f"store: {ctx.store.search.count_cases()} cases; the resident has "
          f"{len(ctx.store.residents.resident_cases(busy))} cases")

    floor = floor_commit(root / "floor.sqlite3")
    item = ctx.catalog.get("MZ-GLJT")
    with_check: list[float] = []
    without: list[float] = []
    check_alone: list[float] = []
    start = ctx.store.search.count_cases()  # residents not used by an earlier run in this folder
    for i in range(400):
        sub = dict(item.example, applicant_id=an_id(start + 2 * i))
        res = ctx.cases.check(item.code, sub, today=today)
        assert res.ok, res.errors
        for on in ((True, False) if i % 2 else (False, True)):
            case, search = ctx.cases.build_case(item, res, ctx.actor(), today)
            guard = once_guard(item, today, "", {}) if on else None
            if on:
                # a resident of their own each time (the rule passes; the probe still runs)
                search = dict(search, id_number=an_id(start + 2 * i + 1))
            t0 = time.perf_counter()
            ctx.store.save_new_case(case, search, "bench", once_check=guard)
            (with_check if on else without).append(time.perf_counter() - t0)
        with ctx.store.transaction() as c:
            t0 = time.perf_counter()
            ctx.store.residents._resident_item_cases(c, an_id(start + 2 * i), item.code)
            check_alone.append(time.perf_counter() - t0)
    print(f"floor (one bare WAL+FULL commit): p50 {ms(pct(floor, 50))}, p99 {ms(pct(floor, 99))}")
    print(f"save without the check: p50 {ms(pct(without, 50))}, p99 {ms(pct(without, 99))}")
    print(f"save with the check:    p50 {ms(pct(with_check, 50))}, "
          f"p99 {ms(pct(with_check, 99))}")
    print(f"the check alone (in the transaction): p50 {ms(pct(check_alone, 50))}, "
          f"p99 {ms(pct(check_alone, 99))}  (target: adds <= 1 ms p99)")
    print(f"difference of p99s (noisy, disk-bound): "
          f"{ms(pct(with_check, 99) - pct(without, 99))}")

    svc = ResidentService(ctx.store)
    opens = []
    for _ in range(200):
        t0 = time.perf_counter()
        view = svc.view(busy, today)
        opens.append(time.perf_counter() - t0)
    assert len(view.cases) == 50
    print(f"open a resident with {len(view.cases)} cases: p50 {ms(pct(opens, 50))}, "
          f"p99 {ms(pct(opens, 99))}  (target <= 50 ms)")
    finds = []
    for q in ("0035", "王", "wgl", busy):
        t0 = time.perf_counter()
        svc.find(q)
        finds.append((q, time.perf_counter() - t0))
    print("find residents: " + ", ".join(f"{q!r} {ms(t)}" for q, t in finds))
    ctx.close()


if __name__ == "__main__":
    main()
