"""``doorstep-district proactive run|compounds|show`` (主动服务 / 免申即享, issue 18).

``proactive run [--month YYYY-MM] [--json]`` evaluates every item's proactive rule of the
district's current catalog (the one published last, else the shipped one) over the roster
on today's date (the district's day) or the first of ``--month`` and writes the new list
entries (:mod:`sync.district.proactive`): once per day, idempotent; audited as
``proactive.run``. ``proactive compounds --desk-code CODE [--set 小区 …]`` shows or sets
the compounds a desk serves (audited as ``proactive.compounds``). ``proactive show``
prints the entries by item and outcome and the last runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from sync.district import proactive
from sync.district.catalog_import import district_catalog
from sync.district.console.schema import local_today
from sync.district.console.store import ConsoleStore
from sync.district.storage import Storage

if TYPE_CHECKING:
    pass


def add_parsers(sub: Any) -> None:
    """The ``proactive`` command's parser (``sub``: the top-level subparsers)."""
    pr = sub.add_parser("proactive", help="proactive service lists (主动服务/免申即享)")
    psub = pr.add_subparsers(dest="proactive_command", required=True)
    run = psub.add_parser("run", help="list the residents the items' rules select")
    run.add_argument("--month", help="evaluate on the first day of YYYY-MM (default: today)")
    run.add_argument("--json", action="store_true")
    co = psub.add_parser("compounds", help="the compounds (小区) a desk serves")
    co.add_argument("--desk-code", help="the desk (omit to list every desk's compounds)")
    co.add_argument("--set", nargs="*", metavar="小区",
                    help="make these exactly the desk's compounds")
    psub.add_parser("show", help="entries by item and outcome, the last runs")


def run(storage: Storage, cs: ConsoleStore, args: argparse.Namespace, actor: str) -> int:
    """Run ``proactive run`` / ``compounds`` / ``show``."""
    out: Any
    try:
        if args.proactive_command == "show":
            out = proactive.summary(storage)
        elif args.proactive_command == "compounds":
            if args.set is None:
                every = proactive.list_compounds(storage)
                out = every if not args.desk_code else {
                    "desk_code": args.desk_code, "compounds": every.get(args.desk_code, [])}
            else:
                if not args.desk_code:
                    raise proactive.ProactiveError("--desk-code：设定小区时必须指明办事点")
                out = proactive.set_compounds(
                    storage, args.desk_code, args.set, audit=lambda conn, names: cs.audit.append_in(
                        conn, actor, "proactive.compounds", args.desk_code, compounds=names))
        else:
            day = proactive.slot_of(args.month, local_today())
            out = proactive.run(storage, district_catalog(storage), day=day, actor=actor,
                                audit=lambda conn, res: cs.audit.append_in(
                                    conn, actor, "proactive.run", res["slot"],
                                    listed=res["listed"], by_item=res["by_item"]))
    except proactive.ProactiveError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    return 0
