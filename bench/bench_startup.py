"""Cold start of the desk window with 100,000 cases in the store, and peak memory.

    python bench/bench_startup.py [--cases 100000] [--runs 5] [--json] [--cold]

The first run builds a desk with N demo cases once (``desk.core.demo``, about 100 s for
100,000) in a cache folder (``$DOORSTEP_BENCH_CACHE`` or ``~/.cache/doorstep-bench``) and
reuses it afterwards. Each run starts a fresh Python process that goes through
``desk.ui.main.run_gui`` and reports when the main window is shown and the event loop runs
(interactive), then opens the cases list, loads five pages as a worker scrolling would, and
reports its peak resident memory.

``--cold`` drops the desk's database files from the operating system's file cache before
each start (``posix_fadvise(DONTNEED)``, no other file is touched): the first start of the
day, or one after other work pushed the file out. The cases list's first page once waited
17 s there, queued behind the start's corruption check reading the whole cold file
(issue 13; the check has a lane of its own since).

Targets: start ≤ 1.0 s (a bare PySide6 window measured 0.43 s here); peak memory ≤ 150 MB.
Qt runs offscreen unless ``--display`` is given, so the numbers do not depend on an X server.
Wall time depends on what else the machine is doing; ``cpu_s_at_ready`` (the child's CPU
seconds up to the window) does not, and is the number to compare between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_TARGET_S = 1.0
MEMORY_TARGET_MB = 150.0


def cache_dir(cases: int) -> Path:
    """Where the prepared desk lives between runs."""
    base = os.environ.get("DOORSTEP_BENCH_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "doorstep-bench")
    return Path(base) / f"desk-{cases}"


def prepare(cases: int) -> Path:
    """A configured desk with ``cases`` demo cases (built once, then reused)."""
    sys.path.insert(0, str(ROOT))
    from desk.core.app import DeskContext

    folder = cache_dir(cases)
    ctx = DeskContext.open(str(folder))
    try:
        have = ctx.store.search.count_cases()
        if have < cases:
            from desk.core.demo import make_demo_cases

            s = ctx.settings
            s.desk_code, s.desk_name, s.worker_name = "HY-QL01", "七里一村社区流动办事点", "刘晓燕"
            ctx.save_settings()
            print(f"building {cases - have} demo cases in {folder} (once)…", file=sys.stderr)
            make_demo_cases(ctx, cases - have, seed=20261121)
    finally:
        ctx.close()
    return folder


def child(data_dir: str) -> int:
    """One measured start (runs in its own process)."""
    t0 = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from desk.ui.main import run_gui

    marks: dict[str, float] = {}

    def ready(win: object) -> None:
        from PySide6.QtWidgets import QApplication

        marks["ready_in_process"] = time.perf_counter() - t0
        # CPU seconds used up to the window (user + system): unlike wall time, this does
        # not grow when other work loads the machine
        ru = resource.getrusage(resource.RUSAGE_SELF)
        marks["cpu_s_at_ready"] = ru.ru_utime + ru.ru_stime
        print("READY", flush=True)
        marks["rss_ready_mb"] = _rss_mb()
        page = win.page("cases")  # type: ignore[attr-defined]
        app = QApplication.instance()
        t1 = time.perf_counter()
        win.go_cases()  # type: ignore[attr-defined]
        _wait(app, lambda: not page.model.loading and page.model.rowCount() > 0)
        marks["cases_first_page_s"] = time.perf_counter() - t1
        for _ in range(5):
            page.model.fetchMore()
            _wait(app, lambda: not page.model.loading)
        marks["cases_rows_loaded"] = page.model.rowCount()
        marks["cases_total"] = page.model.total
        t2 = time.perf_counter()
        page.search.setText("王")
        page.apply_filters()
        _wait(app, lambda: not page.model.loading)
        marks["search_name_s"] = time.perf_counter() - t2
        marks["search_hits"] = page.model.total
        marks["rss_peak_mb"] = _rss_mb()
        print("MARKS " + json.dumps(marks), flush=True)
        win.close()  # type: ignore[attr-defined]

    return run_gui(data_dir, ready=ready)


def _wait(app: object, cond: object, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not cond() and time.monotonic() < end:  # type: ignore[operator]
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.002)


def _rss_mb() -> float:
    # ru_maxrss is the peak resident set size (kilobytes on Linux)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def evict(folder: Path) -> None:
    """Drop the desk's database files (and their WAL) from the OS file cache."""
    for path in folder.glob("desk.sqlite3*"):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def measure(folder: Path, display: bool, cold: bool = False) -> dict[str, float]:
    """Spawn one child; time from spawn to READY as seen from outside."""
    if cold:
        evict(folder)
    env = dict(os.environ)
    if not display:
        env["QT_QPA_PLATFORM"] = "offscreen"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child", str(folder)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    ready_at = None
    marks: dict[str, float] = {}
    for line in proc.stdout:
        if line.startswith("READY") and ready_at is None:
            ready_at = time.perf_counter() - started
        elif line.startswith("MARKS "):
            marks = json.loads(line[6:])
    err = proc.stderr.read() if proc.stderr else ""
    code = proc.wait()
    if code != 0 or ready_at is None:
        raise RuntimeError(f"child failed ({code}): {err[-2000:]}")
    return {"start_s": ready_at, **marks}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--display", action="store_true", help="use the real display, not offscreen")
    p.add_argument("--json", action="store_true")
    p.add_argument("--cold", action="store_true",
                   help="drop the desk's database from the OS file cache before each start")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(args.child)
    folder = prepare(args.cases)
    runs = [measure(folder, args.display, args.cold) for _ in range(args.runs)]
    starts = [r["start_s"] for r in runs]
    peak = max(r["rss_peak_mb"] for r in runs)
    report = {
        "cases": args.cases,
        "runs": args.runs,
        "cold": args.cold,
        "start_s_median": round(statistics.median(starts), 3),
        "start_s_min": round(min(starts), 3),
        "start_s_max": round(max(starts), 3),
        "cpu_s_at_ready_median": round(statistics.median(r["cpu_s_at_ready"] for r in runs), 3),
        "rss_at_ready_mb": round(max(r["rss_ready_mb"] for r in runs), 1),
        "rss_peak_mb": round(peak, 1),
        "cases_first_page_s": round(statistics.median(r["cases_first_page_s"] for r in runs), 3),
        "cases_rows_loaded": runs[-1]["cases_rows_loaded"],
        "cases_total": runs[-1]["cases_total"],
        "search_name_s": round(statistics.median(r["search_name_s"] for r in runs), 3),
        "start_target_s": START_TARGET_S,
        "memory_target_mb": MEMORY_TARGET_MB,
        "ok": statistics.median(starts) <= START_TARGET_S and peak <= MEMORY_TARGET_MB,
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for k, v in report.items():
            print(f"{k:>22}: {v}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
