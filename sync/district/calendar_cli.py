"""``doorstep-district calendar publish|list``: the official holiday arrangement from the shell.

``calendar publish --file FILE.json`` reads ``{"year": 2027, "holidays": ["2027-01-01", …],
"workdays": ["2027-…"], "source": "国办发明电〔…〕…号"}`` (``festivals`` optional), checks
it and publishes it to every desk as the year's next version, audited with the actor
``cli:<os user>``. A malformed notice: exit 2 and one line per problem on stderr,
``field: [rule] message``; warnings (an unusual holiday count) go to stderr too, and the
notice is published. ``calendar list --json`` prints the published versions.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from sync.district.storage import Storage


def add_parser(sub: Any) -> None:
    """The ``calendar`` command's parser (``sub``: the top-level subparsers)."""
    cal = sub.add_parser("calendar", help="official holiday arrangements (放假调休)")
    csub = cal.add_subparsers(dest="calendar_command", required=True)
    pub = csub.add_parser("publish", help="publish a year's arrangement to every desk")
    pub.add_argument("--file", required=True, help="the notice as JSON")
    ls = csub.add_parser("list", help="published versions")
    ls.add_argument("--year", type=int, default=None)
    ls.add_argument("--json", action="store_true")


def cli_actor() -> str:
    """``cli:<os user>`` — who ran the command, for the audit log."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        user = "unknown"
    return f"cli:{user}"[:64]


def run(storage: Storage, args: argparse.Namespace) -> int:
    """Run ``calendar publish`` / ``calendar list``."""
    from sync.district.calendars import CalendarRefused, calendar_versions, publish_calendar
    from sync.district.console.store import ConsoleStore

    if args.calendar_command == "list":
        print(json.dumps(calendar_versions(storage, args.year), ensure_ascii=False, indent=2))
        return 0
    try:
        body = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"file: [invalid] 无法读取节假日安排文件 {args.file}：{exc}", file=sys.stderr)
        return 2
    try:
        out = publish_calendar(ConsoleStore(storage), body, actor=cli_actor())
    except CalendarRefused as exc:
        for p in exc.problems:
            print(f"{p['field']}: [{p['rule']}] {p['message']}", file=sys.stderr)
        return 2
    for w in out["warnings"]:
        print(f"warning: {w}", file=sys.stderr)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0
