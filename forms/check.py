"""Check item definition files one by one: ``python -m forms.check [FILE ...]``.

Each file is parsed against the schema and its example validated on its own, so an
author sees every broken file at once — by the same checker as the workbook import
(:mod:`forms.checker`). With no arguments, every file in forms/items.
Exit status 1 when any file is broken.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from forms.catalog import CATALOG_FILE, ITEMS_DIR
from forms.checker import check_item, loc_text
from forms.params import DESK_PARAMS, Param, ParamError, parse_params, references


def shipped_params() -> dict[str, Param]:
    """The local parameters of ``forms/catalog.yaml`` (what the item files refer to);
    empty when they cannot be read (:func:`params_problems` says why)."""
    try:
        return _read_params()
    except (OSError, yaml.YAMLError, ParamError):
        return {}


def _read_params() -> dict[str, Param]:
    meta = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8")) or {}
    return parse_params(meta.get("params") if isinstance(meta, dict) else None)


def params_problems(paths: list[Path]) -> list[str]:
    """The catalog's own parameter problems: ``params`` that cannot be read, and
    parameters no item file (of ``paths``, all the shipped ones) refers to."""
    try:
        params = _read_params()
    except (OSError, yaml.YAMLError, ParamError) as exc:
        return [f"{CATALOG_FILE.name}: {exc}"]
    used: set[str] = set()
    for path in paths:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(raw, dict):
            used |= {name for _loc, name, _how in references(raw)}
    return [f"{CATALOG_FILE.name}: params.{name}: 本地参数 {name} 没有被任何事项引用"
            for name in params if name not in used and name not in DESK_PARAMS]


def check_file(path: Path, params: dict[str, Param] | None = None) -> list[str]:
    """Problems found in one definition file (empty when it is fine): the same checker as
    the workbook import (:func:`forms.checker.check_item`), located by the item's path;
    references to local parameters are checked against ``params`` (default: the shipped
    catalog's)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return [f"{path.name}: 不是有效的 YAML：{exc}"]
    if not isinstance(raw, dict):
        return [f"{path.name}: 事项定义应为一个映射（key: value）"]
    item, found = check_item(raw, params=shipped_params() if params is None else params)
    problems = [f"{path.name}: {loc_text(loc, raw)}: {words}" for loc, words in found]
    if item is not None and path.stem != item.code:
        problems.append(f"{path.name}: file name should be {item.code}.yaml")
    return problems


def main(argv: list[str]) -> int:
    """Entry point."""
    paths = [Path(a) for a in argv] or sorted(ITEMS_DIR.glob("*.yaml"))
    bad = 0
    params = shipped_params()
    for p in paths:
        probs = check_file(p, params)
        if probs:
            bad += 1
            print("\n".join(probs))
        else:
            print(f"{p.name}: ok")
    catalog_probs = params_problems(paths) if not argv else []
    if catalog_probs:
        bad += 1
        print("\n".join(catalog_probs))
    print(f"{len(paths) + bool(catalog_probs) - bad} ok, {bad} broken")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
