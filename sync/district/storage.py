"""District storage — the only module that talks to the district's database.

SQLAlchemy Core over an SQLite file (the default: nothing to install) or PostgreSQL
(``postgresql+psycopg://...``). The server is stateless: several instances may share one
PostgreSQL database. The default SQLite file is ``district.sqlite3`` in the platform's user
data folder for ``doorstep-district`` (platformdirs), see :func:`default_db_url`.

Tables (see the ``Table`` definitions below for every column):

- ``desks`` — enrolled desks (id, code, name, HMAC secret, receipt key, revoked_at);
  ``desk_keys`` — each desk's PIN key share and the hashes that guard it
  (:mod:`sync.district.keyshares`);
  ``enroll_codes`` — one-time codes (only their SHA-256 is stored); ``nonces`` — request
  nonces seen in the last ``2 * MAX_SKEW`` seconds (replays are refused by the primary key).
- ``batches`` — every pushed batch with its stored answer (a replay returns it).
- ``cases`` — one row per case UUID (primary key): the desk's newest revision summary and
  the district's status/note/department. ``case_revisions`` — every revision received,
  immutable, primary key ``(case_uuid, revision)`` with the content hash: the same UUID and
  revision with other content is a conflict, decided by that constraint.
- ``case_routes`` — one row per member item of a bundle (一件事) case: its department.
- ``ratings`` — 好差评 per case; ``rejections`` — records refused, with reasons.
- ``changes`` — what desks pull: status changes (for the case's desk) and catalog versions
  (for every desk), ordered by ``seq``. ``catalogs`` — published catalog versions.
- ``attachments`` / ``attachment_parts`` — content-addressed blobs and resumable uploads.

Promises kept here: a batch commits in one transaction; uniqueness is a database
constraint, never check-then-insert; a change's ``seq`` order is its commit order (change
writers are serialised), so a desk's cursor never skips a change.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import ValidationError
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
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
    create_engine,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy import delete as sa_delete
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from sync import protocol as P
from sync.district.errors import (
    BadEnrollmentCode,
    BatchConflict,
    HashMismatch,
    NotFound,
    OffsetMismatch,
    Refused,
    TooLarge,
)

SCHEMA_VERSION = 1
APP_NAME = "doorstep-district"

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

# the columns a case row is inserted with, in the order _BatchWork._upsert_cases gives them
_CASE_INSERT_COLS = (
    "uuid", "desk_id", "desk_code", "receipt_no", "item_code", "item_name", "department",
    "catalog_version", "desk_status", "revision", "applicant_name", "desk_created_at",
    "desk_updated_at", "received_at", "updated_at", "district_status", "district_note",
    "batch_id")

STATUS_NEEDS = {"needs_correction": "note", "rejected": "note", "routed": "department"}
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


def default_db_url() -> str:
    """``$DOORSTEP_DB``, else an SQLite file in the platform's user data folder."""
    env = os.environ.get("DOORSTEP_DB")
    if env:
        return env
    folder = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return f"sqlite:///{folder / 'district.sqlite3'}"


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and plain file paths as well as SQLAlchemy URLs."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace(" ", "").encode()).hexdigest()


def _describe(exc: ValidationError, prefix: str = "") -> str:
    parts = []
    for e in exc.errors()[:5]:
        loc = ".".join(str(x) for x in (prefix, *e["loc"]) if x != "")
        parts.append(f"{loc or 'record'}: {e['msg']}")
    return "; ".join(parts)


