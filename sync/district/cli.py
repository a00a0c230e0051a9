"""``doorstep-district``: run the district server and administer it from the shell.

A thin layer over :class:`sync.district.storage.Storage` (the same calls the console and
the tests make). The database is ``--db URL``, else ``$DOORSTEP_DB``, else the SQLite file
``district.sqlite3`` in the platform's user data folder for ``doorstep-district``
(``~/.local/share/doorstep-district/`` on Linux). URLs: ``sqlite:///path``, a plain file
path, or ``postgresql://user@host:port/db`` (psycopg).

Commands (names, flags and JSON keys are a public interface)::

    doorstep-district [--db URL] serve [--host H] [--port P] [--workers N]
    doorstep-district [--db URL] enroll-code --desk-code CODE --name NAME [--ttl-hours H]
        [--replaces DESK_ID]
    doorstep-district [--db URL] stats --json          # {"cases", "batches", "desks", ...}
    doorstep-district [--db URL] desks --json
    doorstep-district [--db URL] revoke --desk-id ID
    doorstep-district [--db URL] set-status --case UUID --status S [--note N] [--department D]
    doorstep-district [--db URL] set-route --case UUID --item CODE --status S [--note N]
    doorstep-district [--db URL] publish-catalog [--file catalog.json]   # default: shipped
    doorstep-district [--db URL] catalog import FILE.xlsx [--json]   # next version (issue 16)
    doorstep-district [--db URL] catalog export [--version V] --out FILE.xlsx
    doorstep-district [--db URL] cases --json [--status S] [--limit N]   # each with routes
    doorstep-district [--db URL] departments [--json]
    doorstep-district [--db URL] department add --name NAME
    doorstep-district [--db URL] user add --username U --role admin|reviewer|viewer|department
                  [--department D]                 # the password is read from stdin
    doorstep-district [--db URL] audit verify [--json]   # check the console's audit chain
    doorstep-district [--db URL] restore FILE [--json]   # put a backup back: a new epoch
    doorstep-district [--db URL] calendar publish --file FILE.json   # a year's 放假调休
    doorstep-district [--db URL] calendar list [--year Y] --json
    doorstep-district [--db URL] upload-cap [--desk-code CODE [--set SIZE | --default]] [--json]

Exit status: 0 ok, 1 refused (a message on stderr), 2 bad arguments. ``audit verify``:
0 intact, 1 broken (naming the first broken entry) or the database cannot be read.

Every decision made here (``set-status``, ``set-route``, ``revoke``, ``publish-catalog``,
``enroll-code``, ``user add``, ``department add``, ``upload-cap --set``) is written to the
same hash-chained audit log as the console's, in the decision's own transaction, with the
actor ``cli:<operating-system user>``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sync import protocol as P
from sync.district import (
    calendar_cli,
    catalog_cli,
    cli_matters,
    cli_proactive,
    cli_quota,
    cli_releases,
    cli_roster,
)
from sync.district.config import ConfigError, DistrictSettings, load_settings
from sync.district.errors import DistrictError
from sync.district.storage import AuditHook, Storage, default_db_url

if TYPE_CHECKING:
    from sync.district.console.store import ConsoleStore


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="doorstep-district",
                                description="家门口办事台 district server and administration")
    p.add_argument("--db", default=None,
                   help="database URL or SQLite path (default: $DOORSTEP_DB or "
                        "district.sqlite3 in the user data folder)")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the HTTP API under uvicorn")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8740)
    s.add_argument("--log-level", default="info")
    s.add_argument("--workers", type=int, default=1,
                   help="server processes (2 on 2 cores: faster on SQLite and PostgreSQL)")
    e = sub.add_parser("enroll-code", help="issue a one-time enrollment code; prints it")
    e.add_argument("--desk-code", required=True)
    e.add_argument("--name", required=True)
    e.add_argument("--ttl-hours", type=float, default=72.0)
    e.add_argument("--replaces", default=None, metavar="DESK_ID",
                   help="the code is for a laptop replacing this (lost or broken) desk of the "
                        "same desk code: the old desk is revoked when the new one enrolls and "
                        "its open work comes down at the first sync")
    e.add_argument("--json", action="store_true")
    st = sub.add_parser("stats", help="counts")
    st.add_argument("--json", action="store_true")
    d = sub.add_parser("desks", help="enrolled desks")
    d.add_argument("--json", action="store_true")
    r = sub.add_parser("revoke", help="revoke a desk: its requests are refused afterwards")
    r.add_argument("--desk-id", required=True)
    ss = sub.add_parser("set-status", help="a district decision on a case")
    ss.add_argument("--case", required=True, dest="case_uuid")
    ss.add_argument("--status", required=True,
                    choices=["accepted", "needs_correction", "completed", "rejected", "routed"])
    ss.add_argument("--note", default="")
    ss.add_argument("--department", default=None,
                    help="for routed: a department of the managed list (see departments)")
    ss.add_argument("--actor", default=None,
                    help="name recorded with the change (default: cli:<os user>); the audit "
                         "entry's actor is always cli:<os user>")
    sr = sub.add_parser("set-route", help="a department's decision on one route of a bundle "
                                          "(一件事) case")
    sr.add_argument("--case", required=True, dest="case_uuid")
    sr.add_argument("--item", required=True, help="the member item code of the route")
    sr.add_argument("--status", required=True,
                    choices=[s for s in P.ROUTE_STATUSES if s != "pending"])
    sr.add_argument("--note", default="", help="required for rejected / needs_correction")
    dl = sub.add_parser("departments", help="the managed list of departments")
    dl.add_argument("--json", action="store_true")
    dp = sub.add_parser("department", help="manage the department list")
    dsub = dp.add_subparsers(dest="department_command", required=True)
    da = dsub.add_parser("add", help="add a department cases may be routed to")
    da.add_argument("--name", required=True)
    pc = sub.add_parser("publish-catalog", help="publish a catalog version to every desk")
    pc.add_argument("--file", default=None, help="catalog JSON (default: the shipped catalog)")
    u = sub.add_parser("user", help="console users")
    usub = u.add_subparsers(dest="user_command", required=True)
    ua = usub.add_parser("add", help="add a console user; the password is read from stdin")
    ua.add_argument("--username", required=True)
    ua.add_argument("--role", required=True,
                    choices=["admin", "reviewer", "viewer", "department"])
    ua.add_argument("--department", default="",
                    help="a department user's department (code or name of the matter "
                         "configuration): it sees and acts only on that department's orders")
    c = sub.add_parser("cases", help="cases received")
    c.add_argument("--json", action="store_true")
    c.add_argument("--status", default=None)
    c.add_argument("--limit", type=int, default=100)
    calendar_cli.add_parser(sub)
    catalog_cli.add_parser(sub)  # catalog import|export: the workbook (issue 16)
    au = sub.add_parser("audit", help="the console's tamper-evident audit log")
    ausub = au.add_subparsers(dest="audit_command", required=True)
    av = ausub.add_parser("verify", help="check the whole hash chain (read-only); exit 1 "
                                         "naming the first broken entry")
    av.add_argument("--json", action="store_true")
    rs = sub.add_parser("restore", help="restore a backup made by doorstep-district-backup "
                                        "(stop the server first); starts a new epoch")
    rs.add_argument("file", help="district-*.sqlite3 or district-*.pgdump")
    rs.add_argument("--json", action="store_true")
    # matters, matter …, (15); release add|list (19); roster …, proactive … (18); upload-cap (17)
    for group in (cli_matters, cli_releases, cli_roster, cli_proactive, cli_quota):
        group.add_parsers(sub)
    return p


def cli_actor() -> str:
    """``cli:<operating-system user>``: who made a decision from the command line."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (e.g. a bare container)
        user = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return f"cli:{user}"[:64]


