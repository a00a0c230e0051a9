"""Side by side: the desk's benchmarks on an earlier tree and on this one, in one run (issue 13:
the redesign must leave start-up, save, search and receipts no slower than before it).

    python bench/bench_compare.py [--base 3e2ea0e] [--rounds 3] [--cases 20000]
                                  [--store-cases 60000] [--parts store,receipts,startup]

``--base`` defaults to ``3e2ea0e``, the last commit before issue 13's redesign began (the
first milestone's desk). The base tree is checked out with ``git worktree add --detach`` into
a temporary folder (removed afterwards). Each part runs **that tree's own copy** of the
benchmark script (``bench_store.py``, ``bench_receipts.py``, ``bench_startup.py``: their
measurements and printed lines are the same in both trees), with the tree first on
``PYTHONPATH``, alternating base and head round by round (ABBA…) so a machine that gets
busier or quieter during the run weighs on both alike. Each tree gets its own data folders
(a desk refuses a data folder a newer desk wrote). Prints one JSON object with, per figure,
the median over the rounds for each tree and head/base; a table on stderr. Lower is better
for every figure shown.

The case save is compared as each tree's window makes it (``save``: this tree tidies after
each save, untimed, as its window does) and back to back (``save back to back``: as the
command line makes them; a tree before the tidy existed saved only that way, so its one
figure stands for both).

Other work on the same cores shows in both columns; the ratio is the number to read.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BASE = "3e2ea0e"  # the last commit before issue 13's redesign

# figure name → regular expression on the script's output (first group: the number)
STORE = {
    "save p50 ms": r"^save \(.*?\): p50 ([\d.]+) ms",
    "save p99 ms": r"^save \(.*?\): p50 [\d.]+ ms, p99 ([\d.]+) ms",
    "save back to back p50 ms": r"^save back to back .*?: p50 ([\d.]+) ms",
    "save back to back p99 ms": r"^save back to back .*?: p50 [\d.]+ ms, p99 ([\d.]+) ms",
    "floor p99 ms": r"^floor .*?p99 ([\d.]+) ms",
    "search 2-char name p95 ms": r"^search 2-char name\s*: p50 [\d.]+ ms, p95 ([\d.]+) ms",
    "search ID last 4 p95 ms": r"^search ID last 4\s*: p50 [\d.]+ ms, p95 ([\d.]+) ms",
    "search phone last 4 p95 ms": r"^search phone last 4\s*: p50 [\d.]+ ms, p95 ([\d.]+) ms",
    "search pinyin p95 ms": r"^search pinyin initials\s*: p50 [\d.]+ ms, p95 ([\d.]+) ms",
    "search receipt no p95 ms": r"^search receipt no\s*: p50 [\d.]+ ms, p95 ([\d.]+) ms",
}
RECEIPTS = {
    "first receipt ms": r"^first receipt .*?: ([\d.]+) ms",
    "worst warm receipt p50 ms": r"^worst warm p50 .*?: ([\d.]+) ms",
}
# bench_store's desk, made as bench_store makes it (its demo cases), by the tree's own code
SEED = """
from desk.core.app import DeskContext
from desk.core.demo import make_demo_cases
ctx = DeskContext.open({folder!r})
ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "基准测试"
make_demo_cases(ctx, {cases}, seed=1)
ctx.close()
"""
STARTUP = ("start_s_median", "cpu_s_at_ready_median", "rss_peak_mb", "cases_first_page_s",
           "search_name_s")


def _run(tree: Path, args: list[str], env: dict[str, str], timeout: float,
         ok: tuple[int, ...] = (0,)) -> str:
    out = subprocess.run([sys.executable, *args], cwd=tree, capture_output=True, text=True,
                         timeout=timeout, env=dict(env, PYTHONPATH=str(tree)))
    if out.returncode not in ok:
        raise RuntimeError(f"{tree.name}: {' '.join(args)} failed:\n{out.stderr[-2000:]}")
    return out.stdout


def _parse(text: str, patterns: dict[str, str]) -> dict[str, float]:
    got = {}
    for name, pattern in patterns.items():
        m = re.search(pattern, text, re.M)
        if m:
            got[name] = float(m.group(1))
    return got


def measure(part: str, tree: Path, work: Path, cases: int,
            store_cases: int) -> dict[str, float]:
    """One run of ``part`` on ``tree``; its figures."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    data = work / tree.name
    data.mkdir(parents=True, exist_ok=True)
    if part == "store":
        # the same 60,000 demo cases for every run (bench_store's 300 saves are the same
        # residents each time, and an item a resident may apply for once refuses a second)
        seed, run = data / "store-seed", data / "store-run"
        if not seed.exists():
            _run(tree, ["-c", SEED.format(folder=str(seed / "desk"), cases=store_cases)],
                 env, 3600)
        shutil.rmtree(run, ignore_errors=True)
        shutil.copytree(seed, run)
        text = _run(tree, ["bench/bench_store.py", "--cases", str(store_cases),
                           "--dir", str(run)], env, 3600)
        got = _parse(text, STORE)
        if "save back to back p50 ms" not in got and "save p50 ms" in got:
            # a tree before Store.tidy_after_save: its window saved back to back too
            got["save back to back p50 ms"] = got["save p50 ms"]
            got["save back to back p99 ms"] = got["save p99 ms"]
        return got
    if part == "receipts":
        shutil.rmtree(data / "receipts", ignore_errors=True)  # its cases: the same residents
        text = _run(tree, ["bench/bench_receipts.py", "--runs", "30",
                           "--dir", str(data / "receipts")], env, 1800)
        return _parse(text, RECEIPTS)
    if part == "startup":
        env["DOORSTEP_BENCH_CACHE"] = str(data / "startup")
        text = _run(tree, ["bench/bench_startup.py", "--cases", str(cases), "--runs", "3",
                           "--json"], env, 3600, ok=(0, 1))  # 1: a target missed
        report = json.loads(text.strip().splitlines()[-1])
        return {k: float(report[k]) for k in STARTUP if k in report}
    raise ValueError(f"unknown part {part!r}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default=BASE)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cases", type=int, default=20_000, help="the start-up's store")
    ap.add_argument("--store-cases", type=int, default=60_000,
                    help="bench_store's (its searches sample from the first 52,000)")
    ap.add_argument("--parts", default="store,receipts,startup")
    args = ap.parse_args()
    parts = [p for p in args.parts.split(",") if p]
    work = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    base = work / "base"
    subprocess.run(["git", "worktree", "add", "--detach", str(base), args.base], cwd=ROOT,
                   check=True, capture_output=True)
    trees = {"base": base, "head": ROOT}
    runs: dict[str, dict[str, dict[str, list[float]]]] = {p: {"base": {}, "head": {}}
                                                          for p in parts}
    try:
        for r in range(args.rounds):
            order = ["base", "head"] if r % 2 == 0 else ["head", "base"]
            for part in parts:
                for name in order:
                    for k, v in measure(part, trees[name], work, args.cases,
                                            args.store_cases).items():
                        runs[part][name].setdefault(k, []).append(v)
                    print(f"round {r + 1} {part} {name} done", file=sys.stderr)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT,
                       capture_output=True)
    out: dict[str, Any] = {"base": args.base, "head": subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
        text=True).stdout.strip(), "rounds": args.rounds, "cases": args.cases,
        "loadavg": os.getloadavg(), "figures": {}}
    for part in parts:
        for k, b in runs[part]["base"].items():
            h = runs[part]["head"].get(k)
            if not h:
                continue
            mb, mh = statistics.median(b), statistics.median(h)
            out["figures"][f"{part}: {k}"] = {"base": mb, "head": mh,
                                               "head/base": round(mh / mb, 2) if mb else None}
    for k, v in out["figures"].items():
        print(f"{k:<40}{v['base']:>10.2f}{v['head']:>10.2f}{v['head/base']!s:>8}",
              file=sys.stderr)
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
