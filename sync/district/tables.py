"""The district database's tables (SQLAlchemy Core, one ``metadata``).

Other modules import them from :mod:`sync.district.storage`, which re-exports every one.
See the ``Table`` definitions below for every column:

- ``desks`` — enrolled desks (id, code, name, HMAC secret, receipt key, revoked_at);
  ``desk_keys`` — each desk's PIN key share and the hashes that guard it
  (:mod:`sync.district.keyshares`);
  ``enroll_codes`` — one-time codes (only their SHA-256 is stored); ``nonces`` — request
  nonces seen in the last ``2 * MAX_SKEW`` seconds (replays are refused by the primary key);
  ``rate_hits`` — per client address, the requests of its current one-minute window (the
  receipt-check and PIN-unlock limits, shared by every server process).
- ``batches`` — every pushed batch with its stored answer (a replay returns it).
- ``cases`` — one row per case UUID (primary key): the desk's newest revision summary and
  the district's status/note/department. ``case_revisions`` — every revision received,
  immutable, primary key ``(case_uuid, revision)`` with the content hash: the same UUID and
  revision with other content is a conflict, decided by that constraint.
- ``case_routes`` — one row per service the resident chose in a bundle (一件事) case: the
  member item, its department and the route's own status (pending → accepted → completed,
  or rejected / needs_correction with a note), set per department.
- ``departments`` — the managed list of departments a case may be routed to (seeded from
  each published catalog's departments; the console and the command line add more).
- ``ratings`` — 好差评 per case; ``rejections`` — records refused, with reasons.
- ``changes`` — what desks pull: status and route changes (for the case's desk) and catalog
  versions (for every desk), ordered by ``seq``. ``catalogs`` — published catalog versions;
  their order is the ``seq`` of their publication in ``changes``, never the version text.
- ``cases.priority`` — the 绿色通道 flag the desk set on the case.
- ``holiday_calendars`` — each year's official holiday arrangement (放假调休), one row per
  published version (``version`` is the publish sequence within the year; a correction is
  a new version), pulled by every desk through its ``changes`` row (``change_seq``).
- ``attachments`` / ``attachment_parts`` — content-addressed blobs and resumable uploads;
  ``attachment_holders`` — which desks uploaded each blob (a desk sees and resumes only its
  own uploads: :mod:`sync.district.attachments`); ``upload_use`` / ``upload_caps`` — each
  desk's attachment bytes per district day and the caps set for desk codes
  (:mod:`sync.district.upload_quota`).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData()
_BigId = BigInteger().with_variant(Integer, "sqlite")  # INTEGER PRIMARY KEY = rowid on SQLite

meta = Table("meta", metadata, Column("key", String(64), primary_key=True),
             Column("value", Text, nullable=False))
desks = Table(
    "desks", metadata,
    Column("desk_id", String(40), primary_key=True),
    Column("desk_code", String(32), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("secret", String(128), nullable=False),  # HMAC key: must be readable to verify
    Column("receipt_key", String(64), nullable=False),
    Column("enrolled_at", String(40), nullable=False),
    Column("revoked_at", String(40)),
    Column("last_seen_at", String(40)),
    Column("client_version", String(40), nullable=False, server_default=""),
)
desk_keys = Table(  # PIN quick unlock (see sync.district.keyshares); wiped on revoke
    "desk_keys", metadata,
    Column("desk_id", String(40), primary_key=True),
    Column("key_share", String(64), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("proof_hash", String(64), nullable=False),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("locked_at", String(40)),
    Column("set_at", String(40), nullable=False),
    Column("last_unlock_at", String(40)),
)
enroll_codes = Table(
    "enroll_codes", metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("desk_code", String(32), nullable=False),
    Column("name", String(100), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Column("used_at", String(40)),
    Column("desk_id", String(40)),
    # the revoked/lost desk this code's laptop replaces (sync.district.desk_codes)
    Column("replaces", String(40)),
)
nonces = Table(
    "nonces", metadata,
    Column("desk_id", String(40), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("seen_at", Float, nullable=False),
    PrimaryKeyConstraint("desk_id", "nonce"),
    Index("nonces_seen", "seen_at"),
)
rate_hits = Table(  # request rate limits shared by every server process (ratelimit.py)
    "rate_hits", metadata,
    Column("scope", String(16), nullable=False),  # verify | unlock
    Column("client", String(64), nullable=False),  # the client address
    Column("start", Float, nullable=False),  # when this client's one-minute window began
    Column("hits", Integer, nullable=False),
    PrimaryKeyConstraint("scope", "client"),
    Index("rate_hits_start", "start"),
)
batches = Table(
    "batches", metadata,
    Column("batch_id", String(36), primary_key=True),
    Column("desk_id", String(40), nullable=False, index=True),
    Column("records_hash", String(64), nullable=False),
    Column("record_count", Integer, nullable=False),
    Column("received_at", String(40), nullable=False),
    Column("response_json", Text, nullable=False),
)
cases = Table(
    "cases", metadata,
    Column("uuid", String(36), primary_key=True),  # a case UUID is unique by constraint
    Column("desk_id", String(40), nullable=False),
    Column("desk_code", String(32), nullable=False),
    Column("receipt_no", String(64), nullable=False),
    Column("item_code", String(16), nullable=False),
    Column("item_name", String(100), nullable=False),
    Column("department", String(60), nullable=False),
    Column("catalog_version", String(40), nullable=False),
    Column("desk_status", String(20), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("applicant_name", String(100), nullable=False),
    Column("desk_created_at", String(40), nullable=False),  # the desk's clock
    Column("desk_updated_at", String(40), nullable=False),
    Column("received_at", String(40), nullable=False),  # the district's clock
    Column("updated_at", String(40), nullable=False),
    Column("district_status", String(20), nullable=False, server_default="received"),
    Column("district_note", Text, nullable=False, server_default=""),
    Column("district_department", String(60)),
    Column("district_updated_at", String(40)),
    Column("batch_id", String(36), nullable=False),
    Column("priority", Integer, nullable=False, server_default="0"),  # 绿色通道
    # issue 23's index of the cases of ``once`` items by resident (the ID number's digest,
    # sync.district.duplicates; NULL for any other case): the acceptance date and the
    # exception chosen (补办/变更…). In the case's own row: no second row per case (0007)
    Column("resident_hash", String(24)),
    Column("resident_date", String(10)),
    Column("resident_exception", String(40)),
    Index("cases_desk", "desk_id", "received_at"),
    Index("cases_status", "district_status", "received_at"),
    # (no index on item_code alone: no query reads cases by it — the console's lists read
    # its own read model, console_cases — and it was an index entry per case; 0006)
    Index("cases_resident", "resident_hash", "item_code",
          sqlite_where=text("resident_hash IS NOT NULL"),
          postgresql_where=text("resident_hash IS NOT NULL")),
)
# the columns of ``cases`` only the duplicate check reads (never in a case's summary)
RESIDENT_COLS = ("resident_hash", "resident_date", "resident_exception")
case_revisions = Table(
    "case_revisions", metadata,
    Column("case_uuid", String(36), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("desk_id", String(40), nullable=False),
    Column("batch_id", String(36), nullable=False),
    Column("received_at", String(40), nullable=False),
    Column("payload_json", Text, nullable=False),
    PrimaryKeyConstraint("case_uuid", "revision"),
    # (no index by desk: the 办事点 page's cases sent and newest receipt per desk are kept
    # in desk_sent_counts by each batch — an index entry per revision that cost PostgreSQL
    # 30 % of the revisions' insert; revision 0010)
)
case_routes = Table(
    "case_routes", metadata,
    Column("case_uuid", String(36), nullable=False),
    Column("item_code", String(16), nullable=False),
    Column("item_name", String(100), nullable=False),
    Column("department", String(60), nullable=False),
    Column("status", String(20), nullable=False, server_default="pending"),
    Column("note", Text, nullable=False, server_default=""),
    Column("updated_at", String(40), nullable=False),
    PrimaryKeyConstraint("case_uuid", "item_code"),
    Index("case_routes_dept", "department", "status"),
)
ratings = Table(
    "ratings", metadata,
    Column("case_uuid", String(36), primary_key=True),
    Column("level", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("rated_at", String(40), nullable=False),
    Column("received_at", String(40), nullable=False),
    Column("desk_id", String(40), nullable=False),
    Column("content_hash", String(64), nullable=False),
)
rejections = Table(
    "rejections", metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("batch_id", String(36), nullable=False),
    Column("desk_id", String(40), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("kind", String(16)),
    Column("case_uuid", String(64)),
    Column("revision", Integer),
    Column("result", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", String(40), nullable=False),
    Index("rejections_desk", "desk_id", "id"),
)
changes = Table(
    "changes", metadata,
    Column("seq", _BigId, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("desk_id", String(40)),  # NULL: for every desk (catalog versions)
    Column("case_uuid", String(36)),
    Column("status", String(20)),
    Column("note", Text, nullable=False, server_default=""),
    Column("department", String(60)),
    Column("catalog_version", String(40)),
    Column("actor", String(64), nullable=False),
    Column("at", String(40), nullable=False),
    Column("item_code", String(16)),  # kind "route": the bundle member item
    Column("item_name", String(100)),
    Index("changes_desk", "desk_id", "seq"),
    # one case's decisions in order: the resident's progress page (issue 18) and the case page
    Index("changes_case", "case_uuid", "seq"),
)
departments = Table(  # the departments a case or a bundle route may go to (managed list)
    "departments", metadata,
    Column("name", String(60), primary_key=True),
    Column("source", String(16), nullable=False),  # catalog | console | cli
    Column("added_at", String(40), nullable=False),
    Column("actor", String(64), nullable=False),
)
catalogs = Table(
    "catalogs", metadata,
    Column("version", String(40), primary_key=True),
    Column("body_json", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("published_at", String(40), nullable=False),
    Column("actor", String(64), nullable=False),
)
holiday_calendars = Table(  # a year's official arrangement (sync.district.calendars)
    "holiday_calendars", metadata,
    Column("year", Integer, nullable=False),
    Column("version", Integer, nullable=False),  # publish sequence within the year: 1, 2, …
    Column("change_seq", _BigId, nullable=False, unique=True),  # its row in ``changes``
    Column("holidays_json", Text, nullable=False),
    Column("workdays_json", Text, nullable=False),
    Column("body_json", Text, nullable=False),  # the notice as published (festivals too)
    Column("content_hash", String(64), nullable=False),
    Column("source", String(200), nullable=False),
    Column("published_at", String(40), nullable=False),
    Column("published_by", String(64), nullable=False),
    PrimaryKeyConstraint("year", "version"),
)
attachments = Table(
    "attachments", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("desk_id", String(40), nullable=False),
    Column("created_at", String(40), nullable=False),
)
attachment_holders = Table(  # which desks uploaded a blob: a desk sees only its own
    "attachment_holders", metadata,
    Column("sha256", String(64), nullable=False),
    Column("desk_id", String(40), nullable=False),
    Column("at", String(40), nullable=False),
    PrimaryKeyConstraint("sha256", "desk_id"),
)
attachment_parts = Table(  # each desk's upload in progress, apart from every other desk's
    "attachment_parts", metadata,
    Column("sha256", String(64), nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("desk_id", String(40), nullable=False),
    Column("at", String(40), nullable=False),
    PrimaryKeyConstraint("desk_id", "sha256", "offset"),
)
# -- agreement with desks, epochs (issue 22; see sync.district.reconcile) ---------------------
desk_records = Table(  # each record a desk had acknowledged: what the district holds of it
    "desk_records", metadata,
    Column("desk_id", String(40), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("case_uuid", String(36), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("outbox_id", BigInteger),  # the desk's outbox id (NULL: counted from old data)
    Column("at", String(40), nullable=False),
    PrimaryKeyConstraint("desk_id", "kind", "case_uuid", "revision"),
    sqlite_with_rowid=False,  # the rows in the key's B-tree (revision 0009)
)
epochs = Table(  # the district's history: a new epoch when it may have gone back
    "epochs", metadata,
    Column("epoch", Integer, primary_key=True, autoincrement=False),
    Column("epoch_id", String(64), nullable=False),
    Column("started_at", String(40), nullable=False),
    Column("reason", String(16), nullable=False),  # created | restore | detected
    Column("actor", String(64), nullable=False),
    Column("detail", Text, nullable=False, server_default=""),
)
desk_agreement = Table(  # each desk's last agreement check
    "desk_agreement", metadata,
    Column("desk_id", String(40), primary_key=True),
    Column("epoch_id", String(64), nullable=False),
    Column("checked_at", String(40), nullable=False),
    Column("held", BigInteger, nullable=False),
    Column("acked", BigInteger, nullable=False),
    Column("agreed", Integer, nullable=False),
    Column("agreed_at", String(40)),  # the last check that agreed, in epoch_id
)
status_reports = Table(  # decisions a desk still knows and the restored district lost
    "status_reports", metadata,
    Column("desk_id", String(40), nullable=False),
    Column("case_uuid", String(36), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(20), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("department", String(60)),
    Column("item_code", String(16)),
    Column("at", String(40), nullable=False),  # when the district had decided it
    Column("epoch_id", String(64), nullable=False),
    Column("reported_at", String(40), nullable=False),
    PrimaryKeyConstraint("desk_id", "case_uuid", "kind", "at"),
)

# resident matters' tables (issue 15) join this metadata
from sync.district import case_attachments as _case_attachments  # noqa: E402, F401  (17)
from sync.district import matters_tables as _matters_tables  # noqa: E402, F401
from sync.district import proactive as _proactive  # noqa: E402, F401  (issue 18)
from sync.district import releases as _releases  # noqa: E402, F401  (issue 19)
from sync.district import roster as _roster  # noqa: E402, F401  (issue 18)
from sync.district import upload_quota as _upload_quota  # noqa: E402, F401  (issue 17)
