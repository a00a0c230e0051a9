"""``doorstep-district upload-cap``: each desk's daily upload cap (issue 17).

``upload-cap [--json]`` lists the active desks with their cap today (``own``: set for the
desk code) and the bytes used on the district's today; ``upload-cap --desk-code CODE --set
SIZE`` gives a desk code its own cap (``800MB``, ``1GB``, plain bytes; ``0`` stops its
uploads), ``--default`` puts it back to ``DOORSTEP_DESK_DAILY_UPLOAD``. Each change is
audited as ``desk.upload_cap`` (the code, the cap, the one before) and takes effect with the
next piece a desk sends: pages waiting for a raised cap go at the desk's next sync.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from sync.district import upload_quota as Q
from sync.district.config import DistrictSettings
from sync.district.console.store import ConsoleStore
from sync.district.storage import Storage


def add_parsers(sub: Any) -> None:
    """The ``upload-cap`` command's parser (``sub``: the top-level subparsers)."""
    u = sub.add_parser("upload-cap", help="each desk's daily upload cap: show, or set a "
                                          "desk code's own")
    u.add_argument("--desk-code", default=None, help="the desk code to set (HY-QL01)")
    how = u.add_mutually_exclusive_group()
    how.add_argument("--set", dest="cap", default=None,
                     help="its own daily cap: 800MB, 1GB or bytes (0: no uploads)")
    how.add_argument("--default", action="store_true",
                     help="back to DOORSTEP_DESK_DAILY_UPLOAD")
    u.add_argument("--json", action="store_true")


def run(storage: Storage, args: argparse.Namespace, actor: str,
        settings: DistrictSettings) -> int:
    """Run ``upload-cap``."""
    cs = ConsoleStore(storage)  # the audit log
    if args.cap is not None or args.default:
        if not args.desk_code:
            print("desk-code: [required] 请用 --desk-code 指定办事点编码", file=sys.stderr)
            return 2
        try:
            cap = None if args.default else Q.parse_size(args.cap)
        except ValueError as exc:
            print(f"set: [invalid] {exc}", file=sys.stderr)
            return 2

        def audit(conn: Any, out: dict[str, Any]) -> None:
            cs.audit.append_in(conn, actor, "desk.upload_cap", out["desk_code"], cap=out["cap"],
                        previous=out["previous"])

        out = Q.set_cap(storage, args.desk_code, cap, actor, audit=audit)
        shown = Q.size_text(cap) if cap is not None else \
            f"区级默认 {Q.size_text(settings.desk_daily_upload)}"
        _show(out, args.json, f"办事点 {out['desk_code']} 的每日上传上限：{shown}")
        return 0
    rule = Q.DailyCap(settings.desk_daily_upload, settings.zone, datetime.now(UTC))
    rows = Q.overview(storage, rule)
    if args.desk_code:
        rows = [r for r in rows if r["desk_code"] == args.desk_code.strip().upper()]
    lines = [f"{r['desk_code']}  {r['name']}  今日已用 {Q.size_text(r['used'])} / "
             f"{Q.size_text(r['cap'])}{'（单独设置）' if r['own'] else ''}" for r in rows]
    _show(rows, args.json, "\n".join(lines) or "没有在用的办事点")
    return 0


def _show(data: Any, as_json: bool, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2) if as_json else text)
