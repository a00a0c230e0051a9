"""``doorstep-district catalog import|export``: the catalog as a workbook (issue 16).

``catalog import FILE.xlsx [--json]`` checks the workbook (:mod:`forms.workbook`) and, when
it has no problem, publishes it as the district's next catalog version
(:func:`sync.district.catalog_import.publish_next`), audited with the actor
``cli:<os user>``; it prints ``{version, seq, published, items, previous}``. A workbook
with problems: exit 2 and one line per problem on stderr, ``sheet!cell: 说明`` (with
``--json``, also ``{"problems": [{sheet, row, column, cell, message}, …]}`` on stdout);
nothing is published.

``catalog export [--version V] --out FILE.xlsx`` writes a published version (default: the
current one; before any publish, the shipped catalog) as a workbook; it prints
``{version, out, items}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forms.catalog import Catalog
from forms.workbook import read_workbook, write_workbook
from sync.district.catalog_import import district_catalog, publish_next

if TYPE_CHECKING:
    from sync.district.console.store import ConsoleStore
    from sync.district.storage import Storage


def add_parser(sub: Any) -> None:
    """The ``catalog`` command's parser (``sub``: the top-level subparsers)."""
    cat = sub.add_parser("catalog", help="the catalog as an XLSX workbook (import / export)")
    csub = cat.add_subparsers(dest="catalog_command", required=True)
    imp = csub.add_parser("import", help="check a workbook and publish it as the next version")
    imp.add_argument("file", help="the catalog workbook (.xlsx)")
    imp.add_argument("--json", action="store_true")
    exp = csub.add_parser("export", help="write a published catalog version as a workbook")
    exp.add_argument("--version", default=None, help="default: the current version")
    exp.add_argument("--out", required=True, help="the .xlsx file to write")


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def run(storage: Storage, cs: ConsoleStore, args: argparse.Namespace, actor: str) -> int:
    """Run ``catalog import`` or ``catalog export``; the exit status."""
    if args.catalog_command == "import":
        path = Path(args.file)
        catalog, problems = read_workbook(path)
        if catalog is None:
            for p in problems:
                print(f"{path.name} {p}", file=sys.stderr)
            if args.json:
                _print({"problems": [p.as_json() for p in problems]})
            return 2
        _print(publish_next(storage, cs, catalog, actor=actor, source="cli", file=path.name))
        return 0
    if not args.version:
        catalog = district_catalog(storage)
    else:
        version = args.version
        body = cs.catalog_body(version)
        if body is None:
            known = "、".join(str(v["version"]) for v in cs.catalog_versions()[:10]) or "无"
            print(f"version: [unknown] 没有发布过目录版本 {version}（已发布：{known}）",
                  file=sys.stderr)
            return 1
        catalog = Catalog.from_json(body)
    out = Path(args.out)
    try:
        write_workbook(catalog, out)
    except OSError as exc:
        print(f"out: [unwritable] 无法写入 {out}：{exc.strerror or exc}", file=sys.stderr)
        return 1
    _print({"version": catalog.version, "out": str(out), "items": len(catalog.items)})
    return 0