def _audited(cs: ConsoleStore, action: str, target: str, **detail: Any) -> AuditHook:
    """A hook that appends the audit entry inside the decision's transaction."""
    actor = cli_actor()

    def hook(conn: Any, result: dict[str, Any]) -> None:
        cs.audit.append_in(conn, actor, action, target, **detail, **{
            k: v for k, v in result.items() if k in ("published", "seq", "case_status")})
    return hook


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``doorstep-district``."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()  # the DOORSTEP_* variables, read once
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    url = args.db or default_db_url(settings)
    if args.command == "serve":
        return serve(url, args.host, args.port, args.log_level, args.workers,
                     settings=settings)
    if args.command == "audit":  # read-only: no Storage (it would create a missing database)
        return audit_verify(url, as_json=args.json)
    if args.command == "restore":  # replaces the database: no Storage open on it
        return restore_cmd(url, args.file, as_json=args.json)
    storage = Storage(url)
    try:
        if args.command == "upload-cap":  # issue 17: each desk's daily upload cap
            return cli_quota.run(storage, args, cli_actor(), settings)
        return _dispatch(storage, args)
    except DistrictError as exc:
        print(f"error: [{exc.code}] {exc.message}", file=sys.stderr)
        return 1
    finally:
        storage.close()


def restore_cmd(url: str, file: str, *, as_json: bool = False) -> int:
    """``restore FILE`` (issue 22): put the backup back, start a new epoch, audit it."""
    from sync.district.restore import restore

    try:
        done = restore(url, file, actor=cli_actor())
    except DistrictError as exc:
        print(f"file: [{exc.code}] {exc.message}", file=sys.stderr)
        return 1
    if as_json:
        _print(done)
    else:
        print(f"已从 {done['restored']} 恢复区级数据库（案件 {done['cases']} 件，办事点 "
              f"{done['desks']} 个），现为第 {done['epoch']} 代。")
        print("各办事点下次同步时会发现区级已恢复，自动补传备份之后的记录；"
              "在管理台“办事点”页查看每个办事点是否已重新一致。")
    return 0


