"""Stand-in libraries for private copies the desktop already provides (Linux builds).

A wheel built with ``auditwheel`` carries its own copies of system libraries under hashed
names (``pillow.libs/libxcb-9065bb12.so.1.1.0``), and its extension modules name those
copies in ``DT_NEEDED``. When the desktop's own library does the same job, the copy can be
replaced by a *stub*: an empty shared library with the copy's file name and soname whose
only content is ``DT_NEEDED <system soname>``. The dynamic linker then loads the system
library through the stub and resolves the extension's symbols there (a ``dlopen``-ed
extension's lookup scope includes its whole dependency tree).

Only for libraries without symbol versions: an extension that needs ``NAME@VERSION`` from
the hashed copy would not find the version in the stub. :func:`stub` checks this and
returns ``None`` (keep the copy) when a version is needed, or when ``cc`` is missing.

Used by ``doorstep-desk.spec``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path


def versions_needed_from(binary: Path, soname: str) -> list[str]:
    """Symbol versions ``binary`` needs from the library ``soname`` (``readelf -V``)."""
    out = subprocess.run(["readelf", "-V", str(binary)], check=True, capture_output=True,
                         text=True).stdout
    found: list[str] = []
    current = None
    for line in out.splitlines():
        file_entry = re.search(r"File: (\S+)", line)
        if file_entry:
            current = file_entry[1]
        elif current == soname:
            name = re.search(r"Name: (\S+)", line)
            if name:
                found.append(name[1])
    return found


def stub(name: str, system_soname: str, workdir: Path, users: list[Path]) -> Path | None:
    """A stub library ``workdir/name`` that loads ``system_soname``; None if not possible.

    ``users`` are the binaries that need ``name`` (their version needs are checked)."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None or shutil.which("readelf") is None:
        return None
    if any(versions_needed_from(user, name) for user in users):
        return None
    workdir.mkdir(parents=True, exist_ok=True)
    empty = workdir / "empty.c"
    empty.write_text("/* intentionally empty */\n", encoding="utf-8")
    # link against an empty library carrying the system soname: DT_NEEDED without needing
    # the real library (nor its development package) on the build machine
    target = workdir / "target" / system_soname
    target.parent.mkdir(exist_ok=True)
    subprocess.run([cc, "-shared", "-nostdlib", f"-Wl,-soname,{system_soname}", "-o",
                    str(target), str(empty)], check=True, capture_output=True)
    out = workdir / name
    subprocess.run([cc, "-shared", "-nostdlib", f"-Wl,-soname,{name}", "-Wl,--no-as-needed",
                    "-o", str(out), str(empty), str(target)], check=True, capture_output=True)
    return out


if __name__ == "__main__":
    import sys

    print(stub(sys.argv[1], sys.argv[2], Path(sys.argv[3]),
               [Path(p) for p in sys.argv[4:]]) or "not possible (cc/readelf or versions)")
