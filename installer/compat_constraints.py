"""The compat build's constraints: constraints.txt with installer/compat-overrides.txt's pins
in place of the same packages' (build_linux_compat.sh).

    python installer/compat_constraints.py constraints.txt installer/compat-overrides.txt OUT

Package names compare as pip compares them (PEP 503: case, ``-``, ``_`` and ``.`` alike). An
override naming a package constraints.txt does not pin stops the build: a renamed package
would otherwise leave the normal pin in force without anyone noticing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def _name(line: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[=<>!~ ;\[]", line.strip(), maxsplit=1)[0]).lower()


def _pins(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def merge(base: str, overrides: str) -> str:
    """``base`` with each pin of ``overrides`` replacing the pin of the same package."""
    over = _pins(overrides)
    names = {_name(line) for line in over}
    pinned = {_name(line) for line in _pins(base)}
    missing = sorted(names - pinned)
    if missing:
        raise SystemExit(f"compat_constraints: not pinned in constraints.txt: {', '.join(missing)}")
    kept = [line for line in base.splitlines()
            if not line.strip() or line.lstrip().startswith("#") or _name(line) not in names]
    return "\n".join([*kept, "# compat build (installer/compat-overrides.txt):", *over]) + "\n"


def main(argv: list[str]) -> int:
    base, overrides, out = (Path(a) for a in argv)
    out.write_text(merge(base.read_text("utf-8"), overrides.read_text("utf-8")), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
