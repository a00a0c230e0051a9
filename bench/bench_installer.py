"""The frozen desk: bundle size unpacked, and start-up time bundled vs. unbundled (issue 8).

    python bench/bench_installer.py [--bundle dist/doorstep-desk] [--build] [--runs 5] [--json]

``--build`` (or a missing bundle) runs PyInstaller with installer/doorstep-desk.spec into
the bundle's folder first. Prints:

- the unpacked size (bytes on disk, apparent) and the largest parts; target ≤ 120 MB;
- the command line ``catalog --json`` (Python + catalog + store, no Qt) and the window (to
  the moment it is shown, ``DOORSTEP_SMOKE_EXIT_MS=0``), each run as the bundled program
  and as ``python -m``-style unbundled code from this checkout: median wall seconds and the
  child's CPU seconds (``cpu_s`` does not depend on what else the machine is doing).

Qt runs offscreen; each run uses a fresh HOME and data folder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNBUNDLED = [sys.executable, "-c", "import sys; from desk.cli import main; sys.exit(main())"]


def build(bundle: Path) -> None:
    dist = bundle.parent
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level",
                    "WARN", "--distpath", str(dist), "--workpath",
                    str(dist.parent / "build" / "pyinstaller"),
                    str(ROOT / "installer" / "doorstep-desk.spec")], check=True, cwd=ROOT)


def sizes(bundle: Path) -> dict[str, int]:
    """Apparent bytes per top-level part of the bundle (``_internal`` opened up)."""
    out: dict[str, int] = {}
    for path in bundle.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        rel = path.relative_to(bundle).parts
        key = "/".join(rel[:2])
        if rel[0] == "_internal" and len(rel) > 3 and rel[1] == "PySide6":
            key = "/".join(rel[:4])
        out[key] = out.get(key, 0) + path.stat().st_size
    return out


def _env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOORSTEP_", "QT_"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "d"), XDG_CONFIG_HOME=str(home / "c"),
               XDG_CACHE_HOME=str(home / "k"), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=str(ROOT))
    env.update(extra or {})
    return env


def _timed(cmd: list[str], env: dict[str, str], until: str | None = None
           ) -> tuple[float, float]:
    """(wall seconds, child CPU seconds) to exit, or to the stdout line containing until."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    assert proc.stdout is not None
    wall = None
    for line in proc.stdout:
        if until and until in line and wall is None:
            wall = time.perf_counter() - t0
    proc.stdout.close()
    rc = proc.wait()
    if rc != 0:
        raise SystemExit(f"{cmd[:3]}: exit {rc}")
    if wall is None:
        wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def startup(prog: list[str], runs: int) -> dict[str, dict[str, float]]:
    """Median wall/CPU seconds for ``catalog --json`` and for the window to be shown."""
    result: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-installer-") as tmp:
        home, data = Path(tmp) / "home", Path(tmp) / "data"
        env = _env(home)
        subprocess.run([*prog, "--data-dir", str(data), "setup", "--desk-code", "HY-QL01",
                        "--worker", "测试员"], env=env, check=True, capture_output=True)
        subprocess.run([*prog, "--data-dir", str(data), "demo", "--cases", "50"], env=env,
                       check=True, capture_output=True)
        for name, args, extra, until in (
                ("cli_catalog", ["catalog", "--json"], {}, None),
                ("window_shown", [], {"DOORSTEP_SMOKE_EXIT_MS": "0"}, "window shown")):
            walls, cpus = [], []
            _timed([*prog, "--data-dir", str(data), *args], _env(home, extra), until)  # warm
            for _ in range(runs):
                w, c = _timed([*prog, "--data-dir", str(data), *args], _env(home, extra), until)
                walls.append(w)
                cpus.append(c)
            result[name] = {"wall_s": round(statistics.median(walls), 3),
                            "cpu_s": round(statistics.median(cpus), 3)}
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bundle", type=Path, default=ROOT / "dist" / "doorstep-desk")
    p.add_argument("--build", action="store_true")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    bundle = args.bundle.resolve()
    if args.build or not (bundle / "doorstep-desk").is_file():
        build(bundle)
    parts = sizes(bundle)
    total = sum(parts.values())
    report = {
        "bundle": str(bundle),
        "size_bytes": total,
        "size_MB": round(total / 1e6, 1),
        "size_MiB": round(total / 2**20, 1),
        "largest": {k: round(v / 1e6, 1) for k, v in
                    sorted(parts.items(), key=lambda kv: -kv[1])[:12]},
        "bundled": startup([str(bundle / "doorstep-desk")], args.runs),
        "unbundled": startup(UNBUNDLED, args.runs),
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"bundle {bundle}: {total:,} bytes = {report['size_MB']} MB "
          f"({report['size_MiB']} MiB) unpacked (target ≤ 120 MB = 120,000,000 bytes)")
    for k, v in report["largest"].items():
        print(f"  {v:6.1f} MB  {k}")
    for what in ("cli_catalog", "window_shown"):
        b, u = report["bundled"][what], report["unbundled"][what]
        print(f"{what:13s} bundled {b['wall_s']:.3f} s wall / {b['cpu_s']:.3f} s CPU   "
              f"unbundled {u['wall_s']:.3f} s wall / {u['cpu_s']:.3f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
