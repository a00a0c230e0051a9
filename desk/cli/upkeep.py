"""Looking after the desk: ``setup``, ``backup``, ``restore``, ``purge``, ``audit``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from desk.cli.common import err, open_desk, print_json
from desk.core import settings as settings_mod
from desk.core.app import unlock_key
from desk.core.maintenance import make_backup, purge_expired, purge_expired_matters
from desk.core.maintenance import restore as restore_backup
from desk.core.paths import resolve
from sync.client.pin import fetch_key_share


def setup(args: argparse.Namespace) -> int:
    """First-run set-up without the window (an enrolled desk keeps the district's code)."""
    ctx = open_desk(args)
    st = ctx.settings
    enrolled = ctx.store.get_meta("district_desk_code") or ""
    wanted = args.desk_code.strip().upper()
    if enrolled and wanted != enrolled:  # the district's code is this desk's identity
        err(f"desk_code: [enrolled] 本办事台已在区级登记为 {enrolled}，编码不能改为 "
            f"{wanted}（回执编号和区级记录都用它）；需要换编码时，请区级为新编码发放"
            "注册码后重新注册（doorstep-desk enroll）")
        return 2
    st.desk_code, st.worker_name = wanted, args.worker.strip()
    st.desk_name = args.desk_name or st.desk_name
    st.server_url = args.server or st.server_url
    if args.card_reader is not None:  # issue 17
        st.card_reader = "" if args.card_reader == "none" else args.card_reader
    if args.card_reader_path is not None:
        st.card_reader_path = args.card_reader_path
    if args.card_reader_port is not None:
        st.card_reader_port = args.card_reader_port
    if args.doc_language is not None:  # issue 16: 文书第二语言
        wanted_lang = args.doc_language.strip()
        st.doc_language = "" if wanted_lang.lower() in ("", "none") else wanted_lang
    problems = st.problems()
    if "doc_language" not in problems and st.doc_language:
        from desk.core.doclang import district_dir, languages

        known = languages(ctx.catalog, district_dir(ctx.paths.data_dir))
        if st.doc_language.split("_")[0] not in known:
            problems["doc_language"] = (
                f"文书第二语言 {st.doc_language} 没有译文：目录和翻译文件提供的语言只有 "
                f"{'、'.join(known)}（彝语等译文由区级随目录发布）")
    if problems:
        for k, v in problems.items():
            err(f"{k}: [invalid] {v}")
        return 2
    settings_mod.save(ctx.paths.settings, st)
    print_json({"desk_code": st.desk_code, "worker_name": st.worker_name})
    return 0


def backup(args: argparse.Namespace) -> int:
    """A local backup now (rotated)."""
    ctx = open_desk(args)
    dest = make_backup(ctx.store, ctx.paths)
    print(json.dumps({"backup": str(dest), "bytes": dest.stat().st_size}))
    return 0


def restore(args: argparse.Namespace) -> int:
    """Replace the store with a backup file."""
    src = Path(args.file)
    if not src.is_file():
        err(f"file: [not_found] 找不到备份文件 {src}")
        return 2
    paths = resolve(args.data_dir).ensure()
    key = unlock_key(paths, None, fetch_key_share)
    print_json(restore_backup(paths, src, key))
    return 0


def purge(args: argparse.Namespace) -> int:
    """Remove the personal data of completed, synced cases and closed, synced matters."""
    if args.days < 0:
        err("days: [range] 天数不能为负")
        return 2
    ctx = open_desk(args, exclusive=True)
    # issue 17: no window is open: every staged page is left over
    ctx.store.attachments.drop_staged()
    print(json.dumps({"purged": purge_expired(ctx.store, days=args.days),
                      "purged_matters": purge_expired_matters(ctx.store, days=args.days)}))
    return 0


def audit(args: argparse.Namespace) -> int:
    """Verify the audit chain (1 when it is broken)."""
    report = open_desk(args).store.audit_report()
    print_json(report)
    return 0 if report["ok"] else 1
