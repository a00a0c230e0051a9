"""Case work: ``catalog``, ``calendar``, ``new``, ``cases``, ``rate``, ``demo`` — the
same calls the window makes (desk.core.cases). ``receipt`` is in :mod:`desk.cli.documents`
so that these do not load ReportLab."""

from __future__ import annotations

import argparse
import json

from desk.cli.common import err, open_desk, print_json, read_json_object
from desk.core.cases import case_warnings, public_case
from desk.core.demo import make_demo_cases
from desk.core.recalendar import calendar_listing
from forms.catalog import dump_json


def catalog(args: argparse.Namespace) -> int:
    """The item catalog as JSON."""
    print(dump_json(open_desk(args).catalog))
    return 0


def calendar(args: argparse.Namespace) -> int:
    """The years of official holiday arrangements known, and where each came from."""
    rows = calendar_listing(open_desk(args))
    if args.json:
        print_json(rows, indent=2)
    else:
        for r in rows:
            print(f"{r['year']}  {r['source_label']}  {r['notice']}")
    return 0


def new(args: argparse.Namespace) -> int:
    """Validate and save one case from a JSON file (2 and a message per problem if not)."""
    submission = read_json_object(args.json_file)
    if submission is None:
        return 2
    ctx = open_desk(args)
    ctx.require_setup()
    if args.confirm_date is not None:  # audited under the worker's name (clockcheck)
        assert ctx.desk_day is not None  # DeskContext.open always sets it
        ctx.desk_day.confirm_clock_date(args.confirm_date, ctx.settings.worker_name)
    case = ctx.cases.submit(args.item, submission, ctx.actor())
    mats = json.loads(case["materials_json"])
    print_json({
        "uuid": case["uuid"],
        "receipt_no": case["receipt_no"],
        "status": case["status"],
        "item_code": case["item_code"],
        "catalog_version": case["catalog_version"],
        "accepted_date": case["accepted_date"],
        "promised_date": case["promised_date"],
        "missing_materials": [m["name"] for m in mats["missing"] if m["required"]],
        "deferred_due_date": mats.get("defer_due"),
        "warnings": case_warnings(case),
    })
    return 0


def list_cases(args: argparse.Namespace) -> int:
    """The cases (masked, as the list shows them)."""
    ctx = open_desk(args)
    rows = ctx.store.search.list_cases(search=args.search, status=args.status, item=args.item,
                                       limit=args.limit)
    print_json([public_case(r) for r in rows], indent=2)
    return 0


def rate(args: argparse.Namespace) -> int:
    """The resident's rating of a case."""
    ctx = open_desk(args)
    ctx.cases.rate(args.uuid, args.level, args.reason)
    print(json.dumps({"uuid": args.uuid, "rating": args.level}))
    return 0


def demo(args: argparse.Namespace) -> int:
    """N realistic synthetic cases."""
    ctx = open_desk(args)
    if args.cases < 1:
        err("cases: [range] 数量应为正整数")
        return 2
    print_json(make_demo_cases(ctx, args.cases, seed=args.seed))
    return 0
