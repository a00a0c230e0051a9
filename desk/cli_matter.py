"""``doorstep-desk matter …`` and ``doorstep-desk matters``: resident matters (issue 15).

- ``matter categories --json`` — the district's categories with their time limits;
- ``matter new --json FILE`` — record a matter (prints ``uuid``, ``matter_no``, ``owner``,
  ``due_at``);
- ``matter show UUID`` — one matter with its hand-overs;
- ``matter handover UUID --to WORKER --reason R`` — hand it over (audited, stays open);
- ``matter close UUID --result R --satisfaction 满意|基本满意|不满意`` — closed on the spot;
- ``matters [--search Q] [--status S] [--today] --json`` — the list (masked), or today's list.

Invalid input: exit 2 with ``field: [rule] message`` per problem (raised as
:class:`ValidationFailed` and printed by :func:`desk.cli.main`), nothing saved.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from forms.matters import SATISFACTION


def add_parsers(sub: Any) -> None:
    """Add ``matter`` and ``matters`` to the desk's sub-commands."""
    m = sub.add_parser("matter", help="resident matters (民情诉求): record, hand over, close")
    ms = m.add_subparsers(dest="matter_command", required=True)
    cats = ms.add_parser("categories", help="the district's categories and time limits")
    cats.add_argument("--json", action="store_true", help="print JSON (default)")
    new = ms.add_parser("new", help="record a matter from a JSON file")
    new.add_argument("--json", required=True, dest="json_file",
                     help="JSON object {category, subcategory, urgency, description, "
                          "resident, place, answer_by, from_case}; - for stdin")
    show = ms.add_parser("show", help="one matter with its hand-overs")
    show.add_argument("uuid")
    ho = ms.add_parser("handover", help="hand a matter to another owner (with a reason)")
    ho.add_argument("uuid")
    ho.add_argument("--to", required=True, help="the new owner (a worker, 社区, 区级)")
    ho.add_argument("--reason", required=True)
    cl = ms.add_parser("close", help="close a matter on the spot")
    cl.add_argument("uuid")
    cl.add_argument("--result", required=True, help="what was done")
    cl.add_argument("--satisfaction", required=True, help=" | ".join(SATISFACTION))
    ls = sub.add_parser("matters", help="list resident matters")
    ls.add_argument("--search", default=None,
                    help="number, name, place, category, text, phone/ID digits")
    ls.add_argument("--status", default=None, choices=["open", "closed"])
    ls.add_argument("--today", action="store_true",
                    help="today's list: due or overdue, answers to pass on, 回访 to make")
    ls.add_argument("--limit", type=int, default=1000)
    ls.add_argument("--json", action="store_true", help="print JSON (default)")


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def dispatch(args: argparse.Namespace, open_desk: Callable[[argparse.Namespace], Any]) -> int:
    """Run ``matter …`` / ``matters``; ``open_desk`` opens the desk (desk.cli._open)."""
    from desk.core.matters import MatterService, public_matter

    if args.command == "matters":
        ctx = open_desk(args)
        service = MatterService(ctx.store)
        if args.today:
            _print(service.today())
            return 0
        now = service.now()
        warn = service.config.warn_fraction
        _print([public_matter(m, now, warn) for m in
                ctx.store.list_matters(search=args.search, status=args.status,
                                       limit=args.limit)])
        return 0
    sub = args.matter_command
    if sub == "new":
        submission = _read_json(args.json_file)
        if submission is None:
            return 2
        ctx = open_desk(args)
        ctx.require_setup()
        m = MatterService(ctx.store).record(submission, ctx.actor())
        _print({"uuid": m["uuid"], "matter_no": m["matter_no"], "owner": m["owner"],
                "due_at": m["due_at"], "category": m["category"],
                "subcategory": m["subcategory"], "urgency": m["urgency"],
                "sla": json.loads(m["sla_json"]), "status": m["status"],
                "from_case": m["from_case"]})
        return 0
    ctx = open_desk(args)
    service = MatterService(ctx.store)
    if sub == "categories":
        _print(service.config.to_json())
        return 0
    if sub == "show":
        m = ctx.store.get_matter(args.uuid)
        if m is None:
            _err(f"uuid: [not_found] 没有找到诉求 {args.uuid}")
            return 2
        _print(public_matter(m, service.now(), service.config.warn_fraction))
        return 0
    ctx.require_setup()
    if sub == "handover":
        m = service.handover(args.uuid, args.to, args.reason, ctx.actor())
        _print({"uuid": m["uuid"], "matter_no": m["matter_no"], "owner": m["owner"],
                "status": m["status"], "revision": m["revision"]})
        return 0
    if sub == "close":
        m = service.close(args.uuid, args.result, args.satisfaction, ctx.actor())
        _print({"uuid": m["uuid"], "matter_no": m["matter_no"], "owner": m["owner"],
                "status": m["status"], "satisfaction": m["satisfaction"],
                "revision": m["revision"]})
        return 0
    raise AssertionError(sub)  # pragma: no cover


def _read_json(name: str) -> dict[str, Any] | None:
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        _err(f"json: [file] 无法读取文件 {name}: {exc.strerror}")
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        _err(f"json: [syntax] 不是有效的 JSON（第{exc.lineno}行第{exc.colno}列）: {exc.msg}")
        return None
    if not isinstance(data, dict):
        _err("json: [type] 应为一个 JSON 对象 {字段: 值, ...}")
        return None
    return data
