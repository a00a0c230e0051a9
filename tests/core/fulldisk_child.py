"""Run one ``doorstep-desk`` command on a data folder whose disk is full.

Started by tests/core/test_full_disk.py inside ``unshare --user --map-root-user --mount``:
a private mount namespace, so it can mount a small tmpfs (a real file system that
answers ENOSPC) without privileges. The prepared data folder is copied onto it, the
remaining space is filled (leaving ``headroom`` bytes), the command runs as a child
process, and what it printed and the files it left are reported as JSON on stdout.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path


def fill(folder: Path, headroom: int) -> None:
    """Fill the file system of ``folder`` up to ``headroom`` free bytes."""
    filler = folder / "filler.bin"
    block = b"\0" * 65536
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(block)
                fh.flush()
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
    page = os.statvfs(folder).f_frsize
    size = filler.stat().st_size // page * page  # whole pages, so the headroom is exact
    with open(filler, "r+b") as fh:
        fh.truncate(max(0, size - headroom))


def main() -> int:
    spec = json.loads(sys.argv[1])
    mount = Path(spec["mount"])
    mount.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={spec['size']}", "tmpfs", str(mount)],
                   check=True)
    data = mount / "desk-data"
    shutil.copytree(spec["src"], data)
    fill(mount, int(spec.get("headroom", 0)))
    st = os.statvfs(mount)
    free = st.f_bavail * st.f_frsize
    args = [a.replace("{data}", str(data)).replace("{mount}", str(mount))
            for a in spec["argv"]]
    proc = subprocess.run([sys.executable, "-m", "desk.cli", "--data-dir", str(data), *args],
                          input=spec.get("stdin", ""), capture_output=True, text=True,
                          timeout=300, check=False, env=dict(os.environ))
    files = sorted(str(p.relative_to(mount)) for p in mount.rglob("*") if p.is_file())
    print(json.dumps({"rc": proc.returncode, "out": proc.stdout, "err": proc.stderr,
                      "files": files, "free": free}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
