"""``doorstep-desk matter …`` and ``doorstep-desk matters``: resident matters (issue 15).

- ``matter categories --json`` — the district's categories with their time limits;
- ``matter new --json FILE`` — record a matter (prints ``uuid``, ``matter_no``, ``owner``,
  ``due_at``);
- ``matter show UUID`` — one matter with its hand-overs;
- ``matter handover UUID --to WORKER --reason R`` — hand it over (audited, stays open);
- ``matter close UUID --result R --satisfaction 满意|基本满意|不满意`` — closed on the spot;
- ``matters [--search Q] [--status S] [--today] --json`` — the list (masked), or today's list.

Invalid input: exit 2 with ``field: [rule] message`` per problem (raised as
:class:`ValidationFailed` and printed by :func:`desk.cli.main`), nothing saved. The
parsers are declared in :mod:`desk.cli.parsers` with the others.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from desk.cli.common import err, open_desk, read_json_object
from desk.core.matters import MatterService, public_matter


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def dispatch(args: argparse.Namespace) -> int:
    """Run ``matter …`` / ``matters``."""
    if args.command == "matters":
        ctx = open_desk(args)
        service = MatterService(ctx.store)
        if args.today:
            _print(service.today())
            return 0
        now = service.now()
        warn = service.config.warn_fraction
        _print([public_matter(m, now, warn) for m in
                ctx.store.matters.list_matters(search=args.search, status=args.status,
                                               limit=args.limit)])
        return 0
    sub = args.matter_command
    if sub == "new":
        submission = read_json_object(args.json_file)
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
        found = ctx.store.matters.get_matter(args.uuid)
        if found is None:
            err(f"uuid: [not_found] 没有找到诉求 {args.uuid}")
            return 2
        _print(public_matter(found, service.now(), service.config.warn_fraction))
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

