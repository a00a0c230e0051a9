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


def imported_symbols(user: Path, soname: str, real: Path) -> dict[str, tuple[str, str, int]]:
    """What ``user`` takes from the library ``soname`` (whose real copy is ``real``):
    symbol -> (version, "func" or "object", size), from ``nm -D``."""
    def nm(*args: str, path: Path) -> list[str]:
        return subprocess.run(["nm", "-D", *args, str(path)], check=True,
                              capture_output=True, text=True).stdout.splitlines()

    defined: dict[str, tuple[str, str, int]] = {}
    for line in nm("--defined-only", "-S", path=real):
        fields = line.split()
        if len(fields) != 4:
            continue
        _addr, size, kind, name = fields
        base, _, version = name.partition("@")
        defined[base] = (version.lstrip("@"), "func" if kind in "TtWwi" else "object",
                         int(size, 16))
    return {base: defined[base] for line in nm("--undefined-only", path=user)
            for base in [line.split()[-1].partition("@")[0]] if base in defined}


def stand_in(soname: str, symbols: dict[str, tuple[str, str, int]], workdir: Path,
             answers: dict[str, str] | None = None) -> Path | None:
    """A stand-in for a library that only an unused code path of a kept binary calls.

    It has the soname and defines ``symbols`` (with their symbol versions, so a binary
    linked with BIND_NOW loads): a function prints which one was called and aborts; an
    object is zero-filled (``QQuickWindow::staticMetaObject``: ``qobject_cast`` to a class
    no window has answers null); a function named in ``answers`` returns that string
    (a version query its user makes when it loads). None when ``cc`` is missing."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None
    workdir.mkdir(parents=True, exist_ok=True)
    lines = ["#include <stdio.h>", "#include <stdlib.h>",
             "static void gone(const char *s) {",
             f'    fprintf(stderr, "doorstep-desk: %s is not in this bundle ({soname} is a '
             'stand-in)\\n", s);',
             "    abort();", "}"]
    versions: dict[str, list[str]] = {}
    for i, (name, (version, kind, size)) in enumerate(sorted(symbols.items())):
        versions.setdefault(version or "Qt_6", []).append(name)
        if answers and name in answers:
            lines += [f'const char *f{i}(void) __asm__("{name}");',
                      f'const char *f{i}(void) {{ return "{answers[name]}"; }}']
        elif kind == "func":
            lines += [f'void f{i}(void) __asm__("{name}");',
                      f'void f{i}(void) {{ gone("{name}"); }}']
        else:
            lines.append(f'__attribute__((aligned(16))) char d{i}[{max(size, 1)}] '
                         f'__asm__("{name}") = {{0}};')
    versions.setdefault("Qt_6", [])
    script = "\n".join(f"{v} {{ global: {' '.join(n + ';' for n in names)} local: *; }};"
                       if names else f"{v} {{ local: *; }};"
                       for v, names in sorted(versions.items()))
    src = workdir / (soname + ".c")
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    vers = workdir / (soname + ".map")
    vers.write_text(script + "\n", encoding="utf-8")
    out = workdir / soname
    subprocess.run([cc, "-shared", "-fPIC", "-O1", f"-Wl,-soname,{soname}",
                    f"-Wl,--version-script={vers}", "-o", str(out), str(src)],
                   check=True, capture_output=True)
    return out


if __name__ == "__main__":
    import sys

    print(stub(sys.argv[1], sys.argv[2], Path(sys.argv[3]),
               [Path(p) for p in sys.argv[4:]]) or "not possible (cc/readelf or versions)")
