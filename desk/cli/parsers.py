"""The command line's surface: every command, flag and help text of ``doorstep-desk``,
in one place (a public interface: README "Command line", tests/test_docs.py). Which
function runs each command is the table in :mod:`desk.cli`."""

from __future__ import annotations

import argparse
from typing import Any

from forms.matters import SATISFACTION


def build_parser() -> argparse.ArgumentParser:
    """The ``doorstep-desk`` parser."""
    p = argparse.ArgumentParser(
        prog="doorstep-desk",
        description="家门口办事台 Doorstep Desk — the grid worker's offline service desk.")
    p.add_argument("--data-dir", default=None,
                   help="data folder (default: $DOORSTEP_DATA_DIR or the user data folder)")
    from desk import __version__

    # which build is installed (support staff; installer/smoke_compat.sh)
    p.add_argument("--version", action="version", version=f"doorstep-desk {__version__}")
    sub = p.add_subparsers(dest="command")
    _case_parsers(sub)
    _upkeep_parsers(sub)
    _key_parsers(sub)
    _district_parsers(sub)
    _matter_parsers(sub)
    _device_parsers(sub)
    return p


def _device_parsers(sub: Any) -> None:
    """readcard (desk.cli.devices), attach, attachments (desk.cli.attachments): issue 17."""
    r = sub.add_parser("readcard", help="read one resident ID card with the configured "
                                        "reader (settings card_reader)")
    r.add_argument("--json", action="store_true")

    a = sub.add_parser("attach", help="add photos or scans (JPEG, PNG, PDF...) to a case's "
                                      "material (issue 17)")
    a.add_argument("receipt_no", metavar="RECEIPT_NO", help="receipt number (or case uuid)")
    a.add_argument("material", metavar="MATERIAL", help="the material's name in the item")
    a.add_argument("files", metavar="FILE", nargs="+", help="image or PDF files")
    ls = sub.add_parser("attachments", help="a case's photos and scans")
    ls.add_argument("receipt_no", metavar="RECEIPT_NO", help="receipt number (or case uuid)")
    ls.add_argument("--json", action="store_true")
    ls.add_argument("--out", metavar="DIR", default=None,
                    help="copy the pages into DIR (audited)")


def _case_parsers(sub: Any) -> None:
    """catalog, new, cases, receipt, demo, rate, calendar (desk.cli.cases)."""
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

    rate = sub.add_parser("rate", help="record the resident's rating (1-5) for a case")
    rate.add_argument("uuid")
    rate.add_argument("--level", type=int, required=True)
    rate.add_argument("--reason", default="")
    cal = sub.add_parser("calendar", help="the years of official holiday arrangements known "
                                          "(and where each came from)")
    cal.add_argument("--json", action="store_true")


def _upkeep_parsers(sub: Any) -> None:
    """setup, backup, restore, purge, audit (desk.cli.upkeep)."""
    s = sub.add_parser("setup", help="first-run set-up without the window")
    s.add_argument("--desk-code", required=True)
    s.add_argument("--desk-name", default="")
    s.add_argument("--worker", required=True)
    s.add_argument("--server", default="")
    s.add_argument("--card-reader", choices=["none", "termb", "simulated"], default=None,
                   help="the ID card reader: a vendor SDK library (termb), a simulated one "
                        "(a JSON file), or none")
    s.add_argument("--card-reader-path", default=None,
                   help="termb.dll / libtermb.so, or the simulated reader's JSON file")
    s.add_argument("--card-reader-port", type=int, default=None,
                   help="1001-1016 USB (default 1001), 1-16 serial")
    s.add_argument("--doc-language", default=None, metavar="LANG",
                   help="文书第二语言: print receipts and notices in Chinese with LANG beneath "
                        "(en, or a language the catalog or a translation file provides); "
                        "none for Chinese alone")

    sub.add_parser("backup", help="take a local backup now (rotated, newest 7 kept)")
    rs = sub.add_parser("restore", help="replace the store with a backup file")
    rs.add_argument("file", help="a backup file (see the backups folder)")
    pg = sub.add_parser("purge", help="remove personal data of completed, synced cases")
    pg.add_argument("--days", type=int, default=180,
                    help="completed at the district more than this many days ago")
    au = sub.add_parser("audit", help="verify the tamper-evident audit log")
    au.add_argument("action", choices=["verify"])


def _key_parsers(sub: Any) -> None:
    """protect, passwd, pin (desk.cli.keys)."""
    sub.add_parser("protect", help="encrypt this desk's data under a worker password "
                                   "(new password on stdin, or DOORSTEP_PASSWORD)")
    sub.add_parser("passwd", help="change the worker password (stdin: old, then new line)")
    pn = sub.add_parser("pin", help="set or remove the 6-digit quick-unlock PIN (enrolled, "
                                    "protected desks; the PIN on stdin; unlocking with it "
                                    "needs the district)")
    pn.add_argument("action", choices=["set", "remove"])


def _district_parsers(sub: Any) -> None:
    """enroll, sync (desk.cli.district)."""
    e = sub.add_parser("enroll", help="enroll this desk with a district server")
    e.add_argument("--server", required=True)
    e.add_argument("--code", required=True)
    y = sub.add_parser("sync", help="one full sync round with the district")
    y.add_argument("--server", default=None, help="override the enrolled server address")


def _matter_parsers(sub: Any) -> None:
    """``matter categories|new|show|handover|close`` and ``matters`` (issue 15)."""
    m = sub.add_parser("matter", help="resident matters (民情诉求): record, hand over, close")
    ms = m.add_subparsers(dest="matter_command", required=True)
    cats = ms.add_parser("categories", help="the district's categories and time limits")
    cats.add_argument("--json", action="store_true", help="print JSON (default)")
    new = ms.add_parser("new", help="record a matter from a JSON file")
    new.add_argument("--json", required=True, dest="json_file",
                     help="JSON object {category, subcategory, urgency, description, "
                          "resident, place, answer_by, from_case}; - for stdin")
    show = ms.add_parser("show", help="one matter with its hand-overs")
    show.add_argument("uuid")
    ho = ms.add_parser("handover", help="hand a matter to another owner (with a reason)")
    ho.add_argument("uuid")
    ho.add_argument("--to", required=True, help="the new owner (a worker, 社区, 区级)")
    ho.add_argument("--reason", required=True)
    cl = ms.add_parser("close", help="close a matter on the spot")
    cl.add_argument("uuid")
    cl.add_argument("--result", required=True, help="what was done")
    cl.add_argument("--satisfaction", required=True, help=" | ".join(SATISFACTION))
    ls = sub.add_parser("matters", help="list resident matters")
    ls.add_argument("--search", default=None,
                    help="number, name, place, category, text, phone/ID digits")
    ls.add_argument("--status", default=None, choices=["open", "closed"])
    ls.add_argument("--today", action="store_true",
                    help="today's list: due or overdue, answers to pass on, 回访 to make")
    ls.add_argument("--limit", type=int, default=1000)
    ls.add_argument("--json", action="store_true", help="print JSON (default)")
