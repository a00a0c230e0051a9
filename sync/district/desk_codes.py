"""Desk codes unique among active desks; receipt numbers unique district-wide (issue 21
item 2, issue 24).

- A desk code has the desk's own format (``HY-QL01``: 2-4 capital letters, a hyphen, 2-8
  capital letters or digits), checked here on the server whatever the page or script sent.
- Two active (not revoked) desks never hold the same code: a partial unique index on
  ``desks(desk_code) WHERE revoked_at IS NULL`` (SQLite and PostgreSQL alike) decides, even
  for two laptops enrolling at the same moment. Issuing an enrollment code for a code an
  active desk holds is refused unless it is an explicit replacement (``replaces`` = that
  desk's id); enrolling with a replacement code revokes the old desk in the same
  transaction and records the replacement (``desk_replacements``, used by
  :mod:`sync.district.replacement` to bring the old desk's open work down).
- A receipt number belongs to one case: ``receipt_numbers`` (primary key ``receipt_no``)
  is claimed in the batch's transaction for every new case; a case whose number another
  case holds is rejected with a reason the worker understands, the rest of the batch goes
  through.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Connection, Index, String, Table, func, insert, select, update
from sqlalchemy import delete as sa_delete
from sqlalchemy.exc import DBAPIError

from sync.district.database import Database
from sync.district.errors import NotFound, Refused
from sync.district.tables import cases, desk_keys, desks, metadata

log = logging.getLogger(__name__)

DESK_CODE = re.compile(r"^[A-Z]{2,4}-[A-Z0-9]{2,8}$")
DUPLICATE_RECEIPT = ("回执编号 {no} 在区级已被另一件案件使用（可能有两台电脑用了同一个办事点编码），"
                     "此案件区级未接收。请不要再使用这台电脑受理，并联系区级管理员核对办事点编码；"
                     "群众手中的回执请以区级核对后的为准。")

active_code_index = Index("desks_active_code", desks.c.desk_code, unique=True,
                          sqlite_where=desks.c.revoked_at.is_(None),
                          postgresql_where=desks.c.revoked_at.is_(None))
receipt_numbers = Table(
    "receipt_numbers", metadata,
    Column("receipt_no", String(64), primary_key=True),  # unique district-wide
    # (not indexed: nothing reads a number by its case — the public query reads it by
    # number — and a random-key index entry per case was the cost; revision 0006)
    Column("case_uuid", String(36), nullable=False),
    sqlite_with_rowid=False,  # the rows in the key's B-tree (revision 0009)
)
desk_replacements = Table(  # which desk a replacement laptop took over from
    "desk_replacements", metadata,
    Column("desk_id", String(40), primary_key=True),  # the new desk
    Column("replaces", String(40), nullable=False, unique=True),  # the revoked one
    Column("at", String(40), nullable=False),
    Column("handover_at", String(40)),  # when the old desk's work came down (first sync)
)


def check_desk_code(raw: str) -> str:
    """The desk code, upper-cased; Refused naming the rule when its format is wrong."""
    code = (raw or "").strip().upper()
    if not DESK_CODE.match(code):
        shown = (raw or "").strip() or "（空）"
        raise Refused(f"办事点编码“{shown}”格式不对：应为2至4个大写字母、短横线、2至8个大写字母"
                      "或数字，如 HY-QL01", field="desk_code")
    return code


def ensure_constraints(db: Database) -> None:
    """Create the desk-code index and fill ``receipt_numbers`` on an existing database."""
    try:
        with db.write() as conn:
            active_code_index.create(conn, checkfirst=True)
    except DBAPIError as exc:  # two active desks already share a code: say so, keep serving
        dupes = _duplicate_codes(db)
        log.error("desk codes held by more than one active desk (%s): the uniqueness index "
                  "could not be created (%s); revoke or replace one of each",
                  ", ".join(dupes), type(exc).__name__)
    with db.write() as conn:
        if conn.execute(select(receipt_numbers.c.receipt_no).limit(1)).first() is None and \
                conn.execute(select(cases.c.uuid).limit(1)).first() is not None:
            conn.execute(db.dialect_insert(receipt_numbers).from_select(
                ["receipt_no", "case_uuid"],
                select(cases.c.receipt_no, func.min(cases.c.uuid)).group_by(cases.c.receipt_no)
            ).on_conflict_do_nothing(index_elements=["receipt_no"]))


def _duplicate_codes(db: Database) -> list[str]:
    with db.read() as conn:
        return [r[0] for r in conn.execute(
            select(desks.c.desk_code).where(desks.c.revoked_at.is_(None))
            .group_by(desks.c.desk_code).having(func.count() > 1))]


def check_new_code(conn: Connection, desk_code: str, replaces: str | None) -> None:
    """Refuse an enrollment code for a code an active desk holds, unless it is the
    explicit replacement of that very desk."""
    if replaces:
        old = conn.execute(select(desks.c.desk_code, desks.c.name).where(
            desks.c.desk_id == replaces)).first()
        if old is None:
            raise NotFound(f"没有编号为 {replaces} 的办事点，无法作为替换")
        if old.desk_code != desk_code:
            raise Refused(f"要替换的办事点 {replaces} 的编码是 {old.desk_code}，不是 {desk_code}；"
                          "替换时新电脑沿用原办事点编码", field="replaces")
    held = conn.execute(select(desks.c.desk_id, desks.c.name, desks.c.enrolled_at).where(
        desks.c.desk_code == desk_code, desks.c.revoked_at.is_(None))).first()
    if held is not None and held.desk_id != replaces:
        raise Refused(
            f"办事点编码 {desk_code} 正由在用的办事点“{held.name}”（{held.desk_id}，"
            f"{held.enrolled_at[:10]} 注册）使用，同一编码不能有两台在用的电脑。"
            f"如是为丢失或损坏的电脑换新，请选择“替换此办事点”（命令行 --replaces "
            f"{held.desk_id}）：新电脑注册时，旧电脑随即停用。", field="desk_code",
            desk_id=held.desk_id)


def take_over(conn: Connection, new_desk_id: str, replaces: str, now: str) -> None:
    """A replacement laptop enrolls: the old desk is revoked (its PIN key share forgotten)
    and the replacement recorded, in the enrollment's transaction."""
    conn.execute(update(desks).where(desks.c.desk_id == replaces, desks.c.revoked_at.is_(None))
                 .values(revoked_at=now))
    conn.execute(sa_delete(desk_keys).where(desk_keys.c.desk_id == replaces))
    # its cases become the replacement's: their later revisions (a 容缺 supply, a
    # correction) are the new desk's to send (sync.district.replacement)
    conn.execute(update(cases).where(cases.c.desk_id == replaces)
                 .values(desk_id=new_desk_id, updated_at=now))
    # so do its resident matters (issue 15): the new laptop sends their later revisions
    # (移交, 办结) and pulls the district's later steps
    from sync.district.matters_tables import matters

    conn.execute(update(matters).where(matters.c.desk_id == replaces)
                 .values(desk_id=new_desk_id))
    conn.execute(insert(desk_replacements).values(desk_id=new_desk_id, replaces=replaces,
                                                  at=now))


