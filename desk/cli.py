"""``doorstep-desk``: start the desk app, or drive the desk from scripts.

A thin layer over :mod:`desk.core`; the same functions serve the window. The names,
flags and JSON keys here are a public interface (see README "Command line").
Exit status: 0 ok, 1 failure (e.g. not fully synced, a known database problem),
2 invalid input (a message per problem on stderr, naming the field key and the rule).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from desk.core.errors import DeskError, ValidationFailed
from forms.catalog import CatalogError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="doorstep-desk",
        description="家门口办事台 Doorstep Desk — the grid worker's offline service desk.")
    p.add_argument("--data-dir", default=None,
                   help="data folder (default: $DOORSTEP_DATA_DIR or the user data folder)")
    sub = p.add_subparsers(dest="command")

    c = sub.add_parser("catalog", help="list the item catalog")
    c.add_argument("--json", action="store_true", help="print JSON (default)")

    n = sub.add_parser("new", help="validate and save one case from a JSON file")
    n.add_argument("--item", required=True, help="item code, e.g. MZ-GLJT")
    n.add_argument("--json", required=True, dest="json_file",
                   help="JSON object {field key: value, ..., materials: [...]}; - for stdin")
    n.add_argument("--confirm-date", default=None, metavar="YYYY-MM-DD",
                   help="confirm the clock's date (China Standard Time) when the desk doubts "
                        "it; must match the clock")

    ls = sub.add_parser("cases", help="list cases")
    ls.add_argument("--search", default=None, help="name, ID/phone digits, initials, receipt")
    ls.add_argument("--status", default=None)
    ls.add_argument("--item", default=None)
    ls.add_argument("--limit", type=int, default=1000)
    ls.add_argument("--json", action="store_true", help="print JSON (default)")

    r = sub.add_parser("receipt", help="render a case's receipt or notice to PDF")
    r.add_argument("uuid")
    r.add_argument("--out", required=True)
    r.add_argument("--format", choices=["a4", "80mm"], default="a4")
    r.add_argument("--kind", default=None,
                   help="document: receipt, correction, deferral, notice (default: by status)")

    d = sub.add_parser("demo", help="create N realistic synthetic cases")
    d.add_argument("--cases", type=int, required=True)
    d.add_argument("--seed", type=int, default=None)

    s = sub.add_parser("setup", help="first-run set-up without the window")
    s.add_argument("--desk-code", required=True)
    s.add_argument("--desk-name", default="")
    s.add_argument("--worker", required=True)
    s.add_argument("--server", default="")

    rate = sub.add_parser("rate", help="record the resident's rating (1-5) for a case")
    rate.add_argument("uuid")
    rate.add_argument("--level", type=int, required=True)
    rate.add_argument("--reason", default="")

    e = sub.add_parser("enroll", help="enroll this desk with a district server")
    e.add_argument("--server", required=True)
    e.add_argument("--code", required=True)

    sub.add_parser("protect", help="encrypt this desk's data under a worker password "
                                   "(new password on stdin, or DOORSTEP_PASSWORD)")
    sub.add_parser("passwd", help="change the worker password (stdin: old, then new line)")
    pn = sub.add_parser("pin", help="set or remove the 6-digit quick-unlock PIN (enrolled, "
                                    "protected desks; the PIN on stdin; unlocking with it "
                                    "needs the district)")
    pn.add_argument("action", choices=["set", "remove"])
    sub.add_parser("backup", help="take a local backup now (rotated, newest 7 kept)")
    rs = sub.add_parser("restore", help="replace the store with a backup file")
    rs.add_argument("file", help="a backup file (see the backups folder)")
    pg = sub.add_parser("purge", help="remove personal data of completed, synced cases")
    pg.add_argument("--days", type=int, default=180,
                    help="completed at the district more than this many days ago")
    au = sub.add_parser("audit", help="verify the tamper-evident audit log")
    au.add_argument("action", choices=["verify"])

    cal = sub.add_parser("calendar", help="the years of official holiday arrangements known "
                                          "(and where each came from)")
    cal.add_argument("--json", action="store_true")
    y = sub.add_parser("sync", help="one full sync round with the district")
    y.add_argument("--server", default=None, help="override the enrolled server address")
    from desk.cli_matter import add_parsers as add_matter_parsers

    add_matter_parsers(sub)  # matter categories|new|show|handover|close, matters (issue 15)
    return p


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


_OPENED: list[Any] = []  # contexts opened by this command, closed when it ends


def _open(args: argparse.Namespace, *, exclusive: bool = False) -> Any:
    """Open the desk; the data folder stays held (shared, or ``exclusive``) until the
    command ends (see desk.core.inuse)."""
    from desk.core.app import DeskContext
    from sync.client.pin import fetch_key_share

    ctx = DeskContext.open(args.data_dir, exclusive=exclusive, fetch_share=fetch_key_share)
    _OPENED.append(ctx)
    for notice in ctx.notices:  # e.g. a damaged settings file kept aside
        _err(f"notice: {notice}")
    return ctx


def _close_opened() -> None:
    while _OPENED:
        try:
            _OPENED.pop().close()
        except DeskError:
            pass


# what did not happen when a command fails on the disk, in the worker's words
_OUTCOME = {"new": "案件未保存", "receipt": "回执未生成", "rate": "评价未保存",
            "backup": "备份未完成", "protect": "加密未完成", "passwd": "密码未修改",
            "setup": "设置未保存", "restore": "恢复未完成", "purge": "清理未完成",
            "demo": "演示案件未生成", "enroll": "登记未完成", "sync": "同步未完成",
            "pin": "PIN 未设置", "catalog": "事项目录未读取", "cases": "案件列表未读取",
            "matter": "诉求未保存", "matters": "诉求列表未读取"}


def _disk_problem(exc: OSError) -> str:
    import errno

    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "磁盘空间已满"
    return f"读写磁盘出错（{exc.strerror or exc}）"


def _write_file(out: Path, data: bytes) -> None:
    """Write ``data`` to ``out`` whole or not at all: a temporary file beside it, fsynced
    and renamed; on failure (a full disk) nothing is left behind."""
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    try:
        with open(part, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, out)
    except OSError:
        part.unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``doorstep-desk``."""
    args = _parser().parse_args(argv)
    if args.command is None:
        from desk.ui.main import run_gui

        return run_gui(args.data_dir)
    try:
        try:
            return _dispatch(args)
        finally:
            _close_opened()
    except ValidationFailed as exc:
        for p in exc.problems:
            _err(f"{p.field}: [{p.rule}] {p.message}")
        return 2
    except DeskError as exc:
        _err(f"error: {exc.message}")
        return 1
    except CatalogError as exc:
        _err(f"catalog: [invalid] 事项目录无法加载: {exc}")
        return 1
    except OSError as exc:  # a full disk or a failing device, outside the store
        _err(f"error: {_disk_problem(exc)}，{_OUTCOME.get(args.command, '操作未完成')}。"
             "请清理磁盘空间或检查存储设备后重试。")
        return 1
    except Exception as exc:
        from sync.client.errors import SyncError  # only raised once sync.client is loaded

        if isinstance(exc, SyncError):
            _err(f"error: [{exc.kind}] {exc.message}")
            return 1
        raise


