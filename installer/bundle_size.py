"""The desk bundle's size budget (issue 19): the unpacked one-folder bundle ≤ 120 MB.

    python installer/bundle_size.py BUNDLE_DIR_OR_DEB [--budget-mb 120] [--top 15]

Counts what bench/bench_installer.py counts: the apparent size of every regular file
(symlinks not followed, not counted), in 1,000,000-byte megabytes. Given a ``.deb``, it
counts the files under ``opt/doorstep-desk/`` from the package's listing (``dpkg-deb -c``),
which is the bundle as installed. Prints the total and the largest parts, and exits 1 when
the total is over the budget (``--budget-mb``, default $DOORSTEP_BUNDLE_BUDGET_MB or 120).
Used by installer/build_linux.sh, build_linux_compat.sh, smoke_compat.sh and tests/installer.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

DEFAULT_BUDGET_MB = 120
PREFIX = "opt/doorstep-desk/"


def _part(rel: tuple[str, ...]) -> str:
    """The part a file is counted under: _internal/X, opened up for PySide6/Qt/* ."""
    if rel[0] == "_internal" and len(rel) > 3 and rel[1] == "PySide6":
        return "/".join(rel[:4])
    return "/".join(rel[:2])


def files_of(target: Path) -> dict[str, int]:
    """Relative path -> apparent bytes of each regular file of a bundle folder or a .deb."""
    if target.is_dir():
        return {str(p.relative_to(target)): p.stat().st_size for p in target.rglob("*")
                if not p.is_symlink() and p.is_file()}
    listing = subprocess.run(["dpkg-deb", "-c", str(target)], check=True,
                             capture_output=True, text=True).stdout
    out: dict[str, int] = {}
    for line in listing.splitlines():
        fields = line.split(None, 5)
        if len(fields) < 6 or not fields[0].startswith("-"):
            continue  # directories, symlinks
        name = fields[5].removeprefix("./")
        if name.startswith(PREFIX):
            out[name[len(PREFIX):]] = int(fields[2])
    if not out:
        raise SystemExit(f"bundle_size: no files under /{PREFIX} in {target}")
    return out


def parts(files: dict[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for rel, size in files.items():
        key = _part(tuple(rel.split("/")))
        out[key] = out.get(key, 0) + size
    return out


def budget_bytes(budget_mb: float | None = None) -> int:
    if budget_mb is None:
        budget_mb = float(os.environ.get("DOORSTEP_BUNDLE_BUDGET_MB", "") or DEFAULT_BUDGET_MB)
    return round(budget_mb * 1_000_000)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("target", type=Path, help="the bundle folder or the .deb")
    ap.add_argument("--budget-mb", type=float, default=None)
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args(argv)
    files = files_of(args.target)
    total = sum(files.values())
    budget = budget_bytes(args.budget_mb)
    for key, size in sorted(parts(files).items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {size / 1e6:8.1f} MB  {key}")
    verdict = "within" if total <= budget else "OVER"
    print(f"bundle_size: {args.target}: {total:,} bytes ({total / 1e6:.1f} MB) unpacked, "
          f"{verdict} the budget of {budget / 1e6:g} MB")
    return 0 if total <= budget else 1


if __name__ == "__main__":
    sys.exit(main())