class Storage:
    """The district database. Thread-safe; one instance per process is enough."""

    def __init__(self, url: str | None = None) -> None:
        self.url = normalize_url(url or default_db_url())
        self.dialect = self.url.split(":", 1)[0].split("+", 1)[0]
        self.is_sqlite = self.dialect == "sqlite"
        self.engine = self._make_engine()
        # SQLite has one writer per file: serialise writers here rather than let them
        # spin on SQLITE_BUSY (reads run in parallel under WAL).
        self._wlock: Any = threading.Lock() if self.is_sqlite else nullcontext()
        self._writer = (self.engine.execution_options(sqlite_begin="IMMEDIATE")
                        if self.is_sqlite else self.engine)
        self._bundles: tuple[str, dict[str, list[tuple[str, str, str]]]] | None = None
        self._nonce_purge_at = 0.0
        self.migrate()

    # -- engine and transactions ------------------------------------------------------------

    def _make_engine(self) -> Engine:
        if not self.is_sqlite:
            return create_engine(self.url, pool_size=10, max_overflow=20, pool_pre_ping=True)
        path = self.url.split("///", 1)[1] if "///" in self.url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        eng = create_engine(self.url, connect_args={"check_same_thread": False, "timeout": 30},
                            pool_size=8, max_overflow=8)

        @event.listens_for(eng, "connect")
        def _on_connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")  # an acknowledged batch survives a crash
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(eng, "begin")
        def _on_begin(conn: Connection) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return eng

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` on SQLite); commits or rolls back."""
        with self._wlock, self._writer.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only connection."""
        with self.engine.connect() as conn:
            yield conn
            conn.rollback()

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def migrate(self) -> None:
        """Create missing tables and record the schema version (idempotent)."""
        with self.write() as conn:
            metadata.create_all(conn, checkfirst=True)
            self._upsert(conn, meta, {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                         ["key"], ["value"])

    def _marks(self, n: int) -> str:
        """``n`` positional placeholders in the driver's style (for ``exec_driver_sql``)."""
        return ", ".join(("?" if self.is_sqlite else "%s",) * n)

    @cached_property
    def _upsert_cases_sql(self) -> str:
        cols = _CASE_INSERT_COLS
        keep = ("uuid", "desk_id", "received_at", "district_status", "district_note")
        sets = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in keep)
        return (f"INSERT INTO cases ({', '.join(cols)}) VALUES ({self._marks(len(cols))}) "
                f"ON CONFLICT (uuid) DO UPDATE SET {sets} "
                "WHERE cases.revision < excluded.revision")

    def _insert(self, table: Table) -> Any:
        mod = sqlite_dialect if self.is_sqlite else pg_dialect
        return mod.insert(table)

    def _upsert(self, conn: Connection, table: Table, row: dict[str, Any], keys: list[str],
                cols: list[str]) -> None:
        ins = self._insert(table).values(**row)
        conn.execute(ins.on_conflict_do_update(
            index_elements=keys, set_={c: ins.excluded[c] for c in cols}))

    def _serialise_changes(self, conn: Connection) -> None:
        # seq order must be commit order, or a desk could move its cursor past a change
        # that commits later. SQLite has one writer anyway; PostgreSQL takes a table lock
        # that blocks other change writers but not readers.
        if not self.is_sqlite:
            conn.execute(text("LOCK TABLE changes IN EXCLUSIVE MODE"))

    # -- enrollment and desks -------------------------------------------------------------

    def create_enroll_code(self, desk_code: str, name: str, *, ttl_hours: float = 72) -> str:
        """A one-time enrollment code for the named desk (only its hash is stored)."""
        desk_code = desk_code.strip().upper()
        if not desk_code or not name.strip():
            raise Refused("办事点编码和名称都不能为空")
        raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
        code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
        now = datetime.now(UTC)
        with self.write() as conn:
            conn.execute(enroll_codes.insert().values(
                code_hash=_hash_code(code), desk_code=desk_code, name=name.strip(),
                created_at=now.isoformat(timespec="milliseconds"),
                expires_at=(now + timedelta(hours=ttl_hours)).isoformat(timespec="milliseconds")))
        return code

    def enroll(self, req: P.EnrollRequest) -> P.EnrollResponse:
        """Exchange a one-time code for a desk id and secret (the code is spent)."""
        now = P.utc_now()
        desk_id = "desk-" + secrets.token_hex(8)
        secret = P.new_secret()
        with self.write() as conn:
            row = conn.execute(select(enroll_codes).where(
                enroll_codes.c.code_hash == _hash_code(req.code))).mappings().first()
            if row is None or row["used_at"] is not None or row["expires_at"] < now:
                raise BadEnrollmentCode("注册码无效、已使用或已过期，请向区级管理员重新申请")
            spent = conn.execute(update(enroll_codes).where(
                enroll_codes.c.code_hash == row["code_hash"],
                enroll_codes.c.used_at.is_(None)).values(used_at=now, desk_id=desk_id))
            if spent.rowcount != 1:
                raise BadEnrollmentCode("注册码已被使用")
            conn.execute(desks.insert().values(
                desk_id=desk_id, desk_code=row["desk_code"], name=row["name"], secret=secret,
                receipt_key=req.receipt_key, enrolled_at=now,
                client_version=req.client_version[:40]))
        return P.EnrollResponse(desk_id=desk_id, desk_secret=secret, desk_code=row["desk_code"],
                                name=row["name"], enrolled_at=now)

    def desk(self, desk_id: str) -> dict[str, Any] | None:
        """A desk row (with its secret), or None."""
        with self.read() as conn:
            row = conn.execute(select(desks).where(desks.c.desk_id == desk_id)).mappings().first()
        return dict(row) if row else None

    def list_desks(self) -> list[dict[str, Any]]:
        """Every desk, without secrets."""
        cols = [c for c in desks.c if c.name != "secret"]
        with self.read() as conn:
            return [dict(r) for r in conn.execute(
                select(*cols).order_by(desks.c.enrolled_at)).mappings()]

    def revoke_desk(self, desk_id: str) -> None:
        """Refuse every later request from this desk, and forget its PIN key share (a
        stolen desk's PIN can then never open its data)."""
        with self.write() as conn:
            done = conn.execute(update(desks).where(desks.c.desk_id == desk_id,
                                                    desks.c.revoked_at.is_(None))
                                .values(revoked_at=P.utc_now()))
            conn.execute(sa_delete(desk_keys).where(desk_keys.c.desk_id == desk_id))
            if done.rowcount == 0 and self.desk(desk_id) is None:
                raise NotFound(f"没有编号为 {desk_id} 的办事点")

    def remember_nonce(self, desk_id: str, nonce: str) -> bool:
        """Record a request nonce; False when it was seen before (a replay)."""
        now = time.time()
        with self.write() as conn:
            fresh = conn.execute(self._insert(nonces).values(
                desk_id=desk_id, nonce=nonce, seen_at=now).on_conflict_do_nothing()
                .returning(nonces.c.nonce)).first() is not None
            if now >= self._nonce_purge_at:
                conn.execute(sa_delete(nonces).where(nonces.c.seen_at < now - 2 * P.MAX_SKEW))
                conn.execute(update(desks).where(desks.c.desk_id == desk_id)
                             .values(last_seen_at=P.utc_now()))
                self._nonce_purge_at = now + 30
        return fresh

    # -- batches ----------------------------------------------------------------------------

    def ingest_batch(self, desk_id: str, batch_id: str,
                     records: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Commit a batch atomically; returns the answer (the stored one on a replay).

        Raises :class:`BatchConflict` when the batch id was used by another desk or for
        other records.
        """
        return self.ingest_batch_json(desk_id, batch_id, records)[0]

    def ingest_batch_json(self, desk_id: str, batch_id: str, records: Sequence[dict[str, Any]]
                          ) -> tuple[dict[str, Any], str]:
        """:meth:`ingest_batch`, also giving the answer as JSON text (the HTTP layer sends
        it as it is, rather than encoding 500 results again)."""
        prep = _prepare(records)  # parse, check and hash outside the write lock
        records_hash = prep.digest
        received_at = P.utc_now()
        with self.write() as conn:
            claimed = conn.execute(self._insert(batches).values(
                batch_id=batch_id, desk_id=desk_id, records_hash=records_hash,
                record_count=len(records), received_at=received_at, response_json="{}",
            ).on_conflict_do_nothing(index_elements=["batch_id"]).returning(batches.c.batch_id)
            ).first()
            if claimed is None:
                # a replay (or the same batch racing itself): the first commit's answer
                row = conn.execute(select(batches).where(batches.c.batch_id == batch_id)
                                   ).mappings().one()
                if row["desk_id"] != desk_id or row["records_hash"] != records_hash:
                    raise BatchConflict("批次编号已用于其他内容，请用新的批次编号")
                answer = dict(json.loads(row["response_json"]), replayed=True)
                return answer, json.dumps(answer, ensure_ascii=False)
            results = _BatchWork(self, conn, desk_id, batch_id, received_at).run(records, prep)
            answer = {"protocol": P.PROTOCOL_VERSION, "batch_id": batch_id,
                      "results": results, "replayed": False}
            text_ = json.dumps(answer, ensure_ascii=False)
            conn.execute(update(batches).where(batches.c.batch_id == batch_id)
                         .values(response_json=text_))
        return answer, text_

    def bundle_members(self, conn: Connection) -> dict[str, list[tuple[str, str, str]]]:
        """Bundle code → [(member code, member name, department)] of the current catalog."""
        latest = conn.execute(select(catalogs.c.version).order_by(
            catalogs.c.published_at.desc(), catalogs.c.version.desc()).limit(1)).scalar()
        key = latest or ""
        if self._bundles is not None and self._bundles[0] == key:
            return self._bundles[1]
        from forms.catalog import Catalog, CatalogError, load_catalog

        try:
            if latest:
                body = conn.execute(select(catalogs.c.body_json).where(
                    catalogs.c.version == latest)).scalar_one()
                cat = Catalog.from_json(json.loads(body))
            else:
                cat = load_catalog()
        except CatalogError:
            return {}
        out = {}
        for it in cat.items:
            if it.bundle:
                out[it.code] = [(m, cat.get(m).name, cat.get(m).department)
                                for m in it.bundle if m in cat]
        self._bundles = (key, out)
        return out

    # -- district decisions -------------------------------------------------------------------

    def set_status(self, case_uuid: str, status: str, *, note: str = "",
                   department: str | None = None, actor: str = "admin") -> dict[str, Any]:
        """A district decision on a case; it becomes a change the case's desk pulls.

        ``needs_correction`` and ``rejected`` need a note (what to correct / why);
        ``routed`` needs a department. A closed case (completed/rejected) is not changed.
        """
        if status not in P.DISTRICT_STATUSES or status == "received":
            raise Refused(f"未知的区级状态 {status}")
        note = note.strip()
        need = STATUS_NEEDS.get(status)
        if need == "note" and not note:
            raise Refused("需补正和不予办理必须写明原因")
        if need == "department" and not (department or "").strip():
            raise Refused("转办必须指定部门")
        now = P.utc_now()
        with self.write() as conn:
            self._serialise_changes(conn)
            case = conn.execute(select(cases.c.desk_id, cases.c.district_status).where(
                cases.c.uuid == case_uuid).with_for_update()).mappings().first()
            if case is None:
                raise NotFound(f"没有找到案件 {case_uuid}")
            if case["district_status"] in P.CLOSED_STATUSES:
                raise Refused("案件已办结或不予办理，状态不能再改")
            values: dict[str, Any] = {"district_status": status, "district_note": note,
                                      "district_updated_at": now, "updated_at": now}
            if department:
                values["district_department"] = department
            conn.execute(update(cases).where(cases.c.uuid == case_uuid).values(**values))
            seq = conn.execute(changes.insert().values(
                kind="status", desk_id=case["desk_id"], case_uuid=case_uuid, status=status,
                note=note, department=department, actor=actor, at=now
            ).returning(changes.c.seq)).scalar_one()
        return {"seq": seq, "kind": "status", "case_uuid": case_uuid, "status": status,
                "note": note, "department": department, "at": now}

    def publish_catalog(self, body: dict[str, Any], *, actor: str = "admin") -> dict[str, Any]:
        """Publish a catalog version (``Catalog.to_json()`` shape) to every desk.

        Publishing the same version again with the same content is a no-op; a version must
        be newer than the last one published.
        """
        from forms.catalog import Catalog, CatalogError

        try:
            cat = Catalog.from_json(body)
        except CatalogError as exc:
            raise Refused(f"事项目录无效: {exc}") from None
        body = cat.to_json()
        digest = P.content_hash(body)
        now = P.utc_now()
        with self.write() as conn:
            self._serialise_changes(conn)
            same = conn.execute(select(catalogs.c.content_hash).where(
                catalogs.c.version == cat.version)).scalar()
            if same is not None:
                if same != digest:
                    raise Refused(f"目录版本 {cat.version} 已发布过不同内容，请使用新版本号")
                seq = conn.execute(select(func.max(changes.c.seq)).where(
                    changes.c.catalog_version == cat.version)).scalar()
                return {"version": cat.version, "seq": seq, "published": False}
            latest = conn.execute(select(func.max(catalogs.c.version))).scalar()
            if latest is not None and cat.version <= latest:
                raise Refused(f"目录版本 {cat.version} 不比已发布的 {latest} 新")
            conn.execute(catalogs.insert().values(
                version=cat.version, body_json=json.dumps(body, ensure_ascii=False),
                content_hash=digest, published_at=now, actor=actor))
            seq = conn.execute(changes.insert().values(
                kind="catalog", desk_id=None, catalog_version=cat.version, actor=actor, at=now,
                note=f"事项目录 {cat.version}").returning(changes.c.seq)).scalar_one()
        return {"version": cat.version, "seq": seq, "published": True}

    def changes_since(self, desk_id: str, since: int, limit: int = 500) -> P.ChangesResponse:
        """The desk's changes after ``since``, oldest first (at most ``limit``)."""
        limit = max(1, min(limit, 2000))
        with self.read() as conn:
            rows = conn.execute(select(changes).where(
                changes.c.seq > since,
                (changes.c.desk_id == desk_id) | changes.c.desk_id.is_(None),
            ).order_by(changes.c.seq).limit(limit + 1)).mappings().all()
            more = len(rows) > limit
            rows = rows[:limit]
            versions = {r["catalog_version"] for r in rows if r["kind"] == "catalog"}
            bodies = {v: json.loads(b) for v, b in conn.execute(
                select(catalogs.c.version, catalogs.c.body_json).where(
                    catalogs.c.version.in_(versions)))} if versions else {}
        out = [P.Change(seq=r["seq"], kind=r["kind"], case_uuid=r["case_uuid"],
                        status=r["status"], note=r["note"] or "", department=r["department"],
                        at=r["at"], catalog=bodies.get(r["catalog_version"] or ""))
               for r in rows]
        cursor = str(rows[-1]["seq"]) if rows else str(since)
        return P.ChangesResponse(changes=out, cursor=cursor, more=more)

    # -- attachments --------------------------------------------------------------------------

    def attachment_status(self, sha256: str) -> P.AttachmentStatus:
        """How much of an attachment the district holds."""
        with self.read() as conn:
            size = conn.execute(select(attachments.c.size).where(
                attachments.c.sha256 == sha256)).scalar()
            if size is not None:
                return P.AttachmentStatus(sha256=sha256, size=size, received=size,
                                          complete=True)
            row = conn.execute(select(func.coalesce(func.sum(func.length(
                attachment_parts.c.data)), 0), func.max(attachment_parts.c.total)).where(
                attachment_parts.c.sha256 == sha256)).one()
        return P.AttachmentStatus(sha256=sha256, size=row[1], received=int(row[0] or 0))

    def attachment(self, sha256: str) -> bytes | None:
        """An attachment's bytes, or None."""
        with self.read() as conn:
            data = conn.execute(select(attachments.c.data).where(
                attachments.c.sha256 == sha256)).scalar()
        return bytes(data) if data is not None else None

    def put_attachment(self, desk_id: str, sha256: str, offset: int, total: int, data: bytes,
                       cap: int) -> P.AttachmentStatus:
        """Store a chunk of an attachment; complete once ``total`` bytes hash to ``sha256``.

        Idempotent: an attachment already held, or a chunk already received, changes nothing.
        """
        if total > cap:
            raise TooLarge(f"附件大小 {total} 字节超过上限 {cap} 字节", cap=cap)
        now = P.utc_now()
        with self.write() as conn:
            size = conn.execute(select(attachments.c.size).where(
                attachments.c.sha256 == sha256)).scalar()
            if size is not None:
                return P.AttachmentStatus(sha256=sha256, size=size, received=size,
                                          complete=True)
            parts = conn.execute(select(attachment_parts.c.offset, attachment_parts.c.data,
                                        attachment_parts.c.total).where(
                attachment_parts.c.sha256 == sha256).order_by(attachment_parts.c.offset)).all()
            if parts and parts[0].total != total:
                conn.execute(sa_delete(attachment_parts).where(
                    attachment_parts.c.sha256 == sha256))
                parts = []
            received = sum(len(p.data) for p in parts)
            if offset + len(data) <= received:
                return P.AttachmentStatus(sha256=sha256, size=total, received=received)
            if offset != received:
                raise OffsetMismatch(f"续传位置应为 {received}", received=received)
            if received + len(data) > total:
                raise Refused("附件数据超过声明的总大小")
            conn.execute(attachment_parts.insert().values(
                sha256=sha256, offset=offset, total=total, data=data, desk_id=desk_id, at=now))
            received += len(data)
            if received < total:
                return P.AttachmentStatus(sha256=sha256, size=total, received=received)
            blob = b"".join(bytes(p.data) for p in parts) + data
            conn.execute(sa_delete(attachment_parts).where(attachment_parts.c.sha256 == sha256))
            if hashlib.sha256(blob).hexdigest() != sha256:
                # commit the clean-up, then refuse: the next try starts from zero
                pass
            else:
                conn.execute(self._insert(attachments).values(
                    sha256=sha256, size=total, data=blob, desk_id=desk_id, created_at=now
                ).on_conflict_do_nothing())
                return P.AttachmentStatus(sha256=sha256, size=total, received=total,
                                          complete=True, created=True)
        raise HashMismatch("附件内容与其 SHA-256 不符，请重新上传")

    # -- receipts ---------------------------------------------------------------------------

    def verify_receipt(self, receipt_no: str, case_uuid: str, code: str
                       ) -> P.ReceiptVerification:
        """Is this receipt genuine? Checks the code with the receipt key of the desk that
        made the case — or, for a case not received yet, of the desks enrolled under the
        desk code the receipt number starts with. Gives nothing personal back."""
        receipt_no = receipt_no.strip().upper()
        case_uuid = case_uuid.strip().lower()
        out = P.ReceiptVerification(valid=False, receipt_no=receipt_no)
        with self.read() as conn:
            row = conn.execute(select(cases.c.desk_id, cases.c.receipt_no, cases.c.item_name,
                                      cases.c.revision, cases.c.desk_created_at).where(
                cases.c.uuid == case_uuid)).first()
            if row is not None:
                if row.receipt_no.upper() != receipt_no:
                    return out  # the district knows this case under another number
                keys = [k for k in conn.execute(select(desks.c.receipt_key).where(
                    desks.c.desk_id == row.desk_id)).scalars()]
            else:
                desk_code = receipt_no.rsplit("-", 2)[0] if receipt_no.count("-") >= 2 else ""
                keys = list(conn.execute(select(desks.c.receipt_key).where(
                    desks.c.desk_code == desk_code).limit(20)).scalars()) if desk_code else []
            if not any(P.receipt_code_ok(k, receipt_no, case_uuid, code) for k in keys):
                return out
            out.valid = True
            if row is None:
                return out
            payload = conn.execute(select(case_revisions.c.payload_json).where(
                case_revisions.c.case_uuid == case_uuid,
                case_revisions.c.revision == row.revision)).scalar()
        try:
            accepted = json.loads(payload or "{}").get("accepted_date")
        except (ValueError, AttributeError):
            accepted = None
        out.received = True
        out.item_name = row.item_name
        out.accepted_date = str(accepted or row.desk_created_at[:10])[:10]
        return out

    # -- reading (console, command line, tests) -----------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Counts for ``doorstep-district stats --json`` and the console."""
        with self.read() as conn:
            def count(t: Table, *where: Any) -> int:
                return int(conn.execute(select(func.count()).select_from(t).where(*where))
                           .scalar_one())
            by_status = {s: int(n) for s, n in conn.execute(
                select(cases.c.district_status, func.count()).group_by(
                    cases.c.district_status))}
            return {
                "cases": count(cases), "batches": count(batches), "desks": count(desks),
                "desks_active": count(desks, desks.c.revoked_at.is_(None)),
                "revisions": count(case_revisions), "ratings": count(ratings),
                "rejections": count(rejections), "changes": count(changes),
                "catalogs": count(catalogs), "attachments": count(attachments),
                "by_district_status": by_status,
            }

    def get_case(self, case_uuid: str) -> dict[str, Any] | None:
        """A case with its newest payload, revisions, routes, rating and status history."""
        with self.read() as conn:
            row = conn.execute(select(cases).where(cases.c.uuid == case_uuid)).mappings().first()
            if row is None:
                return None
            out = dict(row)
            revs = conn.execute(select(case_revisions).where(
                case_revisions.c.case_uuid == case_uuid).order_by(case_revisions.c.revision)
            ).mappings().all()
            out["payload"] = json.loads(revs[-1]["payload_json"]) if revs else None
            out["revisions"] = [{k: r[k] for k in ("revision", "content_hash", "batch_id",
                                                   "received_at")} for r in revs]
            out["routes"] = [dict(r) for r in conn.execute(select(case_routes).where(
                case_routes.c.case_uuid == case_uuid).order_by(case_routes.c.item_code)
            ).mappings()]
            rating = conn.execute(select(ratings).where(
                ratings.c.case_uuid == case_uuid)).mappings().first()
            out["rating"] = dict(rating) if rating else None
            out["history"] = [dict(r) for r in conn.execute(select(changes).where(
                changes.c.case_uuid == case_uuid).order_by(changes.c.seq)).mappings()]
        return out

    def list_cases(self, *, desk_id: str | None = None, status: str | None = None,
                   limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Case summaries, newest received first."""
        q = select(cases)
        if desk_id:
            q = q.where(cases.c.desk_id == desk_id)
        if status:
            q = q.where(cases.c.district_status == status)
        q = q.order_by(cases.c.received_at.desc(), cases.c.uuid).limit(limit).offset(offset)
        with self.read() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def case_uuids(self) -> list[str]:
        """Every case UUID (tests and consistency checks)."""
        with self.read() as conn:
            return [r[0] for r in conn.execute(select(cases.c.uuid).order_by(cases.c.uuid))]

    def list_rejections(self, desk_id: str | None = None,
                        limit: int = 100) -> list[dict[str, Any]]:
        """Records refused or in conflict, newest first."""
        q = select(rejections).order_by(rejections.c.id.desc()).limit(limit)
        if desk_id:
            q = q.where(rejections.c.desk_id == desk_id)
        with self.read() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]


@dataclass
class _Prepared:
    """A batch's records parsed, checked and hashed (before the write transaction)."""

    rejected: dict[int, str] = field(default_factory=dict)
    # (index in the batch, record, payload, content hash, case UUID as text)
    cases: list[tuple[int, P.Record, P.CasePayload, str, str]] = field(default_factory=list)
    ratings: list[tuple[int, P.Record, P.RatingPayload, str, str]] = field(
        default_factory=list)
    bodies: dict[int, str] = field(default_factory=dict)
    digest: str = ""


def _describe_record(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors()[:5]:
        loc = [str(x) for x in e["loc"]]
        if loc and loc[0] in ("case", "rating"):  # the discriminator's tag
            loc = loc[1:]
        if not loc and e["type"].startswith("union_tag"):
            loc = ["kind"]
        parts.append(f"{'.'.join(loc) or 'record'}: {e['msg']}")
    return "格式错误 " + "; ".join(parts)


def _prepare(records: Sequence[Any]) -> _Prepared:
    prep = _Prepared()
    parsed: list[tuple[int, P.CaseRecord | P.RatingRecord]] = []
    try:  # the fast path: the whole batch is well formed
        parsed = list(enumerate(P.RECORDS.validate_python(records)))
    except ValidationError:
        for i, raw in enumerate(records):
            try:
                parsed.append((i, P.ONE_RECORD.validate_python(raw)))
            except ValidationError as exc:
                prep.rejected[i] = _describe_record(exc)
    lines = []
    sha256 = hashlib.sha256
    for i, rec in parsed:
        p = rec.payload
        if p.uuid != rec.case_uuid or (isinstance(p, P.CasePayload)
                                       and p.revision != rec.revision):
            prep.rejected[i] = "格式错误 payload: uuid/revision differ from the record's"
            continue
        body = P.canonical_json(records[i]["payload"])
        h = sha256(body).hexdigest()
        u = str(rec.case_uuid)  # once: UUID.__str__ is not free at 500 records a batch
        prep.bodies[i] = body.decode("utf-8")
        if isinstance(rec, P.CaseRecord):
            prep.cases.append((i, rec, rec.payload, h, u))
        else:
            prep.ratings.append((i, rec, rec.payload, h, u))
        lines.append(f"{i} {rec.id} {rec.kind} {u} {rec.revision} {h}")
    for i in sorted(prep.rejected):
        lines.append(f"{i} {P.content_hash(records[i])}")
    prep.digest = hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()
    return prep


class _BatchWork:
    """The records of one batch, applied inside the batch's transaction."""

    def __init__(self, st: Storage, conn: Connection, desk_id: str, batch_id: str,
                 received_at: str) -> None:
        self.st, self.conn, self.desk_id = st, conn, desk_id
        self.batch_id, self.at = batch_id, received_at
        self.results: list[dict[str, Any] | None] = []

    def _result(self, i: int, raw: Any, result: str, reason: str = "",
                received_at: str | None = None) -> None:
        rec = raw if isinstance(raw, dict) else {}
        rid = rec.get("id")
        rev = rec.get("revision")
        self.results[i] = {
            "index": i, "id": rid if isinstance(rid, int) else None,
            "case_uuid": str(rec.get("case_uuid"))[:64] if rec.get("case_uuid") else None,
            "revision": rev if isinstance(rev, int) else None,
            "result": result, "reason": reason, "received_at": received_at}

    def run(self, records: Sequence[Any], prep: _Prepared) -> list[dict[str, Any]]:
        self.results = [None] * len(records)
        self.bodies = prep.bodies
        for i, reason in prep.rejected.items():
            self._result(i, records[i], "rejected", reason)
        case_in, rating_in = prep.cases, prep.ratings
        accepted = self._cases(records, case_in)
        self._ratings(records, rating_in, accepted)
        refused = [r for r in self.results if r and r["result"] in ("rejected", "conflict")]
        if refused:
            self.conn.execute(rejections.insert(), [
                {"batch_id": self.batch_id, "desk_id": self.desk_id, "idx": r["index"],
                 "kind": (records[r["index"]] or {}).get("kind")
                 if isinstance(records[r["index"]], dict) else None,
                 "case_uuid": r["case_uuid"], "revision": r["revision"], "result": r["result"],
                 "reason": r["reason"], "at": self.at} for r in refused])
        return [r for r in self.results if r is not None]

    def _cases(self, records: Sequence[Any],
               case_in: list[tuple[int, P.Record, P.CasePayload, str, str]]) -> set[str]:
        """Apply case records; returns the UUIDs known to the district afterwards."""
        conn = self.conn
        first: dict[tuple[str, int], tuple[int, str]] = {}
        todo: list[tuple[int, P.Record, P.CasePayload, str, str]] = []
        for i, rec, cp, h, u in case_in:
            key = (u, rec.revision)
            if key in first:  # the same revision twice in one batch
                same = first[key][1] == h
                self._result(i, records[i], "duplicate" if same else "conflict",
                             "" if same else "同一案件同一版本在本批次中内容不同", self.at)
                continue
            first[key] = (i, h)
            todo.append((i, rec, cp, h, u))
        uuids = sorted({u for *_, u in todo})
        if not uuids:
            return set()
        existing_rev = {(r.case_uuid, r.revision): (r.content_hash, r.received_at)
                        for r in conn.execute(select(
                            case_revisions.c.case_uuid, case_revisions.c.revision,
                            case_revisions.c.content_hash, case_revisions.c.received_at).where(
                            case_revisions.c.case_uuid.in_(uuids)))}
        existing_case = {r.uuid: r for r in conn.execute(select(
            cases.c.uuid, cases.c.desk_id, cases.c.district_status).where(
            cases.c.uuid.in_(uuids)).with_for_update())}
        fresh: list[tuple[int, P.Record, P.CasePayload, str, str]] = []
        for i, rec, cp, h, u in todo:
            key = (u, rec.revision)
            if key in existing_rev:
                self._same_or_conflict(i, records[i], h, *existing_rev[key])
                continue
            known = existing_case.get(u)
            if known is not None and known.desk_id != self.desk_id:
                self._result(i, records[i], "rejected", "该案件由其他办事点上传，本办事点不能修改")
                continue
            if known is not None and known.district_status in P.CLOSED_STATUSES:
                word = "已办结" if known.district_status == "completed" else "已不予办理"
                self._result(i, records[i], "rejected",
                             f"区级{word}，办事点的修改不再接受；如需变更请联系区级")
                continue
            fresh.append((i, rec, cp, h, u))
        if fresh:
            lost = self._insert_revisions(fresh)
            newest: dict[str, tuple[P.Record, P.CasePayload]] = {}
            for i, rec, cp, h, u in fresh:
                key = (u, rec.revision)
                if key in lost:  # lost a race to a concurrent batch: decide by it
                    self._same_or_conflict(i, records[i], h, *lost[key])
                    continue
                self._result(i, records[i], "accepted", received_at=self.at)
                if u not in newest or newest[u][0].revision < rec.revision:
                    newest[u] = (rec, cp)
            if newest:
                self._upsert_cases(newest)
                self._fan_out([cp for u, (_, cp) in newest.items() if u not in existing_case])
        return set(existing_case) | {u for *_, u in fresh}

    def _insert_revisions(self, fresh: list[tuple[int, P.Record, P.CasePayload, str, str]]
                          ) -> dict[tuple[str, int], tuple[str, str]]:
        """Insert new revisions in one ``executemany`` straight to the driver (no per-row
        statement building in Python). The primary key decides: a revision a concurrent batch
        committed first is left alone and returned, ``(uuid, revision) → (hash, at)``."""
        st = self.st
        # a short statement, executed for every row by the driver (SQLite: in C; psycopg:
        # pipelined, the statement parsed once). A 500-row multi-VALUES statement costs more
        # to build and (psycopg) to parse than it saves in round trips.
        sql = (f"INSERT INTO case_revisions (case_uuid, revision, content_hash, desk_id, "
               f"batch_id, received_at, payload_json) VALUES ({st._marks(7)}) "
               "ON CONFLICT (case_uuid, revision) DO NOTHING")
        done = self.conn.exec_driver_sql(sql, [
            (u, rec.revision, h, self.desk_id, self.batch_id, self.at, self.bodies[i])
            for i, rec, _, h, u in fresh])
        if done.rowcount == len(fresh):
            return {}
        # some rows were there already (or the driver did not count): ask which are ours
        keys = {(u, rec.revision) for _, rec, _, _, u in fresh}
        lost = {}
        for r in self.conn.execute(select(
                case_revisions.c.case_uuid, case_revisions.c.revision,
                case_revisions.c.content_hash, case_revisions.c.received_at,
                case_revisions.c.batch_id).where(
                case_revisions.c.case_uuid.in_(sorted({k[0] for k in keys})))):
            if (r.case_uuid, r.revision) in keys and r.batch_id != self.batch_id:
                lost[(r.case_uuid, r.revision)] = (r.content_hash, r.received_at)
        return lost

    def _same_or_conflict(self, i: int, raw: Any, h: str, stored_hash: str,
                          stored_at: str) -> None:
        if stored_hash == h:
            self._result(i, raw, "duplicate", received_at=stored_at)
        else:
            self._result(i, raw, "conflict",
                         "区级已有该案件同一版本的不同内容（冲突），未覆盖；请核对后重新保存",
                         stored_at)

    def _upsert_cases(self, newest: dict[str, tuple[P.Record, P.CasePayload]]) -> None:
        """Insert new cases and move known ones to their newest revision (never back), in
        one ``executemany`` straight to the driver. The district's own columns (status,
        note, first receive time) are kept."""
        at, desk_id, batch_id = self.at, self.desk_id, self.batch_id
        rows = [(u, desk_id, cp.desk_code, cp.receipt_no, cp.item_code, cp.item_name,
                 cp.department, cp.catalog_version, cp.status, cp.revision, cp.applicant_name,
                 cp.created_at, cp.updated_at, at, at, "received", "", batch_id)
                for u, (_rec, cp) in newest.items()]
        self.conn.exec_driver_sql(self.st._upsert_cases_sql, rows)

    def _fan_out(self, new_cases: list[P.CasePayload]) -> None:
        if not new_cases:
            return
        members = self.st.bundle_members(self.conn)
        rows = [{"case_uuid": str(cp.uuid), "item_code": code, "item_name": name,
                 "department": dept, "status": "pending", "note": "", "updated_at": self.at}
                for cp in new_cases for code, name, dept in members.get(cp.item_code, [])]
        if rows:
            self.conn.execute(self.st._insert(case_routes).on_conflict_do_nothing(), rows)

    def _ratings(self, records: Sequence[Any],
                 rating_in: list[tuple[int, P.Record, P.RatingPayload, str, str]],
                 known_cases: set[str]) -> None:
        if not rating_in:
            return
        conn = self.conn
        uuids = sorted({u for *_, u in rating_in})
        stored = {r.case_uuid: (r.content_hash, r.received_at) for r in conn.execute(
            select(ratings.c.case_uuid, ratings.c.content_hash, ratings.c.received_at).where(
                ratings.c.case_uuid.in_(uuids)))}
        missing = set(uuids) - known_cases - set(stored)
        if missing:
            missing -= {r[0] for r in conn.execute(select(cases.c.uuid).where(
                cases.c.uuid.in_(sorted(missing))))}
        for i, _rec, rp, h, u in rating_in:
            if u in stored:
                self._same_or_conflict(i, records[i], h, *stored[u])
                continue
            if u in missing:
                self._result(i, records[i], "rejected", "该案件尚未上传到区级，评价暂不能接收")
                continue
            done = conn.execute(self.st._insert(ratings).values(
                case_uuid=u, level=rp.level, reason=rp.reason, rated_at=rp.rated_at,
                received_at=self.at, desk_id=self.desk_id, content_hash=h
            ).on_conflict_do_nothing().returning(ratings.c.case_uuid)).first()
            if done is not None:
                stored[u] = (h, self.at)
                self._result(i, records[i], "accepted", received_at=self.at)
            else:
                row = conn.execute(select(ratings.c.content_hash, ratings.c.received_at).where(
                    ratings.c.case_uuid == u)).one()
                self._same_or_conflict(i, records[i], h, row[0], row[1])