def _dispatch(args: argparse.Namespace) -> int:
    cmd = args.command
    if cmd in ("matter", "matters"):
        from desk.cli_matter import dispatch as matter_dispatch

        return matter_dispatch(args, _open)
    if cmd == "catalog":
        from forms.catalog import dump_json

        ctx = _open(args)
        print(dump_json(ctx.catalog))
        return 0
    if cmd == "calendar":
        from desk.core.recalendar import calendar_listing

        rows = calendar_listing(_open(args))
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for r in rows:
                print(f"{r['year']}  {r['source_label']}  {r['notice']}")
        return 0
    if cmd == "new":
        return _new(args)
    if cmd == "cases":
        from desk.core.cases import public_case

        ctx = _open(args)
        rows = ctx.store.list_cases(search=args.search, status=args.status, item=args.item,
                                    limit=args.limit)
        print(json.dumps([public_case(r) for r in rows], ensure_ascii=False, indent=2))
        return 0
    if cmd == "receipt":
        from desk.core.receipts import render_case_pdf

        ctx = _open(args)
        case = ctx.store.get_case(args.uuid) or ctx.store.find_by_receipt(args.uuid)
        if case is None:
            _err(f"uuid: [not_found] 没有找到案件 {args.uuid}")
            return 2
        pdf = render_case_pdf(ctx, case, fmt=args.format, kind=args.kind)
        out = Path(args.out)
        _write_file(out, pdf)
        print(json.dumps({"uuid": case["uuid"], "receipt_no": case["receipt_no"],
                          "out": str(out), "bytes": len(pdf)}, ensure_ascii=False))
        return 0
    if cmd == "demo":
        from desk.core.demo import make_demo_cases

        ctx = _open(args)
        if args.cases < 1:
            _err("cases: [range] 数量应为正整数")
            return 2
        summary = make_demo_cases(ctx, args.cases, seed=args.seed)
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    if cmd == "setup":
        from desk.core import settings as settings_mod

        ctx = _open(args)
        st = ctx.settings
        enrolled = ctx.store.get_meta("district_desk_code") or ""
        wanted = args.desk_code.strip().upper()
        if enrolled and wanted != enrolled:  # the district's code is this desk's identity
            _err(f"desk_code: [enrolled] 本办事台已在区级登记为 {enrolled}，编码不能改为 "
                 f"{wanted}（回执编号和区级记录都用它）；需要换编码时，请区级为新编码发放"
                 "注册码后重新注册（doorstep-desk enroll）")
            return 2
        st.desk_code, st.worker_name = wanted, args.worker.strip()
        st.desk_name = args.desk_name or st.desk_name
        st.server_url = args.server or st.server_url
        problems = st.problems()
        if problems:
            for k, v in problems.items():
                _err(f"{k}: [invalid] {v}")
            return 2
        settings_mod.save(ctx.paths.settings, st)
        print(json.dumps({"desk_code": st.desk_code, "worker_name": st.worker_name},
                         ensure_ascii=False))
        return 0
    if cmd == "rate":
        ctx = _open(args)
        ctx.cases.rate(args.uuid, args.level, args.reason)
        print(json.dumps({"uuid": args.uuid, "rating": args.level}))
        return 0
    if cmd == "backup":
        from desk.core.maintenance import make_backup

        ctx = _open(args)
        dest = make_backup(ctx.store, ctx.paths)
        print(json.dumps({"backup": str(dest), "bytes": dest.stat().st_size}))
        return 0
    if cmd == "restore":
        from desk.core.maintenance import restore
        from desk.core.paths import resolve

        src = Path(args.file)
        if not src.is_file():
            _err(f"file: [not_found] 找不到备份文件 {src}")
            return 2
        from desk.core.app import unlock_key
        from sync.client.pin import fetch_key_share

        paths = resolve(args.data_dir).ensure()
        key = unlock_key(paths, None, fetch_key_share)
        print(json.dumps(restore(paths, src, key), ensure_ascii=False))
        return 0
    if cmd in ("protect", "passwd"):
        return _protect(args)
    if cmd == "pin":
        return _pin(args)
    if cmd == "purge":
        from desk.core.maintenance import purge_expired

        if args.days < 0:
            _err("days: [range] 天数不能为负")
            return 2
        ctx = _open(args, exclusive=True)
        print(json.dumps({"purged": purge_expired(ctx.store, days=args.days)}))
        return 0
    if cmd == "audit":
        ctx = _open(args)
        report = ctx.store.audit_report()
        print(json.dumps(report, ensure_ascii=False))
        return 0 if report["ok"] else 1
    if cmd == "enroll":
        from sync.client.desk import enroll_desk

        ctx = _open(args)
        info = enroll_desk(ctx, args.server, args.code)
        print(json.dumps(info, ensure_ascii=False))
        return 0
    if cmd == "sync":
        from sync.client.desk import sync_desk

        ctx = _open(args)
        summary = sync_desk(ctx, server=args.server)
        print(json.dumps(summary, ensure_ascii=False))
        return 0 if summary.get("complete") else 1
    raise AssertionError(cmd)  # pragma: no cover