# asyncio's own event loop, also where uvloop is installed: with uvloop a city morning of
# 400 desks took longer (p95 round 2.8-4.5 s against 1.5-1.8 s, issue 20)
LOOP = "asyncio"
# several server processes: asyncio's loop accepting fairly (sync.district.serving)
FAIR_LOOP = "sync.district.serving:FairLoop"


def loop_for(workers: int) -> str:
    """The event loop uvicorn runs ``workers`` server processes on."""
    return FAIR_LOOP if workers > 1 else LOOP


def serve(url: str, host: str, port: int, log_level: str = "info", workers: int = 1, *,
          settings: DistrictSettings | None = None) -> int:
    """Run the API until interrupted."""
    import os

    import uvicorn

    from sync.district.app import create_app, ready_to_serve

    if workers > 1:  # each worker reads the environment (app_from_env), --db included
        os.environ["DOORSTEP_DB"] = url
        _migrate_once(url)  # create the schema once, before the workers race to
        uvicorn.run("sync.district.app:app_from_env", factory=True, host=host, port=port,
                    log_level=log_level, workers=workers, ws="none", lifespan="off",
                    loop=loop_for(workers))
        return 0
    app = create_app(url, settings=settings)
    ready_to_serve(app)
    uvicorn.run(app, host=host, port=port, log_level=log_level, ws="none", lifespan="off",
                loop=LOOP)
    return 0


