"""The admin console's tables, their migration, and the helpers every console module shares.

Console-specific tables live here (``tables.py`` owns the sync tables; the console reads
them and adds its own, on the same engine; :mod:`sync.district.migrations` creates both):

- ``console_users`` — sign-in accounts: Argon2id hash, role, lockout counters.
- ``console_sessions`` — signed-in browsers: only the SHA-256 of the cookie token is
  stored, with the session's CSRF token and its idle clock.
- ``console_audit`` — every action (and every reveal of personal data), hash-chained:
  each row's hash covers the previous row's hash, so an edited or deleted row shows.
  The audit page checks it incrementally from a checkpoint kept in ``console_state``;
  ``doorstep-district audit verify`` checks all of it, read-only
  (:func:`~sync.district.console.audit.verify_audit_at`).
- ``console_callbacks`` — 差评 follow-up: one task per rating of 1–2 (不满意/非常不满意),
  due in working days, with outcome and note.
- ``console_cases`` — the console's read model of ``cases``: the columns lists, filters,
  the dashboard and exports need (worker, promised date, masked ID/phone, search hashes),
  with indexes for 1,000,000 cases. :meth:`ReadModel.refresh <sync.district.console.readmodel.ReadModel.refresh>`
  (``console.readmodel.refresh()``) brings it up to date
  from ``cases.updated_at`` (an index this module adds to ``cases``), so status changes made anywhere
  (console, command line) show up; it runs before every list, dashboard and export.
- ``console_state`` — the console's own small state: the read model's watermarks and the
  audit checkpoint.

:func:`get_state` and :func:`set_state` read and write ``console_state`` for the
:class:`~sync.district.console.store.ConsoleStore` and its parts; :func:`migrate_data`
brings the console's data up to date with its schema.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
    text,
)

from sync import protocol as P
from sync.district.config import district_zone
from sync.district.tables import batches, cases, ratings

if TYPE_CHECKING:
    from sync.district.database import Database

# the district statuses of a case still open at the district (one definition: the list's
# "open" filter, the overdue counts and the partial indexes below)
OPEN_STATUSES = ("received", "accepted", "needs_correction", "routed")


cmeta = MetaData()
users = Table(
    "console_users", cmeta,
    Column("username", String(64), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("disabled_at", String(40)),
    Column("last_login_at", String(40)),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", String(40)),
    Column("real_name", String(40), nullable=False, server_default=""),  # issue 21
    Column("unit", String(60), nullable=False, server_default=""),  # 科室
    # issue 15: a ``department`` user's department (a name of the matter configuration)
    Column("department", String(60), nullable=False, server_default=""),
)
sessions = Table(
    "console_sessions", cmeta,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(64), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
)
audit = Table(
    "console_audit", cmeta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(80), nullable=False, server_default=""),
    Column("detail_json", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Index("console_audit_target", "target", "id"),
)
callbacks = Table(
    "console_callbacks", cmeta,
    Column("case_uuid", String(36), primary_key=True),
    Column("level", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("rated_at", String(40), nullable=False),
    Column("received_at", String(40), nullable=False),
    Column("desk_id", String(40), nullable=False),
    Column("due_date", String(10), nullable=False),
    Column("state", String(16), nullable=False, server_default="open"),
    Column("outcome", String(40), nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    Column("handled_by", String(64)),
    Column("handled_at", String(40)),
    # 无法联系到评价人: tried again up to CONTACT_ATTEMPTS times before the task closes
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_attempt_at", String(40)),
    Column("last_attempt_by", String(64)),
    Column("last_attempt_note", Text, nullable=False, server_default=""),
    Index("console_callbacks_state", "state", "due_date"),
)
ccases = Table(
    "console_cases", cmeta,
    Column("uuid", String(36), primary_key=True),
    Column("src_updated_at", String(40), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("receipt_no", String(64), nullable=False),
    Column("item_code", String(16), nullable=False),
    Column("item_name", String(100), nullable=False),
    Column("department", String(60), nullable=False),  # where the case is now
    Column("desk_id", String(40), nullable=False),
    Column("desk_code", String(32), nullable=False),
    Column("worker", String(100), nullable=False),
    Column("applicant_name", String(100), nullable=False),
    Column("id_masked", String(32), nullable=False),
    Column("phone_masked", String(32), nullable=False),
    Column("id_hash", String(24), nullable=False),
    Column("phone_hash", String(24), nullable=False),
    Column("accepted_date", String(10), nullable=False),
    Column("promised_date", String(10)),
    Column("received_at", String(40), nullable=False),
    Column("district_status", String(20), nullable=False),
    Column("district_note", Text, nullable=False),
    Column("priority", Integer, nullable=False, server_default="0"),  # 绿色通道
    # search (issue 21): the applicant's pinyin initials and the receipt number reversed,
    # each searched by prefix on its index (tym → 唐玉梅; 20261108-0001 ends a receipt)
    Column("initials", String(24), nullable=False, server_default=""),
    Column("receipt_rev", String(64), nullable=False, server_default=""),
    Index("console_cases_received", "received_at", "uuid"),
    Index("console_cases_status", "district_status", "received_at"),
    Index("console_cases_item", "item_code", "received_at"),
    Index("console_cases_dept", "department", "received_at"),
    Index("console_cases_desk", "desk_id", "received_at"),
    # covers the dashboard's intake query (index-only)
    Index("console_cases_intake", "accepted_date", "item_code", "desk_id", "worker"),
    Index("console_cases_status_desk", "district_status", "desk_id"),
    Index("console_cases_id", "id_hash"),
    Index("console_cases_phone", "phone_hash"),
    Index("console_cases_receipt", "receipt_no"),
    Index("console_cases_name", "applicant_name"),
    Index("console_cases_priority", "priority", "district_status", "received_at"),
    Index("console_cases_initials", "initials"),
    Index("console_cases_receipt_rev", "receipt_rev"),
    # the case list's sorted columns (issue 21 item 8): each sort walks its index in the
    # list's whole order (column, received_at, uuid) — on the column alone, ties were
    # broken by an incremental sort of its first group: 12,550 rows of one 经办人 at 1M,
    # ~100 ms warm and ~570 ms cold (the older one-column ones: dropped by migration 0004)
    Index("console_cases_accepted", "accepted_date", "received_at", "uuid"),
    Index("console_cases_by_item", "item_name", "received_at", "uuid"),
    Index("console_cases_by_desk", "desk_code", "received_at", "uuid"),
    Index("console_cases_by_worker", "worker", "received_at", "uuid"),
    Index("console_cases_by_promised", "promised_date", "received_at", "uuid"),
    # 办理中 (status=open) in the default and the promised-date order, and its capped
    # count: the open cases alone (~11% at 1M), in list order — with the four statuses
    # spread over console_cases_status the page and the count sorted ~107,000 rows
    Index("console_cases_open", "received_at", "uuid",
          postgresql_where=text(f"district_status IN {OPEN_STATUSES!r}"),
          sqlite_where=text(f"district_status IN {OPEN_STATUSES!r}")),
    Index("console_cases_open_promised", "promised_date", "received_at", "uuid",
          postgresql_where=text(f"district_status IN {OPEN_STATUSES!r}"),
          sqlite_where=text(f"district_status IN {OPEN_STATUSES!r}")),
    # …and in the default order (newest accepted first), which the 已超承诺期 page walks
    # too: on console_cases_accepted it skipped ~50,000 newer, decided cases to find 50
    Index("console_cases_open_accepted", "accepted_date", "received_at", "uuid",
          postgresql_where=text(f"district_status IN {OPEN_STATUSES!r}"),
          sqlite_where=text(f"district_status IN {OPEN_STATUSES!r}")),
    # 已超承诺期 / 临近 (list, counts, the dashboard; issue 21): one range of open cases by
    # promised date, the item (当场办结 ones excluded) and the list's order read from the
    # index alone (it replaces console_cases_due, its first two columns: dropped by
    # migration 0004); 区级未确认 (open 当场办结 cases) counted on (status, item)
    Index("console_cases_overdue", "district_status", "promised_date", "item_code",
          "accepted_date", "received_at", "uuid"),
    Index("console_cases_status_item", "district_status", "item_code"),
    # the 经办人 filter's suggestions: a skip scan from worker to worker (issue 21)
    Index("console_cases_worker_day", "worker", "accepted_date"),
)
# The ratings (好差评) as the read model counted them into ``console_counts`` (issue 21:
# 差评率 by desk, worker and item without a join): a rating counts with its case's row.
rated = Table(
    "console_rated", cmeta,
    Column("uuid", String(36), primary_key=True),
    Column("level", Integer, nullable=False),
    Column("received_at", String(40), nullable=False),  # the district's receive time
)
# The dashboard's and the 办事点 page's figures, kept up to date in the same transaction as
# every write of ``console_cases`` (issue 21; sync.district.console.readmodel.count_keys
# says which rows a case adds 1 to): per open status, item, 绿色通道 and whether it has a
# promised date ("open"); per desk and open status ("desk"); open cases per promised date
# and item ("due"); intake per accepted day by item ("ii"), desk ("id"), desk and worker
# ("iw"); ratings per local day and level ("rl"), and per day with 差评 or not by desk
# ("rd"), worker ("rw") and item ("ri"). A few hundred rows a day at city scale, against a
# pass over every open case, a week's cases and a ratings × cases join at 1,000,000 cases.
counts = Table(
    "console_counts", cmeta,
    Column("kind", String(4), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("a", String(100), primary_key=True),
    Column("b", String(100), primary_key=True),
    Column("c", String(8), primary_key=True),
    Column("n", Integer, nullable=False),
)
COUNTS_VERSION = "3"  # bump when count_keys changes: migrate rebuilds console_counts
# Search terms of each case (issue 21), one row each: "n" + every suffix of the applicant's
# name (any part of a name is the prefix of one of them: one index range finds 玉梅 in
# 唐玉梅) and "t" + a digest of the last 4, 5 and 6 characters of the ID number and the
# phone (尾号; the digest, never the digits, as for the full numbers).
# A name term also carries the case's default sort key (accepted date, received time: both
# fixed by its revision, never by a status change), so a broad name search ("王": ~20,000
# of 1,000,000 cases) takes its top 50 and its count from ``console_case_terms_sorted``
# alone, without visiting those cases' rows; tail terms (a few hundred cases each) leave
# them empty.
terms = Table(
    "console_case_terms", cmeta,
    Column("term", String(80), primary_key=True),
    Column("uuid", String(36), primary_key=True),
    Column("accepted_date", String(10), nullable=False, server_default=""),
    Column("received_at", String(40), nullable=False, server_default=""),
    Index("console_case_terms_uuid", "uuid"),
    Index("console_case_terms_sorted", "term", "accepted_date", "received_at", "uuid"),
)
# Which cases each export held (issue 21): the case page answers "who exported this
# resident?" by the export's audit entry id; filled by one INSERT ... SELECT of the filter.
export_cases = Table(
    "console_export_cases", cmeta,
    Column("uuid", String(36), primary_key=True),
    Column("audit_id", Integer, primary_key=True),
)
SEARCH_VERSION = "1"  # bump when the search columns or terms change: the read model rebuilds
state = Table(
    "console_state", cmeta,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Indexes the console adds to the sync tables (on ``metadata``, created by the migrations
# like every other): the read model and the callback queue are refreshed from these columns.
Index("console_src_cases_updated", cases.c.updated_at)
Index("console_src_ratings_recv_level", ratings.c.received_at, ratings.c.level)
Index("console_src_batches_received", batches.c.received_at)
# the 办事点 page: each desk's newest batch, one probe (issue 21)
Index("console_src_batches_desk", batches.c.desk_id, batches.c.received_at)


def now_iso() -> str:
    """UTC now, in the same ISO format storage.py writes."""
    return P.utc_now()


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds")


def local_date(iso: str) -> date:
    """The local (district) calendar date of a UTC ISO timestamp."""
    return datetime.fromisoformat(iso).astimezone(district_zone()).date()


MAX_PAGE = 1_000_000  # a page number beyond this shows this (empty) page, never an overflow


def page_number(page: int) -> int:
    """A page number from a query string, bounded to ``1..MAX_PAGE`` (a huge number would
    overflow the database's 64-bit OFFSET)."""
    return min(max(1, page), MAX_PAGE)


@dataclass
class Page:
    """One page of a list, with a capped total."""

    rows: list[dict[str, Any]]
    total: int
    capped: bool
    page: int
    per_page: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def local_today() -> date:
    """Today in the district's time zone."""
    return datetime.now(district_zone()).date()


def search_hash(kind: str, value: str) -> str:
    """A short digest of a full ID number or phone, for exact search without a plaintext
    index (the payload keeps the value; the index need not)."""
    norm = "".join(ch for ch in value.upper() if ch.isalnum())
    if not norm:
        return ""
    return hashlib.sha256(f"doorstep:{kind}:{norm}".encode()).hexdigest()[:24]


def migrate_data(db: Database, conn: Connection) -> None:
    """Bring the console's data up to date with its schema, in ``conn``'s transaction (the
    tables and indexes are the migrations' work: :mod:`sync.district.migrations`, run by
    :class:`Storage`; the read model's counts are :meth:`ReadModel.migrate_counts`, run
    first by :meth:`ConsoleStore.migrate`)."""
    if get_state(conn, "terms_sorted") != "1":
        _fill_term_sort_keys(db, conn)
    if get_state(conn, "search_version") != SEARCH_VERSION:
        # rows built before the search columns existed: rebuild them from their
        # payloads (refresh takes rows whose revision differs) and say it is done
        conn.execute(text("UPDATE console_cases SET revision = -1, src_updated_at = ''"
                          " WHERE receipt_rev = ''"))
        set_state(db, conn, "cases_wm", "")
        set_state(db, conn, "search_version", SEARCH_VERSION)


def _fill_term_sort_keys(db: Database, conn: Connection) -> None:
    """Name terms written before they carried the sort key get it from their case (once,
    for a district made before issue 21's broad-search index; new rows carry it)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(
            "UPDATE console_case_terms t SET accepted_date = c.accepted_date,"
            " received_at = c.received_at FROM console_cases c"
            " WHERE c.uuid = t.uuid AND t.term >= 'n' AND t.term < 'o'"
            " AND t.received_at = ''"))
    else:
        conn.execute(text(
            "UPDATE console_case_terms SET"
            " accepted_date = (SELECT c.accepted_date FROM console_cases c"
            "                  WHERE c.uuid = console_case_terms.uuid),"
            " received_at = (SELECT c.received_at FROM console_cases c"
            "                WHERE c.uuid = console_case_terms.uuid)"
            " WHERE term >= 'n' AND term < 'o' AND received_at = ''"
            " AND uuid IN (SELECT uuid FROM console_cases)"))
    set_state(db, conn, "terms_sorted", "1")


def get_state(conn: Connection, key: str) -> str | None:
    """A ``console_state`` value, or None."""
    return conn.execute(select(state.c.value).where(state.c.key == key)).scalar()


def set_state(db: Database, conn: Connection, key: str, value: str) -> None:
    """Set a ``console_state`` value in ``conn``'s transaction."""
    db.upsert(conn, state, {"key": key, "value": value}, ["key"], ["value"])
