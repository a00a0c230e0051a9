"""The first released district schema (doorstep-desk 0.1.0, commit 5591d86), as that
release's code declared it — its ``Table`` definitions copied verbatim from its
``sync/district/storage.py`` and ``sync/district/console_store.py`` — and :func:`create`,
which makes a database the way that release's ``Storage.migrate`` and
``ConsoleStore.migrate`` did (``create_all``, the console's source indexes, the
``schema_version`` row). tests/sync/test_migrations.py upgrades such a database to head.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
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

SCHEMA_VERSION = 1

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
enroll_codes = Table(
    "enroll_codes", metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("desk_code", String(32), nullable=False),
    Column("name", String(100), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Column("used_at", String(40)),
    Column("desk_id", String(40)),
)
nonces = Table(
    "nonces", metadata,
    Column("desk_id", String(40), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("seen_at", Float, nullable=False),
    PrimaryKeyConstraint("desk_id", "nonce"),
    Index("nonces_seen", "seen_at"),
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
    Index("cases_desk", "desk_id", "received_at"),
    Index("cases_status", "district_status", "received_at"),
    Index("cases_item", "item_code"),
)
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
    Index("changes_desk", "desk_id", "seq"),
)
catalogs = Table(
    "catalogs", metadata,
    Column("version", String(40), primary_key=True),
    Column("body_json", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("published_at", String(40), nullable=False),
    Column("actor", String(64), nullable=False),
)
attachments = Table(
    "attachments", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("desk_id", String(40), nullable=False),
    Column("created_at", String(40), nullable=False),
)
attachment_parts = Table(
    "attachment_parts", metadata,
    Column("sha256", String(64), nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("desk_id", String(40), nullable=False),
    Column("at", String(40), nullable=False),
    PrimaryKeyConstraint("sha256", "offset"),
)

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
    Index("console_cases_received", "received_at", "uuid"),
    Index("console_cases_status", "district_status", "received_at"),
    Index("console_cases_item", "item_code", "received_at"),
    Index("console_cases_dept", "department", "received_at"),
    Index("console_cases_desk", "desk_id", "received_at"),
    # covers the dashboard's intake query (index-only)
    Index("console_cases_intake", "accepted_date", "item_code", "desk_id", "worker"),
    Index("console_cases_status_desk", "district_status", "desk_id"),
    Index("console_cases_due", "district_status", "promised_date"),
    Index("console_cases_id", "id_hash"),
    Index("console_cases_phone", "phone_hash"),
    Index("console_cases_receipt", "receipt_no"),
    Index("console_cases_name", "applicant_name"),
)
state = Table(
    "console_state", cmeta,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Indexes console_store added to storage.py's tables (additive, IF NOT EXISTS): the read
# model and the callback queue are refreshed from these columns.
_SOURCE_INDEXES = (
    "CREATE INDEX IF NOT EXISTS console_src_cases_updated ON cases (updated_at)",
    "CREATE INDEX IF NOT EXISTS console_src_ratings_recv_level ON ratings (received_at, level)",
    "CREATE INDEX IF NOT EXISTS console_src_batches_received ON batches (received_at)",
)


def create(engine: Engine) -> None:
    """A district database as the first release left it after its first start."""
    with engine.begin() as conn:
        metadata.create_all(conn)
        cmeta.create_all(conn)
        for ddl in _SOURCE_INDEXES:
            conn.execute(text(ddl))
        conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
