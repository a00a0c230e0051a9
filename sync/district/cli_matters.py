"""``doorstep-district matters`` and ``doorstep-district matter …``: work orders (工单) for
resident matters (issue 15), mirroring the console.

- ``matters [--status S] [--overdue] [--department D] --json`` — the queue, the most urgent
  deadline first, each with ``sla_state`` (normal / due_soon 即将超时 / overdue 超时);
- ``matter dispatch UUID [--department D]`` (none: the fallback owner, 兜底) · ``sign`` ·
  ``answer --text T`` · ``extend --due-at ISO --reason R`` · ``revisit --satisfaction S
  [--reason R]`` (不满意 needs the reason and reopens it as 重办) · ``close --reason R``;
  ``--as-department D`` acts as a department user (only that department's orders);
- ``matter schedule`` — one run of the deadline schedule (for cron; exactly once per slot
  across processes);
- ``matter publish-config --file F`` — publish categories, time limits and departments.

Every decision is appended to the hash-chained audit log in its own transaction. Invalid
input: exit 2 with ``field: [rule] message``; an unknown order: exit 2 ``uuid: [not_found]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from sync import protocol as P
from sync.district import matters_store as M
from sync.district.errors import NotFound, Refused


def add_parsers(sub: Any) -> None:
    """Add ``matters`` and ``matter`` to the district's sub-commands."""
    ls = sub.add_parser("matters", help="resident matters' work orders (工单)")
    ls.add_argument("--status", default=None, choices=list(P.MATTER_STATUSES))
    ls.add_argument("--overdue", action="store_true", help="open orders past their deadline")
    ls.add_argument("--department", default=None, help="one department's orders")
    ls.add_argument("--limit", type=int, default=1000)
    ls.add_argument("--json", action="store_true", help="print JSON (default)")
    m = sub.add_parser("matter", help="a decision on a work order, the schedule, the config")
    ms = m.add_subparsers(dest="matter_command", required=True)
    for action, words in (("dispatch", "派单 to a department"), ("sign", "签收"),
                          ("answer", "反馈: the answer the desk passes on"),
                          ("extend", "延期: a reason and a new deadline"),
                          ("revisit", "回访: the resident's satisfaction"),
                          ("close", "办结")):
        a = ms.add_parser(action, help=words)
        a.add_argument("uuid")
        a.add_argument("--actor", default=None, help="name recorded with the change")
        a.add_argument("--as-department", default=None,
                       help="act as a department user: only that department's orders")
        if action == "dispatch":
            a.add_argument("--department", default="",
                           help="department code or name (none: the fallback owner)")
        if action == "answer":
            a.add_argument("--text", required=True)
        if action == "extend":
            a.add_argument("--due-at", required=True, help="ISO time with offset")
            a.add_argument("--reason", required=True)
        if action == "revisit":
            a.add_argument("--satisfaction", required=True,
                           help=" | ".join(P.MATTER_SATISFACTION))
            a.add_argument("--reason", default="", help="required for 不满意 (重办)")
        if action == "close":
            a.add_argument("--reason", required=True)
    sc = ms.add_parser("schedule", help="one run of the deadline schedule (cron)")
    sc.add_argument("--now", default=None, help="ISO time (default: the clock)")
    pc = ms.add_parser("publish-config", help="publish categories, time limits, departments")
    pc.add_argument("--file", default=None,
                    help="JSON or YAML (default: the shipped forms/matter_config.yaml)")


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _refusal(exc: Refused) -> str:
    field = str(exc.extra.get("field") or "")
    rule = str(exc.extra.get("rule") or "refused")
    text = exc.message
    if field and text.startswith(f"{field}: "):
        text = text[len(field) + 2:]
    return f"{field or 'matter'}: [{rule}] {text}"


def run(storage: Any, cs: Any, args: argparse.Namespace, actor: str) -> int:
    """Run ``matters`` / ``matter …`` (``cs``: the console store, for the audit log)."""
    try:
        return _run(storage, cs, args, actor)
    except Refused as exc:
        print(_refusal(exc), file=sys.stderr)
        return 2
    except NotFound as exc:
        print(f"uuid: [not_found] {exc.message}", file=sys.stderr)
        return 2


def _run(storage: Any, cs: Any, args: argparse.Namespace, actor: str) -> int:
    if args.command == "matters":
        _print(M.list_orders(storage, status=args.status, overdue=args.overdue,
                             department=args.department, limit=args.limit))
        return 0
    sub = args.matter_command
    if sub == "schedule":
        now = datetime.fromisoformat(args.now) if args.now else None

        def escalated(conn: Any, row: dict[str, Any]) -> None:
            cs.audit.append_in(conn, "schedule", "matter.escalate", row["uuid"], **row)

        _print(M.run_schedule(storage, now=now, runner=actor, audit=escalated))
        return 0
    if sub == "publish-config":
        body = _config_file(args.file)

        def published(conn: Any, out: dict[str, Any]) -> None:
            cs.audit.append_in(conn, actor, "matter.publish_config", str(out["version"]), **out)

        _print(M.publish_config(storage, body, actor=actor, audit=published))
        return 0
    kw: dict[str, Any] = {}
    if sub == "dispatch":
        kw["department"] = args.department
    elif sub == "answer":
        kw["text"] = args.text
    elif sub == "extend":
        kw.update(text=args.reason, due_at=args.due_at)
    elif sub == "revisit":
        kw.update(satisfaction=args.satisfaction, text=args.reason)
    elif sub == "close":
        kw["text"] = args.reason
    scope = args.as_department

    def audited(conn: Any, out: dict[str, Any]) -> None:
        cs.audit.append_in(conn, actor, f"matter.{sub}", args.uuid, status=out["status"],
                    department=out["department"], seq=out["seq"], **out["matter"],
                    **({"as_department": scope} if scope else {}))

    _print(M.decide(storage, args.uuid, sub, actor=args.actor or actor,
                    scope_department=scope, audit=audited, **kw))
    return 0


def _config_file(name: str | None) -> Any:
    import yaml

    from forms.matters import CONFIG_FILE

    path = Path(name) if name else CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise Refused(f"file: 无法读取 {path}: {exc.strerror}", field="file",
                      rule="file") from None
    try:
        return yaml.safe_load(text)  # JSON is YAML too
    except yaml.YAMLError as exc:
        raise Refused(f"file: 不是有效的 JSON/YAML: {exc}", field="file",
                      rule="syntax") from None