def duplicate_enrollment(desk_code: str) -> Refused:
    """The answer when another laptop enrolled under the code at the same moment."""
    return Refused(f"办事点编码 {desk_code} 已由另一台在用的电脑注册，本机未注册。"
                   "同一编码不能有两台在用的电脑；如是换新电脑，请区级管理员发“替换此办事点”的注册码。",
                   field="desk_code")


def claim_receipts(db: Database, conn: Connection,
                   new_cases: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Claim the receipt numbers of new cases ``(uuid, receipt_no)`` in the batch's
    transaction; the UUIDs refused (their number held by another case) → the reason."""
    if not new_cases:
        return {}
    wanted = sorted({(no, u) for u, no in new_cases})  # one order: no deadlock between batches
    # one statement for the batch, straight to the driver (Database.insert_rows; a 500-row
    # VALUES list compiled by SQLAlchemy for every batch was ~0.4 s of each batch)
    done = db.insert_rows(conn, "receipt_numbers", (("receipt_no", "text"),
                                                    ("case_uuid", "text")),
                          wanted, "ON CONFLICT (receipt_no) DO NOTHING", fresh=True)
    if done == len(wanted):  # every number is newly this batch's: none to ask about
        return {}
    holders = {r.receipt_no: r.case_uuid for r in conn.execute(
        select(receipt_numbers.c.receipt_no, receipt_numbers.c.case_uuid)
        .where(receipt_numbers.c.receipt_no.in_([no for no, _ in wanted])))}
    return {u: DUPLICATE_RECEIPT.format(no=no) for no, u in wanted if holders.get(no) != u}


def replacement_of(conn: Connection, desk_id: str) -> dict[str, Any] | None:
    """The replacement record of a new desk, or None."""
    row = conn.execute(select(desk_replacements).where(
        desk_replacements.c.desk_id == desk_id)).mappings().first()
    return dict(row) if row else None


__all__ = ["DESK_CODE", "DUPLICATE_RECEIPT", "active_code_index", "check_desk_code",
           "check_new_code", "claim_receipts", "desk_replacements", "duplicate_enrollment",
           "ensure_constraints", "receipt_numbers", "replacement_of", "take_over"]
