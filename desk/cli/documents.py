"""``receipt``: a case's receipt or notice as a PDF file (ReportLab, loaded only for this
command)."""

from __future__ import annotations

import argparse
from pathlib import Path

from desk.cli.common import err, open_desk, print_json, write_file
from desk.core.receipts import render_case_pdf


def receipt(args: argparse.Namespace) -> int:
    """A case's receipt or notice as a PDF file."""
    ctx = open_desk(args)
    case = ctx.store.get_case(args.uuid) or ctx.store.find_by_receipt(args.uuid)
    if case is None:
        err(f"uuid: [not_found] 没有找到案件 {args.uuid}")
        return 2
    pdf = render_case_pdf(ctx, case, fmt=args.format, kind=args.kind)
    out = Path(args.out)
    write_file(out, pdf)
    print_json({"uuid": case["uuid"], "receipt_no": case["receipt_no"], "out": str(out),
                "bytes": len(pdf)})
    return 0
