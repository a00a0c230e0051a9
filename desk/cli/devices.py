"""Devices at the desk: ``readcard`` reads one resident ID card with the configured reader
(issue 17; :mod:`desk.core.idcard` — the vendor SDK through ctypes, or the simulated one)."""

from __future__ import annotations

import argparse
import sys

from desk.cli.common import open_desk, print_json
from desk.core.clock import today
from desk.core.idcard import CardReaderError, read_card, reader_for
from forms.ids import mask_id


def readcard(args: argparse.Namespace) -> int:
    """Read the card on the reader: its text with the ID number masked, whether a photo
    came and whether the card has expired; 1 with the reader's message when it fails."""
    ctx = open_desk(args)
    s = ctx.settings
    try:
        data = read_card(reader_for(s.card_reader, s.card_reader_path, s.card_reader_port),
                         today())
    except CardReaderError as exc:
        print(f"card_reader: [{exc.kind}] {exc.message}", file=sys.stderr)
        return 1
    out = dict(data.as_dict(), id_number=mask_id(data.id_number),
               photo=data.photo is not None, expired=data.expired(today()))
    if args.json:
        print_json(out)
    else:
        print(f"{out['name']}（{out['sex']}，{out['nation']}族，{out['birth_date']}）"
              f" {out['id_number']} 有效期至 {out['valid_to']}"
              + ("（已过期）" if out["expired"] else ""))
    return 0