def audit_verify(url: str, *, as_json: bool = False) -> int:
    """``audit verify``: check the whole chain, read-only. Exit 0 intact; 1 broken (the
    first broken entry named, with what is wrong) or the log cannot be read."""
    from sync.district.console.store import AuditUnavailable, verify_audit_at

    try:
        res = verify_audit_at(url)
    except AuditUnavailable as exc:
        print(f"error: [{exc.code}] {exc.message}", file=sys.stderr)
        if as_json:
            _print({"ok": False, "first_broken_entry": None,
                    "error": {"code": exc.code, "message": exc.message}})
        return 1
    if as_json:
        _print(res.as_json())
    elif res.ok:
        print(f"审计日志完整：已校验 {res.checked} 条记录。")
        if res.last_id is not None:
            print(f"最后一条：第 {res.last_id} 条，哈希 {res.last_hash}")
    else:
        print(f"审计日志在第 {res.first_broken_entry} 条记录处断开"
              f"（{res.problem}，{res.cause}）。")
        print(res.message)
        e = res.entry
        if e is not None:
            print(f"  编号 {e['id']} · 时间 {e['at']} · 用户 {e['actor']} · 操作 {e['action']}"
                  f" · 对象 {e['target'] or '—'}")
        if res.problem != "checkpoint_mismatch":
            print(f"此前的 {res.checked} 条记录完好" + (
                f"（至第 {res.last_id} 条，哈希 {res.last_hash}）。" if res.last_id else "。"))
    return 0 if res.ok else 1


def _migrate_once(url: str) -> None:
    """Run the migrations (and the console's data steps) once before worker processes
    start: the workers then find the database at head and change nothing (the migration
    lock would serialise them anyway, but each would wait for the one before)."""
    from sync.district.console.store import ConsoleStore

    storage = Storage(url)
    try:
        ConsoleStore(storage)
    finally:
        storage.close()


_STATUS_ACTIONS = {"accepted": "accept", "needs_correction": "correct",
                   "completed": "complete", "rejected": "reject", "routed": "route"}


_Command = Callable[[Storage, "ConsoleStore", argparse.Namespace], int]
"""A command that opens the Storage: ``(storage, console store, args) -> exit status``."""


def _dispatch(storage: Storage, args: argparse.Namespace) -> int:
    from sync.district.console.store import ConsoleStore

    cs = ConsoleStore(storage)  # the audit log (and the console tables) exist from here on
    return _COMMANDS[args.command](storage, cs, args)


def _enroll_code(storage: Storage, cs: ConsoleStore, args: argparse.Namespace) -> int:
    code = storage.desks.create_enroll_code(
        args.desk_code, args.name, ttl_hours=args.ttl_hours, replaces=args.replaces,
        audit=_audited(cs, "desk.enroll_code", args.desk_code.strip().upper(),
                       name=args.name.strip()))
    if args.json:
        _print({"code": code, "desk_code": args.desk_code.strip().upper(),
                "name": args.name, "replaces": args.replaces})
    else:
        print(code)
    return 0


def _stats(storage: Storage, cs: ConsoleStore, args: argparse.Namespace) -> int:
    _print(storage.stats())
    return 0


def _desks(storage: Storage, cs: ConsoleStore, args: argparse.Namespace) -> int:
    agreement = storage.reconcile.agreement_overview()["desks"]  # issue 22: re-converged?
    _print([dict(d, agreement=agreement.get(d["desk_id"])) for d in storage.desks.all()])
    return 0


def _revoke(storage: Storage, cs: ConsoleStore, args: argparse.Namespace) -> int:
    storage.desks.revoke(args.desk_id, audit=_audited(cs, "desk.revoke", args.desk_id))
    _print({"desk_id": args.desk_id, "revoked": True})
    return 0


def _set_status(storage: Storage, cs: ConsoleStore, args: argparse.Namespace) -> int:
    note = args.note.strip()
    dept = (args.department or "").strip() or None
    actor = args.actor or cli_actor()
    _print(storage.decisions.set_status(
        args.case_uuid, args.status, note=note, department=dept, actor=actor,
        audit=_audited(cs, "case." + _STATUS_ACTIONS.get(args.status, args.status),
                       args.case_uuid, status=args.status, note=note, department=dept,
                       **({"as": args.actor} if args.actor else {}))))
    return 0


