"""Photos and scans of a case's materials from the command line (issue 17):
``attach RECEIPT_NO MATERIAL FILE...`` adds pages (normalised as on the desk's 拍照), and
``attachments RECEIPT_NO [--json] [--out DIR]`` lists them or copies them out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desk.cli.common import open_desk, print_json
from desk.core.app import DeskContext
from desk.core.attachments import AttachmentRefused, Page, normalise
from forms.engine import all_materials


def _case(ctx: DeskContext, ref: str) -> dict[str, Any] | None:
    return ctx.store.find_by_receipt(ref.strip().upper()) or ctx.store.get_case(ref.strip())


def attach(args: argparse.Namespace) -> int:
    """Add FILE(s) as pages of the case's MATERIAL; prints the pages added (JSON)."""
    ctx = open_desk(args)
    case = _case(ctx, args.receipt_no)
    if case is None:
        print(f"receipt_no: 没有受理编号为 {args.receipt_no} 的案件", file=sys.stderr)
        return 2
    try:
        names = [m.name for m in all_materials(ctx.catalog.get(case["item_code"]))]
    except KeyError:
        names = []
    if names and args.material not in names:
        print(f"material: “{args.material}”不是该事项（{case['item_name']}）的材料；"
              f"可选：{'、'.join(names)}", file=sys.stderr)
        return 2
    pages: list[Page] = []
    bad = 0
    for f in args.files:
        path = Path(f)
        try:
            pages.append(normalise(path.read_bytes(), path.name))
        except OSError:
            print(f"file: 无法读取文件 {path}", file=sys.stderr)
            bad += 1
        except AttachmentRefused as exc:
            print(f"file: {exc.message}", file=sys.stderr)
            bad += 1
    if bad:  # nothing half-saved: all the files, or none
        return 2
    rows = ctx.store.attachments.add_attachments(case["uuid"], args.material, pages,
                                                 ctx.actor().worker)
    print_json({"receipt_no": case["receipt_no"], "case_uuid": case["uuid"],
                "material": args.material,
                "attachments": [_public(r) for r in rows]})
    return 0


def attachments(args: argparse.Namespace) -> int:
    """The case's pages (JSON with --json); --out DIR copies them there (audited)."""
    ctx = open_desk(args)
    case = _case(ctx, args.receipt_no)
    if case is None:
        print(f"receipt_no: 没有受理编号为 {args.receipt_no} 的案件", file=sys.stderr)
        return 2
    rows = [_public(r) for r in ctx.store.attachments.attachments_of(case["uuid"])]
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for r in rows:
            ext = "pdf" if r["mime"] == "application/pdf" else "jpg"
            name = f"{case['receipt_no']}-{_safe(r['material'])}-{r['page']}.{ext}"
            (out / name).write_bytes(ctx.store.attachments.attachment_data(r["attachment_id"]))
            r["file"] = str(out / name)
        if rows:
            ctx.store.attachments.note_attachments_copied(case["uuid"], ctx.actor().worker,
                                                          len(rows), str(out))
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            state = "已上传" if r["uploaded"] else "待上传"
            print(f"{r['material']} 第{r['page']}页 {r['mime']} {r['size']} 字节 {state}"
                  + (f" → {r['file']}" if "file" in r else ""))
    return 0


def _public(r: dict[str, Any]) -> dict[str, Any]:
    return {"attachment_id": r["attachment_id"], "material": r["material"],
            "page": r["page"], "mime": r["mime"], "size": r["size"], "sha256": r["sha256"],
            "pages": r["pages"], "created_at": r["created_at"],
            "uploaded": r["linked_at"] is not None}


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_（）()" else "_" for ch in name)[:40]