def _protect(args: argparse.Namespace) -> int:
    from desk.core import keyring
    from desk.core.app import change_password, protect
    from desk.core.paths import resolve

    paths = resolve(args.data_dir).ensure()
    lines = [] if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read().splitlines()
    if args.command == "protect":
        pw = lines[0] if lines else keyring.password_from_env()
        if not pw:
            _err("password: [required] 请在标准输入提供新密码")
            return 2
        try:
            keyring.check_password_rule(pw)
        except keyring.KeyringError as exc:
            _err(f"password: [{exc.kind}] {exc.message}")
            return 2
        print(json.dumps(protect(paths, pw), ensure_ascii=False))
        return 0
    if len(lines) < 2:
        _err("password: [required] 标准输入第一行为旧密码，第二行为新密码")
        return 2
    try:
        keyring.check_password_rule(lines[1])
    except keyring.KeyringError as exc:
        _err(f"password: [{exc.kind}] {exc.message}")
        return 2
    change_password(paths, lines[0], lines[1])
    print(json.dumps({"changed": True}))
    return 0


def _pin(args: argparse.Namespace) -> int:
    from desk.core import keyring
    from sync.client import pin as pin_mod

    ctx = _open(args)
    try:
        if args.action == "remove":
            print(json.dumps(pin_mod.remove_pin(ctx)))
            return 0
        if sys.stdin is not None and not sys.stdin.isatty():
            lines = sys.stdin.read().splitlines()
            pin = lines[0].strip() if lines else ""
        else:
            import getpass

            pin = getpass.getpass("新 PIN（6位数字）: ")
        if not pin:
            _err("pin: [required] 请在标准输入提供6位数字 PIN")
            return 2
        try:
            keyring.check_pin_rule(pin)
        except keyring.KeyringError as exc:
            _err(f"pin: [{exc.kind}] {exc.message}")
            return 2
        print(json.dumps(pin_mod.set_pin(ctx, pin)))
        return 0
    finally:
        ctx.close()


def _new(args: argparse.Namespace) -> int:
    try:
        if args.json_file == "-":
            text = sys.stdin.read()
        else:
            text = Path(args.json_file).read_text(encoding="utf-8")
    except OSError as exc:
        _err(f"json: [file] 无法读取文件 {args.json_file}: {exc.strerror}")
        return 2
    try:
        submission = json.loads(text)
    except json.JSONDecodeError as exc:
        _err(f"json: [syntax] 不是有效的 JSON（第{exc.lineno}行第{exc.colno}列）: {exc.msg}")
        return 2
    if not isinstance(submission, dict):
        _err("json: [type] 应为一个 JSON 对象 {字段: 值, ...}")
        return 2
    from desk.core.cases import case_warnings

    ctx = _open(args)
    ctx.require_setup()
    if args.confirm_date is not None:  # audited under the worker's name (clockcheck)
        ctx.desk_day.confirm_clock_date(args.confirm_date, ctx.settings.worker_name)
    case = ctx.cases.submit(args.item, submission, ctx.actor())
    mats = json.loads(case["materials_json"])
    out = {
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
    }
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    raise SystemExit(main())
