"""Receipt rendering benchmark (issue 4).

In one process: the first receipt (fonts parsed, receipt key created), then warm p50/p95
per document kind and format, with and without the QR code, and the PDF sizes.
Targets: warm p50 ≤ 30 ms per receipt, PDF ≤ 60 KB.

    python bench/bench_receipts.py [--runs 60] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desk.core.app import DeskContext
from desk.core.receipts import render_case_pdf, render_notice_pdf
from desk.core.receipts.verify import clear_qr_cache
from forms.ids import id_check_digit


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def make_cases(ctx: DeskContext) -> dict[str, dict[str, Any]]:
    """An accepted, a deferred (容缺) and a correction case, proxy on the last."""
    proxy = "42010519800101001"
    proxy += id_check_digit(proxy)
    out = {}
    g = ctx.catalog.get("MZ-GLJT")
    out["receipt"] = ctx.cases.submit("MZ-GLJT", dict(g.example), ctx.actor())
    out["deferral"] = ctx.cases.submit(
        "MZ-GLJT", dict(g.example, materials=["居民身份证", "户口簿"],
                        applicant_id="420105194302020028"), ctx.actor())  # another resident
    d = ctx.catalog.get("MZ-DB")
    sub = dict(d.example, materials=list(d.example["materials"])[:3], is_proxy=True,
               proxy_name="李四", proxy_id=proxy, proxy_phone="13900001111",
               proxy_relation="子女")
    out["correction"] = ctx.cases.submit("MZ-DB", sub, ctx.actor())
    return {k: ctx.store.get_case(v["uuid"]) or {} for k, v in out.items()}


def timed(fn: Any, runs: int) -> tuple[list[float], int]:
    times = []
    size = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        pdf = fn()
        times.append(time.perf_counter() - t0)
        size = len(pdf)
    return times, size


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    root = Path(args.dir or tempfile.mkdtemp(prefix="bench-receipts-"))
    ctx = DeskContext.open(str(root / "desk"))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.settings.desk_name = "七里一村社区流动办事点"
    ctx.settings.worker_phone = "027-84611234"
    cases = make_cases(ctx)

    t0 = time.perf_counter()
    first = render_case_pdf(ctx, cases["receipt"], fmt="a4")
    first_ms = (time.perf_counter() - t0) * 1000
    print(f"first receipt (a4, fonts loaded, key created): {first_ms:.1f} ms, "
          f"{len(first) / 1024:.1f} KB")
    if hasattr(os, "getloadavg"):
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs "
              "(min shows the cost without contention)")
    print(f"{'document':<12}{'format':<7}{'qr':<5}{'p50 ms':>8}{'p95 ms':>8}{'min ms':>8}"
          f"{'KB':>7}")
    worst_p50, worst_kb = 0.0, 0.0
    for kind in ("receipt", "deferral", "correction", "notice"):
        for fmt in ("a4", "80mm"):
            for qr in (True, False):
                if kind == "notice":
                    if not qr:
                        continue
                    item = ctx.catalog.get("MZ-GLJT")

                    def fn(item: Any = item, fmt: str = fmt) -> bytes:
                        return render_notice_pdf(item, fmt, ctx.catalog.version, ctx.settings)
                else:
                    case = cases[kind]

                    def fn(case: Any = case, fmt: str = fmt, qr: bool = qr) -> bytes:
                        clear_qr_cache()  # each run encodes its QR code, as a new receipt does
                        return render_case_pdf(ctx, case, fmt=fmt, qr=qr)
                fn()  # warm this document's path
                times, size = timed(fn, args.runs)
                p50, p95 = pct(times, 50) * 1000, pct(times, 95) * 1000
                print(f"{kind:<12}{fmt:<7}{'yes' if qr else 'no':<5}{p50:>8.1f}{p95:>8.1f}"
                      f"{min(times) * 1000:>8.1f}{size / 1024:>7.1f}")
                if kind != "notice" and qr:
                    worst_p50 = max(worst_p50, p50)
                worst_kb = max(worst_kb, size / 1024)
    print(f"worst warm p50 of a case document with QR: {worst_p50:.1f} ms (target ≤ 30); "
          f"largest PDF: {worst_kb:.1f} KB (target ≤ 60); {args.runs} runs each")
    ctx.close()


if __name__ == "__main__":
    main()
