"""Check item definition files one by one: ``python -m forms.check [FILE ...]``.

Each file is parsed against the schema and its example validated on its own, so an
author sees every broken file at once. With no arguments, every file in forms/items.
Exit status 1 when any file is broken.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import yaml

from forms.catalog import ITEMS_DIR, CatalogError, parse_item
from forms.engine import validate


def check_file(path: Path) -> list[str]:
    """Problems found in one definition file (empty when it is fine)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        item = parse_item(raw, path.name)
    except (yaml.YAMLError, CatalogError) as exc:
        return [str(exc)]
    problems = []
    if path.stem != item.code:
        problems.append(f"{path.name}: file name should be {item.code}.yaml")
    res = validate(item, item.example, today=date(2026, 11, 23))
    problems += [f"{path.name}: example: {p.field}: {p.message}" for p in res.errors]
    if res.decision != "accepted":
        problems.append(f"{path.name}: example should include every required material "
                        f"(missing: {', '.join(m.name for m in res.missing_required)})")
    return problems


def main(argv: list[str]) -> int:
    """Entry point."""
    paths = [Path(a) for a in argv] or sorted(ITEMS_DIR.glob("*.yaml"))
    bad = 0
    for p in paths:
        probs = check_file(p)
        if probs:
            bad += 1
            print("\n".join(probs))
        else:
            print(f"{p.name}: ok")
    print(f"{len(paths) - bad} ok, {bad} broken")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
