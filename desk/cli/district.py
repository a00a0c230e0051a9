"""Talking to the district: ``enroll`` and ``sync`` (sync.client, the same calls the
window's 同步 page makes)."""

from __future__ import annotations

import argparse

from desk.cli.common import open_desk, print_json
from sync.client.desk import enroll_desk, sync_desk


def enroll(args: argparse.Namespace) -> int:
    """Exchange a one-time code for the desk's identity."""
    print_json(enroll_desk(open_desk(args), args.server, args.code))
    return 0


def sync(args: argparse.Namespace) -> int:
    """One full sync round (1 when not everything went through)."""
    summary = sync_desk(open_desk(args), server=args.server)
    print_json(summary)
    return 0 if summary.get("complete") else 1
