"""``doorstep-district roster import|show|delete``: the proactive-service roster (issue 18).

``roster import FILE.csv|FILE.xlsx [--dry-run] [--skip-bad-rows] [--json]`` checks the file
(every problem with its row and column on stderr, exit 2, nothing replaced) and replaces
the roster in one transaction, keeping only the columns proactive rules need (the others
are named as ignored); audited as ``roster.import``. ``--dry-run`` checks and previews
only. ``roster show [--json]`` prints the last import and counts, names and ID numbers
masked. ``roster delete --id-number N`` removes one resident on request (audited).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sync.district import roster
from sync.district.console.store import ConsoleStore
from sync.district.storage import Storage


def add_parsers(sub: Any) -> None:
    """The ``roster`` command's parser (``sub``: the top-level subparsers)."""
    ro = sub.add_parser("roster", help="the proactive-service roster (免申即享)")
    rsub = ro.add_subparsers(dest="roster_command", required=True)
    imp = rsub.add_parser("import", help="replace the roster with a CSV/XLSX export")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="check and preview only")
    imp.add_argument("--skip-bad-rows", action="store_true",
                     help="import the good rows, list the others")
    imp.add_argument("--json", action="store_true")
    show = rsub.add_parser("show", help="the last import and counts (masked)")
    show.add_argument("--json", action="store_true")
    rm = rsub.add_parser("delete", help="remove one resident on request")
    rm.add_argument("--id-number", required=True)


def run(storage: Storage, cs: ConsoleStore, args: argparse.Namespace, actor: str) -> int:
    """Run ``roster import`` / ``show`` / ``delete``."""
    if args.roster_command == "show":
        print(json.dumps(roster.roster_summary(storage), ensure_ascii=False, indent=2))
        return 0
    if args.roster_command == "delete":
        gone = roster.delete_resident(storage, args.id_number, audit=lambda conn, masked: (
            cs.audit.append_in(conn, actor, "roster.delete", masked)))
        print(json.dumps({"deleted": gone}, ensure_ascii=False))
        return 0 if gone else 1
    path = Path(args.file)
    try:
        if args.dry_run:
            checked = roster.read_roster(path)
            if checked.problems:
                raise roster.RosterRefused(checked)
            print(json.dumps({"rows": len(checked.rows), "ignored_columns": checked.ignored,
                              "dry_run": True}, ensure_ascii=False, indent=2))
            return 0

        def audit(conn: Any, summary: dict[str, Any]) -> None:
            cs.audit.append_in(conn, actor, "roster.import", summary["file"], rows=summary["rows"],
                        skipped=summary["skipped"], sha256=summary["sha256"])

        out = roster.import_roster(storage, path, actor=actor,
                                   skip_bad_rows=args.skip_bad_rows, audit=audit)
    except roster.RosterRefused as exc:
        for p in exc.checked.problems:
            print(f"{p}", file=sys.stderr)
        print(f"共 {len(exc.checked.problems)} 处问题，花名册未导入"
              + ("（可加 --skip-bad-rows 只导入无误的行）" if exc.checked.rows else ""),
              file=sys.stderr)
        return 2
    for p in out["problems"]:
        print(f"已跳过 {p}", file=sys.stderr)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        ignored = "、".join(out["ignored_columns"]) or "无"
        print(f"已导入 {out['rows']} 人（跳过 {out['skipped']} 行；未保存的列：{ignored}）")
    return 0
