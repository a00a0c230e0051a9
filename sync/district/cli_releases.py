"""``doorstep-district release add|list``: desk releases from the shell (issue 19).

``release add FILE --version V --platform linux|windows [--notes TEXT | --notes-file F]``
stores the installer in the district's database, signed with the district's release key,
and audits it (``release.add``); desks see it at their next sync. A file or value the
district cannot serve: exit 2 and ``field: [rule] message`` on stderr. ``release list
[--platform P] [--json]`` prints what is served, newest version first.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sync import protocol as P
from sync.district import releases
from sync.district.console.store import ConsoleStore
from sync.district.errors import TooLarge
from sync.district.storage import Storage


def add_parsers(sub: Any) -> None:
    """The ``release`` command's parser (``sub``: the top-level subparsers)."""
    rel = sub.add_parser("release", help="desk releases served to desks (updates)")
    rsub = rel.add_subparsers(dest="release_command", required=True)
    add = rsub.add_parser("add", help="upload a desk installer (.deb / .exe) for desks")
    add.add_argument("file", help="the installer file")
    add.add_argument("--version", required=True, help="its version, e.g. 0.9.3")
    add.add_argument("--platform", required=True, choices=list(P.RELEASE_PLATFORMS))
    notes = add.add_mutually_exclusive_group()
    notes.add_argument("--notes", default="", help="what changed, for the worker (Chinese)")
    notes.add_argument("--notes-file", default=None, help="the release notes from a file")
    add.add_argument("--json", action="store_true")
    ls = rsub.add_parser("list", help="the releases served")
    ls.add_argument("--platform", default=None, choices=list(P.RELEASE_PLATFORMS))
    ls.add_argument("--json", action="store_true")


def run(storage: Storage, cs: ConsoleStore, args: argparse.Namespace, actor: str) -> int:
    """Run ``release add`` / ``release list``."""
    if args.release_command == "list":
        rows = releases.list_releases(storage, args.platform)
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for r in rows:
                print(f"{r['platform']}\t{r['version']}\t{r['filename']}\t{r['size']}\t"
                      f"{r['published_at'][:16]}")
        return 0
    notes = args.notes
    if args.notes_file:
        try:
            notes = Path(args.notes_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"notes: [invalid] 无法读取更新说明文件 {args.notes_file}：{exc}",
                  file=sys.stderr)
            return 2

    def audit(conn: Any, row: dict[str, Any]) -> None:
        cs.audit.append_in(conn, actor, "release.add", f"{row['platform']}:{row['version']}",
                    file=row["filename"], size=row["size"], sha256=row["sha256"])

    try:
        out = releases.add_release(storage, Path(args.file), version=args.version,
                                   platform=args.platform, notes=notes, actor=actor,
                                   audit=audit)
    except releases.ReleaseRefused as exc:
        print(f"{exc.field}: [{exc.rule}] {exc.message}", file=sys.stderr)
        return 2
    except TooLarge as exc:
        print(f"file: [size] {exc.message}", file=sys.stderr)
        return 2
    out.pop("signature", None)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(f"已上传 {out['platform']} {out['version']}（{out['size']} 字节，"
              f"SHA-256 {out['sha256']}）；办事台下次同步时可见")
    return 0