def _set_route(storage: Storage, cs: ConsoleStore, args: argparse.Namespace) -> int:
    note = args.note.strip()
    item = args.item.strip().upper()
    _print(storage.decisions.set_route(
        args.case_uuid, item, args.status, note=note, actor=cli_actor(),
        audit=_audited(cs, "route." + args.status, args.case_uuid, item_code=item,
                       status=args.status, note=note)))
    return 0


def _departments(storage: Storage, cs: ConsoleStore, args: argparse.Namespace) -> int:
    names = storage.departments.names()
    if args.json:
        _print(names)
    else:
        print("\n".join(names))
    return 0


def _department_add(storage: Storage, cs: ConsoleStore, args: argparse.Namespace) -> int:
    name = " ".join(args.name.split())
    added = storage.departments.add(name, source="cli", actor=cli_actor(),
                                   audit=_audited(cs, "department.add", name))
    _print({"department": name, "added": added})
    return 0


def _publish_catalog(storage: Storage, cs: ConsoleStore, args: argparse.Namespace) -> int:
    if args.file:
        try:
            body = json.loads(Path(args.file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"file: [invalid] 无法读取目录文件: {exc}", file=sys.stderr)
            return 2
    else:
        from forms.catalog import load_catalog

        body = load_catalog().to_json()
    version = str(body.get("version", "")) if isinstance(body, dict) else ""
    _print(storage.catalogs.publish(body, actor=cli_actor(),
                                   audit=_audited(cs, "catalog.publish", version)))
    return 0


def _cases(storage: Storage, cs: ConsoleStore, args: argparse.Namespace) -> int:
    _print(storage.cases.summaries(status=args.status, limit=args.limit))
    return 0


def _delegated(run: Callable[..., int]) -> _Command:
    """A command group with a module of its own: ``run(storage, cs, args, actor)``."""
    return lambda storage, cs, args: run(storage, cs, args, cli_actor())


# which function runs each command (serve, audit, restore and upload-cap run in main:
# they open no Storage, or need the settings)
_COMMANDS: dict[str, _Command] = {
    "enroll-code": _enroll_code,
    "stats": _stats,
    "desks": _desks,
    "revoke": _revoke,
    "set-status": _set_status,
    "set-route": _set_route,
    "departments": _departments,
    "department": _department_add,
    "publish-catalog": _publish_catalog,
    "calendar": lambda storage, cs, args: calendar_cli.run(storage, args),
    "catalog": _delegated(catalog_cli.run),
    "roster": _delegated(cli_roster.run),
    "proactive": _delegated(cli_proactive.run),
    "release": _delegated(cli_releases.run),
    "matters": _delegated(cli_matters.run),
    "matter": _delegated(cli_matters.run),
    "user": lambda storage, cs, args: _user_add(storage, cs, args),
    "cases": _cases,
}


def _user_add(storage: Storage, cs: ConsoleStore, args: argparse.Namespace) -> int:
    """``user add``: the password is the first line of stdin (never an argument)."""
    from sync.district.console.auth import hash_password, password_problem

    password = sys.stdin.readline().rstrip("\r\n")
    problem = password_problem(password)
    if problem:
        print(f"password: [weak] {problem}", file=sys.stderr)
        return 2
    department = ""
    if args.role == "department":  # issue 15: scoped to one department of the config
        from sync.district.matters_console import department_name

        department = department_name(storage, args.department) or ""
        if not department:
            print("department: [unknown] 部门用户须用 --department 指定诉求分类配置中的部门"
                  "（编码或名称）", file=sys.stderr)
            return 2
    extra = {"department": department} if department else {}
    cs.users.add(args.username, hash_password(password), args.role, department=department,
                audit=_audited(cs, "user.add", args.username.strip(), role=args.role, **extra))
    _print({"username": args.username.strip(), "role": args.role, "created": True, **extra})
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
