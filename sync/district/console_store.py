"""The admin console's part of the district storage layer.

Console-specific tables live here (``storage.py`` owns the sync tables; this module reads
them and adds its own, on the same engine and metadata-free DDL path):

- ``console_users`` — sign-in accounts: Argon2id hash, role, lockout counters.
- ``console_sessions`` — signed-in browsers: only the SHA-256 of the cookie token is
  stored, with the session's CSRF token and its idle clock.
- ``console_audit`` — every action (and every reveal of personal data), hash-chained:
  each row's hash covers the previous row's hash, so an edited or deleted row shows.
  The audit page checks it incrementally from a checkpoint kept in ``console_state``;
  ``doorstep-district audit verify`` checks all of it, read-only (:func:`verify_audit_at`).
- ``console_callbacks`` — 差评 follow-up: one task per rating of 1–2 (不满意/非常不满意),
  due in working days, with outcome and note.
- ``console_cases`` — the console's read model of ``cases``: the columns lists, filters,
  the dashboard and exports need (worker, promised date, masked ID/phone, search hashes),
  with indexes for 1,000,000 cases. :meth:`ConsoleStore.refresh` brings it up to date
  from ``cases.updated_at`` (an index this module adds), so status changes made anywhere
  (console, command line) show up; it runs before every list, dashboard and export.

District status changes themselves go through :meth:`Storage.set_status`, which writes
the change the desk pulls.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

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
    and_,
    bindparam,
    case,
    create_engine,
    func,
    inspect,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy import delete as sa_delete
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool

from forms.catalog import load_catalog
from forms.ids import mask_id, mask_phone
from forms.workdays import add_working_days
from sync import protocol as P
from sync.district.errors import DistrictError, NotFound, Refused
from sync.district.storage import (
    Storage,
    batches,
    case_revisions,
    cases,
    catalogs,
    desk_keys,
    desks,
    normalize_url,
    ratings,
)

ROLES = ("admin", "reviewer", "viewer")
OPEN_STATUSES = ("received", "accepted", "needs_correction", "routed")
LOCAL_TZ = ZoneInfo(os.environ.get("DOORSTEP_TZ", "Asia/Shanghai"))
CALLBACK_WORKDAYS = int(os.environ.get("DOORSTEP_CALLBACK_WORKDAYS", "1"))  # 辽宁: 1 wd
NEAR_DUE_DAYS = 3  # "near the promised date": due within this many calendar days
REFRESH_MARGIN = timedelta(minutes=2)  # a slow transaction may commit an older timestamp
COUNT_CAP = 10_000
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)

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

# Indexes this module adds to storage.py's tables (additive, IF NOT EXISTS): the read
# model and the callback queue are refreshed from these columns.
_SOURCE_INDEXES = (
    "CREATE INDEX IF NOT EXISTS console_src_cases_updated ON cases (updated_at)",
    "CREATE INDEX IF NOT EXISTS console_src_ratings_recv_level ON ratings (received_at, level)",
    "CREATE INDEX IF NOT EXISTS console_src_batches_received ON batches (received_at)",
)


def now_iso() -> str:
    """UTC now, in the same ISO format storage.py writes."""
    return P.utc_now()


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds")


def local_date(iso: str) -> date:
    """The local (district) calendar date of a UTC ISO timestamp."""
    return datetime.fromisoformat(iso).astimezone(LOCAL_TZ).date()


def local_today() -> date:
    """Today in the district's time zone."""
    return datetime.now(LOCAL_TZ).date()


def search_hash(kind: str, value: str) -> str:
    """A short digest of a full ID number or phone, for exact search without a plaintext
    index (the payload keeps the value; the index need not)."""
    norm = "".join(ch for ch in value.upper() if ch.isalnum())
    if not norm:
        return ""
    return hashlib.sha256(f"doorstep:{kind}:{norm}".encode()).hexdigest()[:24]


# -- the audit chain (the console's page and the read-only `audit verify` command) --------

GENESIS = "0" * 64  # the prev_hash of the first entry
AUDIT_CHECKPOINT = "audit_checkpoint"  # console_state: "<id, 20 digits> <hash>", verified
AUDIT_FULL_AT = "audit_full_verified_at"  # console_state: when the page last checked it all
_ENTRY_KEYS = ("id", "at", "actor", "action", "target")


class AuditUnavailable(DistrictError):
    """The audit log cannot be read: no such database, unreachable, or no audit table."""

    status = 503
    code = "audit_unavailable"


def audit_digest(prev: str, at: str, actor: str, action: str, target: str,
                 body: str) -> str:
    """An entry's hash: SHA-256 over the previous entry's hash and the entry's columns."""
    return hashlib.sha256("\x1f".join([prev, at, actor, action, target, body]).encode()
                          ).hexdigest()


def _own_digest(r: Any) -> str:
    """The hash an entry's stored columns (its own prev_hash included) call for."""
    return audit_digest(r["prev_hash"] or "", r["at"] or "", r["actor"] or "",
                        r["action"] or "", r["target"] or "", r["detail_json"] or "")


@dataclass
class AuditCheck:
    """The outcome of checking the audit chain (JSON: :meth:`as_json`).

    ``checked`` entries were found intact, the last of them ``last_id`` / ``last_hash``
    (the genesis hash when none). ``after_id`` is 0 for a check of the whole log, else the
    checkpoint the check started after. When broken: ``first_broken_entry`` (an id),
    ``entry`` (its ``id``, ``at``, ``actor``, ``action``, ``target``; None when the entry
    is missing altogether), ``problem`` (``hash_mismatch``: the entry's content does not
    give its hash; ``prev_hash_mismatch``: it does not follow the previous entry;
    ``checkpoint_mismatch``: the chain holds but an entry verified earlier is gone or
    different), ``cause`` (``edited``, ``deleted``, ``reordered``, ``inserted``,
    ``truncated``, ``rewritten``) and ``message``.
    """

    ok: bool = True
    checked: int = 0
    last_id: int | None = None
    last_hash: str = GENESIS
    after_id: int = 0
    first_broken_entry: int | None = None
    entry: dict[str, Any] | None = None
    problem: str = ""
    cause: str = ""
    message: str = ""
    full_verified_at: str | None = None  # the console page's last full check (page only)

    @property
    def full(self) -> bool:
        """Whether the whole log was checked (not only the entries after a checkpoint)."""
        return self.after_id == 0

    def as_json(self) -> dict[str, Any]:
        """The command's JSON (``ok`` and ``first_broken_entry`` as the desk's verifier)."""
        return {"ok": self.ok, "first_broken_entry": self.first_broken_entry,
                "checked": self.checked, "last_id": self.last_id, "last_hash": self.last_hash,
                "problem": self.problem or None, "cause": self.cause or None,
                "message": self.message or None, "entry": self.entry}


def _checkpoint_value(entry_id: int, digest: str) -> str:
    return f"{entry_id:020d} {digest}"  # zero-padded: text order is id order


def _parse_checkpoint(raw: str | None) -> tuple[int, str] | None:
    try:
        entry_id, digest = (raw or "").split(" ", 1)
        return int(entry_id), digest
    except ValueError:
        return None


def _checkpoint_holds(conn: Connection, cp: tuple[int, str]) -> bool:
    """The checkpoint entry is still there, with the same hash, matching its content."""
    r = conn.execute(select(audit).where(audit.c.id == cp[0])).mappings().first()
    return r is not None and r["hash"] == cp[1] and _own_digest(r) == cp[1]


def _walk_audit(conn: Connection, after_id: int = 0, prev: str = GENESIS,
                chunk: int = 2000) -> AuditCheck:
    """Check the entries after ``after_id`` (chained from ``prev``), in id order, streamed;
    stops at the first one that does not hold and says what is wrong with it."""
    res = AuditCheck(last_hash=prev, after_id=after_id, last_id=after_id or None)
    bad: dict[str, Any] | None = None
    result = conn.execute(select(audit).where(audit.c.id > after_id).order_by(audit.c.id)
                          .execution_options(stream_results=True, max_row_buffer=chunk))
    try:
        for r in result.mappings():
            if r["prev_hash"] != res.last_hash or r["hash"] != _own_digest(r):
                bad = dict(r)
                break
            res.checked += 1
            res.last_id, res.last_hash = int(r["id"]), str(r["hash"])
    finally:
        result.close()
    if bad is None:
        return res
    bid = int(bad["id"])
    res.ok, res.first_broken_entry = False, bid
    res.entry = {k: bad[k] for k in _ENTRY_KEYS}
    res.entry["id"] = bid
    if bad["hash"] != _own_digest(bad):
        res.problem, res.cause = "hash_mismatch", "edited"
        res.message = (f"第 {bid} 条记录被改动：按其内容重算的哈希与存储的哈希不符"
                       f"（hash mismatch）。")
        return res
    res.problem = "prev_hash_mismatch"
    before = f"上一条（第 {res.last_id} 条）" if res.last_id else "链的起点"
    head = (f"第 {bid} 条记录的 prev_hash 与{before}的哈希不符（prev_hash mismatch）：")
    found = conn.execute(select(audit.c.id).where(audit.c.hash == bad["prev_hash"])).scalar()
    gap = range((res.last_id or 0) + 1, bid)
    if found is not None and int(found) > bid:
        res.cause = "reordered"
        res.message = head + f"它本应接在第 {found} 条之后——记录的顺序被调换了。"
    elif found is not None:
        res.cause = "inserted"
        res.message = head + (f"它本应接在第 {found} 条之后——其间的记录不属于原链"
                              f"（被插入或替换）。")
    elif gap:
        res.cause = "deleted"
        missing = str(gap[0]) if len(gap) == 1 else f"{gap[0]}–{gap[-1]}"
        res.message = head + f"它之前的记录被删除了（缺少第 {missing} 条）。"
    else:
        res.cause = "deleted"
        res.message = head + ("它之前的一条记录被删除了，或上一条记录连同哈希被改写。"
                              if res.last_id else "链开头的记录被删除了。")
    return res


def verify_audit_chain(conn: Connection, checkpoint: str | None = None) -> AuditCheck:
    """Check the whole audit log; when it holds, also that the console's checkpoint (read
    from ``console_state`` unless given) is still in it — the chain alone cannot show
    entries cut off its end, or a log rewritten with fresh hashes."""
    if checkpoint is None and inspect(conn).has_table(state.name):
        checkpoint = conn.execute(select(state.c.value).where(
            state.c.key == AUDIT_CHECKPOINT)).scalar()
    cp = _parse_checkpoint(checkpoint)  # read before the walk: it names a committed entry
    res = _walk_audit(conn)
    if not res.ok or cp is None:
        return res
    r = conn.execute(select(audit).where(audit.c.id == cp[0])).mappings().first()
    if r is not None and r["hash"] == cp[1]:
        return res
    res.ok, res.first_broken_entry, res.problem = False, cp[0], "checkpoint_mismatch"
    res.entry = None if r is None else {k: r[k] for k in _ENTRY_KEYS}
    if r is None and cp[0] > (res.last_id or 0):
        res.cause = "truncated"
        res.message = (f"控制台曾校验到第 {cp[0]} 条，现在该条已不存在（最后一条是第 "
                       f"{res.last_id or 0} 条）：日志末尾的记录被删除，或数据库被换成了"
                       f"较旧的备份。")
    else:
        res.cause = "rewritten"
        res.message = (f"第 {cp[0]} 条与控制台校验时记下的哈希不同或已不存在，而链本身完好："
                       f"日志被整段改写并重算了哈希（或换成了另一份数据库）。")
    return res


def _readonly_engine(url: str) -> Engine:
    """An engine that can only read (SQLite ``mode=ro``: a missing file is not created;
    PostgreSQL read-only transactions)."""
    if url.startswith("sqlite"):
        path = make_url(url).database or ""
        if not path or path == ":memory:" or path.startswith("file:"):
            raise AuditUnavailable(f"不是数据库文件：{url}")
        if not Path(path).is_file():
            raise AuditUnavailable(f"数据库文件不存在：{path}")
        uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
        return create_engine("sqlite://", poolclass=NullPool, creator=lambda: sqlite3.connect(
            uri, uri=True, timeout=30, check_same_thread=False))
    return create_engine(url, poolclass=NullPool, connect_args={
        "options": "-c default_transaction_read_only=on", "connect_timeout": 15})


def verify_audit_at(url: str) -> AuditCheck:
    """Check the whole audit log of the district database at ``url`` (as ``--db``) without
    writing anything; :class:`AuditUnavailable` when it cannot be read."""
    try:
        url = normalize_url(url)
        shown = make_url(url).render_as_string(hide_password=True)
        engine = _readonly_engine(url)
    except ArgumentError as exc:
        raise AuditUnavailable(f"无法识别的数据库地址：{exc}") from exc
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(audit.name):
                raise AuditUnavailable(f"{shown} 中没有审计日志（console_audit 表）：不是区级"
                                       f"数据库，或控制台从未在这个数据库上启动过。")
            res = verify_audit_chain(conn)
            conn.rollback()
            return res
    except DBAPIError as exc:
        lines = str(exc.orig or exc).strip().splitlines()
        reason = lines[0] if lines else type(exc.orig or exc).__name__
        raise AuditUnavailable(f"无法读取数据库 {shown}：{reason}") from exc
    finally:
        engine.dispose()


@dataclass
class CaseFilter:
    """The filters of the cases list, its exports and bulk selections."""

    status: str = ""
    item: str = ""
    department: str = ""
    desk: str = ""
    date_from: str = ""
    date_to: str = ""
    overdue: str = ""  # "" | "overdue" | "near"
    q: str = ""

    def as_query(self) -> dict[str, str]:
        """Non-empty filters as query parameters."""
        return {k: v for k, v in self.__dict__.items() if v}


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


def _fields_of(payload: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(payload.get("data_json") or "{}")
    except ValueError:
        return {}
    fields = data.get("fields") if isinstance(data, dict) else None
    return fields if isinstance(fields, dict) else (data if isinstance(data, dict) else {})


class ConsoleStore:
    """Console tables and queries over the district :class:`Storage`."""

    def __init__(self, storage: Storage) -> None:
        self.st = storage
        self._refreshed_at = -1e9
        self.migrate()

    # -- schema ----------------------------------------------------------------------------

    def migrate(self) -> None:
        """Create the console tables and the source indexes (idempotent)."""
        with self.st.write() as conn:
            cmeta.create_all(conn, checkfirst=True)
            for table in cmeta.sorted_tables:  # indexes added after a table was created
                for ix in table.indexes:
                    ix.create(conn, checkfirst=True)
            # only the missing ones: on PostgreSQL even CREATE INDEX IF NOT EXISTS locks the
            # table, which waits for (or deadlocks with) batches being committed when a server
            # process starts under load
            have = {ix["name"] for t in ("cases", "ratings", "batches")
                    for ix in inspect(conn).get_indexes(t)}
            for ddl in _SOURCE_INDEXES:
                if ddl.split()[5] not in have:
                    conn.execute(text(ddl))

    def _get_state(self, conn: Connection, key: str) -> str | None:
        return conn.execute(select(state.c.value).where(state.c.key == key)).scalar()

    def _set_state(self, conn: Connection, key: str, value: str) -> None:
        self.st._upsert(conn, state, {"key": key, "value": value}, ["key"], ["value"])

    # -- users -----------------------------------------------------------------------------

    def add_user(self, username: str, password_hash: str, role: str) -> None:
        """Create a user; :class:`Refused` when the name is taken or the role unknown."""
        username = username.strip()
        if role not in ROLES:
            raise Refused(f"角色必须是 {'/'.join(ROLES)} 之一")
        if not username or len(username) > 64:
            raise Refused("用户名不能为空，且不超过 64 个字符")
        with self.st.write() as conn:
            done = conn.execute(self.st._insert(users).values(
                username=username, password_hash=password_hash, role=role,
                created_at=now_iso(), failed_logins=0).on_conflict_do_nothing()
                .returning(users.c.username)).first()
            if done is None:
                raise Refused(f"用户 {username} 已存在")

    def user(self, username: str) -> dict[str, Any] | None:
        """A user row, or None."""
        with self.st.read() as conn:
            row = conn.execute(select(users).where(users.c.username == username)
                               ).mappings().first()
        return dict(row) if row else None

    def list_users(self) -> list[dict[str, Any]]:
        """Every user, without password hashes."""
        cols = [c for c in users.c if c.name != "password_hash"]
        with self.st.read() as conn:
            return [dict(r) for r in conn.execute(select(*cols).order_by(users.c.username))
                    .mappings()]

    def set_user(self, username: str, **values: Any) -> None:
        """Update a user's columns (role, disabled_at, password_hash, ...)."""
        with self.st.write() as conn:
            done = conn.execute(update(users).where(users.c.username == username)
                                .values(**values))
            if done.rowcount != 1:
                raise NotFound(f"没有用户 {username}")
            if "disabled_at" in values or "password_hash" in values or "role" in values:
                conn.execute(sa_delete(sessions).where(sessions.c.username == username))

    def note_login(self, username: str, ok: bool) -> None:
        """Count a failed sign-in (locking the account after several) or reset on success."""
        with self.st.write() as conn:
            if ok:
                conn.execute(update(users).where(users.c.username == username).values(
                    failed_logins=0, locked_until=None, last_login_at=now_iso()))
                return
            row = conn.execute(select(users.c.failed_logins).where(
                users.c.username == username)).scalar()
            if row is None:
                return
            n = int(row) + 1
            values: dict[str, Any] = {"failed_logins": n}
            if n >= MAX_FAILED_LOGINS:
                values["locked_until"] = _iso(datetime.now(UTC) + LOCKOUT)
                values["failed_logins"] = 0
            conn.execute(update(users).where(users.c.username == username).values(**values))

    # -- sessions --------------------------------------------------------------------------

    def create_session(self, username: str, token_hash: str, csrf: str,
                       replaces: str | None = None) -> None:
        """A new session (and the one it replaces removed: rotation at sign-in)."""
        now = time.time()
        with self.st.write() as conn:
            if replaces:
                conn.execute(sa_delete(sessions).where(sessions.c.token_hash == replaces))
            conn.execute(sessions.insert().values(token_hash=token_hash, username=username,
                                                  csrf=csrf, created_at=now, last_seen=now))

    def session(self, token_hash: str) -> dict[str, Any] | None:
        """A session joined with its (enabled) user, or None."""
        q = select(sessions, users.c.role, users.c.disabled_at).join(
            users, users.c.username == sessions.c.username).where(
            sessions.c.token_hash == token_hash)
        with self.st.read() as conn:
            row = conn.execute(q).mappings().first()
        return dict(row) if row else None

    def touch_session(self, token_hash: str) -> None:
        """Restart the idle clock."""
        with self.st.write() as conn:
            conn.execute(update(sessions).where(sessions.c.token_hash == token_hash)
                         .values(last_seen=time.time()))

    def end_session(self, token_hash: str) -> None:
        """Sign out (or expire) one session."""
        with self.st.write() as conn:
            conn.execute(sa_delete(sessions).where(sessions.c.token_hash == token_hash))

    def purge_sessions(self, idle_seconds: float, max_age: float) -> int:
        """Remove expired sessions."""
        now = time.time()
        with self.st.write() as conn:
            return int(conn.execute(sa_delete(sessions).where(or_(
                sessions.c.last_seen < now - idle_seconds,
                sessions.c.created_at < now - max_age))).rowcount)

    # -- audit -----------------------------------------------------------------------------

    def audit(self, actor: str, action: str, target: str = "", **detail: Any) -> None:
        """Append to the hash-chained audit log."""
        with self.st.write() as conn:
            self.audit_in(conn, actor, action, target, **detail)

    def audit_in(self, conn: Connection, actor: str, action: str, target: str = "",
                 **detail: Any) -> None:
        """Append to the audit log inside the caller's transaction."""
        if not self.st.is_sqlite:  # one chain: writers take turns (readers are not blocked)
            conn.execute(text("LOCK TABLE console_audit IN EXCLUSIVE MODE"))
        prev = conn.execute(select(audit.c.hash).order_by(audit.c.id.desc()).limit(1)
                            ).scalar() or GENESIS
        at = now_iso()
        target = target[:80]  # hashed as stored
        body = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
        digest = audit_digest(prev, at, actor, action, target, body)
        conn.execute(audit.insert().values(at=at, actor=actor, action=action,
                                           target=target, detail_json=body,
                                           prev_hash=prev, hash=digest))

    def audit_entries(self, *, target: str | None = None, action: str | None = None,
                      limit: int = 200, before_id: int | None = None) -> list[dict[str, Any]]:
        """Audit entries, newest first."""
        q = select(audit).order_by(audit.c.id.desc()).limit(limit)
        if target:
            q = q.where(audit.c.target == target)
        if action:
            q = q.where(audit.c.action == action)
        if before_id:
            q = q.where(audit.c.id < before_id)
        with self.st.read() as conn:
            out = []
            for r in conn.execute(q).mappings():
                d = dict(r)
                d["detail"] = json.loads(d.pop("detail_json"))
                out.append(d)
        return out

    def verify_audit(self) -> int | None:
        """The id of the first entry whose chain does not hold, or None when intact (the
        whole log, and the console's checkpoint still in it; writes nothing)."""
        with self.st.read() as conn:
            return verify_audit_chain(conn).first_broken_entry

    def check_audit(self, *, full: bool = False, actor: str = "system") -> AuditCheck:
        """The audit page's check: incremental from the stored checkpoint.

        The checkpoint (``console_state`` key ``audit_checkpoint``) is the last entry found
        intact, with its hash. When that entry still holds (same hash, and its hash still
        matches its content), only the entries after it are checked, chained from its hash;
        otherwise — or with ``full`` — the whole log is. An intact result moves the
        checkpoint forward (never back: concurrent page loads race harmlessly). Entries
        appended while checking are simply checked next time (a reader sees a prefix of the
        chain: appends take turns and commit in id order).

        When the whole chain holds but the checkpoint entry is gone or different (the end
        of the log was cut off, or the log was restored from an older backup or rewritten
        with fresh hashes), the finding is returned, written to the audit log itself
        (``audit.checkpoint_lost``) and the checkpoint restarts from the current end.
        """
        with self.st.read() as conn:
            raw = self._get_state(conn, AUDIT_CHECKPOINT)
            cp = _parse_checkpoint(raw)
            if cp is not None and not full and _checkpoint_holds(conn, cp):
                res = _walk_audit(conn, after_id=cp[0], prev=cp[1])
            else:
                res = verify_audit_chain(conn, raw)
            full_at = self._get_state(conn, AUDIT_FULL_AT)
        if res.ok and res.last_id is not None:
            if res.checked or res.full:
                full_at = self._advance_checkpoint(res) or full_at
        elif res.problem == "checkpoint_mismatch":
            self._reanchor(raw, res, actor)
        res.full_verified_at = full_at
        return res

    def _advance_checkpoint(self, res: AuditCheck) -> str | None:
        assert res.last_id is not None
        value = _checkpoint_value(res.last_id, res.last_hash)
        ins = self.st._insert(state).values(key=AUDIT_CHECKPOINT, value=value)
        now = now_iso() if res.full else None
        with self.st.write() as conn:
            conn.execute(ins.on_conflict_do_update(
                index_elements=["key"], set_={"value": ins.excluded.value},
                where=state.c.value < ins.excluded.value))  # ids are zero-padded: forward only
            if now:
                self._set_state(conn, AUDIT_FULL_AT, now)
        return now

    def _reanchor(self, seen: str | None, res: AuditCheck, actor: str) -> None:
        """Record a lost checkpoint once (concurrent page loads: the first one does) and
        restart the checkpoint at the end of the chain just verified."""
        with self.st.write() as conn:
            if not self.st.is_sqlite:  # the same turn-taking as audit_in, before re-reading
                conn.execute(text("LOCK TABLE console_audit IN EXCLUSIVE MODE"))
            if self._get_state(conn, AUDIT_CHECKPOINT) != seen:
                return
            lost = _parse_checkpoint(seen)
            self.audit_in(conn, actor, "audit.checkpoint_lost", str(res.first_broken_entry),
                          cause=res.cause, checkpoint_hash=lost[1] if lost else "",
                          last_id=res.last_id, last_hash=res.last_hash)
            if res.last_id is None:
                conn.execute(sa_delete(state).where(state.c.key == AUDIT_CHECKPOINT))
            else:
                self._set_state(conn, AUDIT_CHECKPOINT,
                                _checkpoint_value(res.last_id, res.last_hash))

    # -- the read model --------------------------------------------------------------------

    def refresh(self, limit: int = 20_000, *, max_age: float = 0.0) -> int:
        """Bring ``console_cases`` and the callback queue up to date; returns rows changed.

        Reads source rows changed since the stored watermark (minus a margin for slow
        transactions), so it is cheap when nothing changed. At most ``limit`` case rows per
        call: call again while it returns ``limit``. With ``max_age``, a refresh this process
        made less than ``max_age`` seconds ago is good enough (page views pass 1 s; after an
        action the console refreshes unconditionally).
        """
        now = time.monotonic()
        if max_age and now - self._refreshed_at < max_age:
            return 0
        self._refreshed_at = now
        n = self._refresh_cases(limit)
        self._refresh_callbacks()
        return n

    def _refresh_cases(self, limit: int) -> int:
        with self.st.read() as conn:
            wm = self._get_state(conn, "cases_wm") or ""
            since = _iso(datetime.fromisoformat(wm) - REFRESH_MARGIN) if wm else ""
            # the payload is joined only when the revision is new (status-only changes skip it)
            rev = case_revisions.c
            q = (select(cases, ccases.c.revision.label("have_rev"), rev.payload_json)
                 .select_from(cases.outerjoin(ccases, ccases.c.uuid == cases.c.uuid)
                              .outerjoin(case_revisions, and_(
                                  rev.case_uuid == cases.c.uuid,
                                  rev.revision == cases.c.revision,
                                  or_(ccases.c.revision.is_(None),
                                      ccases.c.revision != cases.c.revision))))
                 .where(cases.c.updated_at >= since)
                 .where(or_(ccases.c.uuid.is_(None),
                            ccases.c.src_updated_at != cases.c.updated_at))
                 .order_by(cases.c.updated_at, cases.c.uuid).limit(limit))
            rows = [dict(r) for r in conn.execute(q).mappings()]
            if not rows:
                return 0
        payloads = {r["uuid"]: json.loads(r["payload_json"]) for r in rows
                    if r["payload_json"] is not None}
        full, status_only = [], []
        for r in rows:
            dept = r["district_department"] or r["department"]
            common = {"uuid": r["uuid"], "src_updated_at": r["updated_at"],
                      "district_status": r["district_status"],
                      "district_note": r["district_note"] or "", "department": dept}
            if r["uuid"] not in payloads:
                status_only.append(common)
                continue
            p = payloads[r["uuid"]]
            f = _fields_of(p)
            idn = str(f.get("applicant_id") or "")
            phone = str(f.get("applicant_phone") or "")
            full.append(dict(
                common, revision=r["revision"], receipt_no=r["receipt_no"],
                item_code=r["item_code"], item_name=r["item_name"], desk_id=r["desk_id"],
                desk_code=r["desk_code"], worker=str(p.get("worker") or "")[:100],
                applicant_name=r["applicant_name"], id_masked=mask_id(idn) if idn else "",
                phone_masked=mask_phone(phone) if phone else "",
                id_hash=search_hash("id", idn), phone_hash=search_hash("phone", phone),
                accepted_date=str(p.get("accepted_date") or r["desk_created_at"][:10]),
                promised_date=p.get("promised_date") or None, received_at=r["received_at"]))
        with self.st.write() as conn:
            if full:
                self._upsert_read_model(conn, full)
            if status_only:
                conn.execute(update(ccases).where(ccases.c.uuid == bindparam("k_uuid")).values(
                    {k: bindparam(k) for k in status_only[0] if k != "uuid"}),
                    [dict(r, k_uuid=r["uuid"]) for r in status_only])
            newest = max(r["updated_at"] for r in rows)
            if newest > (self._get_state(conn, "cases_wm") or ""):
                self._set_state(conn, "cases_wm", newest)
        return len(rows)

    def _upsert_read_model(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        cols = list(rows[0])
        if self.st.is_sqlite or len(rows) < 500:
            ins = self.st._insert(ccases)
            conn.execute(ins.on_conflict_do_update(
                index_elements=["uuid"], set_={c: ins.excluded[c] for c in cols if c != "uuid"}),
                rows)
            return
        # PostgreSQL, many rows (the first build over an existing district): COPY into a
        # temporary table, then one INSERT ... ON CONFLICT — ~10x faster than row by row.
        names = ", ".join(cols)
        conn.exec_driver_sql("CREATE TEMP TABLE console_cases_in (LIKE console_cases) "
                             "ON COMMIT DROP")
        raw: Any = conn.connection.dbapi_connection  # psycopg's, for COPY
        with raw.cursor() as cur, cur.copy(f"COPY console_cases_in ({names}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row([r[c] for c in cols])
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols if c != "uuid")
        conn.exec_driver_sql(f"INSERT INTO console_cases ({names}) SELECT {names} FROM "
                             f"console_cases_in ON CONFLICT (uuid) DO UPDATE SET {sets}")
        conn.exec_driver_sql("DROP TABLE console_cases_in")

    def _refresh_callbacks(self) -> None:
        with self.st.read() as conn:
            wm = self._get_state(conn, "ratings_wm") or ""
            since = _iso(datetime.fromisoformat(wm) - REFRESH_MARGIN) if wm else ""
            rows = [dict(r) for r in conn.execute(
                select(ratings.c.case_uuid, ratings.c.level, ratings.c.reason,
                       ratings.c.rated_at, ratings.c.received_at, ratings.c.desk_id)
                .select_from(ratings.outerjoin(callbacks,
                                               callbacks.c.case_uuid == ratings.c.case_uuid))
                .where(ratings.c.received_at >= since, ratings.c.level <= 2,
                       callbacks.c.case_uuid.is_(None))).mappings()]
            newest = conn.execute(select(func.max(ratings.c.received_at))).scalar()
        if not rows and (not newest or newest <= wm):
            return
        with self.st.write() as conn:
            if rows:
                for r in rows:
                    r["due_date"] = add_working_days(local_date(r["received_at"]),
                                                     CALLBACK_WORKDAYS).day.isoformat()
                    r["state"] = "open"
                conn.execute(self.st._insert(callbacks).on_conflict_do_nothing(), rows)
            if newest and newest > wm:
                self._set_state(conn, "ratings_wm", newest)

    # -- cases -----------------------------------------------------------------------------

    def _where(self, f: CaseFilter, today: date | None = None) -> list[Any]:
        today = today or local_today()
        w: list[Any] = []
        if f.status:
            w.append(ccases.c.district_status.in_(OPEN_STATUSES) if f.status == "open"
                     else ccases.c.district_status == f.status)
        if f.item:
            w.append(ccases.c.item_code == f.item)
        if f.department:
            w.append(ccases.c.department == f.department)
        if f.desk:
            w.append(ccases.c.desk_id == f.desk)
        if f.date_from:
            w.append(ccases.c.accepted_date >= f.date_from)
        if f.date_to:
            w.append(ccases.c.accepted_date <= f.date_to)
        if f.overdue:
            w.append(ccases.c.district_status.in_(OPEN_STATUSES))
            if f.overdue == "near":
                w.append(ccases.c.promised_date.between(
                    today.isoformat(), (today + timedelta(days=NEAR_DUE_DAYS)).isoformat()))
            else:
                w.append(ccases.c.promised_date < today.isoformat())
        q = f.q.strip()
        if q:
            digits = "".join(ch for ch in q.upper() if ch.isalnum())
            if len(digits) in (15, 18) and digits[:-1].isdigit():
                w.append(ccases.c.id_hash == search_hash("id", digits))
            elif len(digits) == 11 and digits.isdigit():
                w.append(ccases.c.phone_hash == search_hash("phone", digits))
            elif len(q) == 36 and q.count("-") == 4:
                w.append(ccases.c.uuid == q.lower())
            elif "-" in q and any(ch.isdigit() for ch in q):
                w.append(and_(ccases.c.receipt_no >= q.upper(),
                              ccases.c.receipt_no < q.upper() + "\uffff"))
            else:
                w.append(and_(ccases.c.applicant_name >= q,
                              ccases.c.applicant_name < q + "\uffff"))
        return w

    def list_cases(self, f: CaseFilter, page: int = 1, per_page: int = 50) -> Page:
        """A page of the filtered case list, newest received first, with a capped count."""
        page = max(1, page)
        where = self._where(f)
        q = (select(ccases).where(*where)
             .order_by(ccases.c.received_at.desc(), ccases.c.uuid.desc())
             .limit(per_page).offset((page - 1) * per_page))
        with self.st.read() as conn:
            rows = [dict(r) for r in conn.execute(q).mappings()]
            # Broad filters: count in list order, walking the same index from the newest end
            # (an unordered LIMIT lets PostgreSQL start a seq scan anywhere in the table,
            # often among old rows). A search has its own selective index: leave it free.
            capped = select(ccases.c.uuid).where(*where)
            if not f.q.strip():
                capped = capped.order_by(ccases.c.received_at.desc(), ccases.c.uuid.desc())
            sub = capped.limit(COUNT_CAP + 1).subquery()
            total = int(conn.execute(select(func.count()).select_from(sub)).scalar_one())
        return Page(rows, min(total, COUNT_CAP), total > COUNT_CAP, page, per_page)

    def iter_cases(self, f: CaseFilter, chunk: int = 2000) -> Iterator[list[dict[str, Any]]]:
        """Every case matching ``f`` in chunks (keyset pagination: constant memory)."""
        where = self._where(f)
        last: tuple[str, str] | None = None
        while True:
            q = select(ccases).where(*where)
            if last is not None:
                q = q.where(tuple_(ccases.c.received_at, ccases.c.uuid) < tuple_(*last))
            q = q.order_by(ccases.c.received_at.desc(), ccases.c.uuid.desc()).limit(chunk)
            with self.st.read() as conn:
                rows = [dict(r) for r in conn.execute(q).mappings()]
            if not rows:
                return
            yield rows
            if len(rows) < chunk:
                return
            last = (rows[-1]["received_at"], rows[-1]["uuid"])

    def count_cases(self, f: CaseFilter) -> int:
        """Exact count of the filtered list (exports)."""
        with self.st.read() as conn:
            return int(conn.execute(select(func.count()).select_from(ccases)
                                    .where(*self._where(f))).scalar_one())

    def case_summary(self, uuids: Sequence[str]) -> list[dict[str, Any]]:
        """Read-model rows for these cases."""
        with self.st.read() as conn:
            return [dict(r) for r in conn.execute(select(ccases).where(
                ccases.c.uuid.in_(list(uuids)))).mappings()]

    def desk_choices(self) -> list[tuple[str, str]]:
        """(desk id, "code name") of every desk, for the desk filter."""
        with self.st.read() as conn:
            rows = conn.execute(select(desks.c.desk_id, desks.c.desk_code, desks.c.name)
                                .order_by(desks.c.desk_code)).all()
        return [(d, f"{c} {n}") for d, c, n in rows]

    # -- dashboard -------------------------------------------------------------------------

    def dashboard(self, today: date | None = None) -> dict[str, Any]:
        """Everything the dashboard draws, from a handful of indexed queries."""
        today = today or local_today()
        week_start = today - timedelta(days=today.weekday())
        t, ws = today.isoformat(), week_start.isoformat()
        c = ccases.c
        out: dict[str, Any] = {"today": t, "week_start": ws}
        with self.st.read() as conn:
            rows = conn.execute(
                select(c.item_code, c.desk_id, c.worker, func.count(),
                       func.sum(case((c.accepted_date == t, 1), else_=0)))
                .where(c.accepted_date >= ws, c.accepted_date <= t)
                .group_by(c.item_code, c.desk_id, c.worker)).all()
            desk_codes = dict(conn.execute(select(desks.c.desk_id, desks.c.desk_code)).all())
            names = {it.code: it.name for it in load_catalog().items}
            by_item: dict[tuple[str, str], list[int]] = {}
            by_desk: dict[tuple[str, str], list[int]] = {}
            by_worker: dict[tuple[str, str], list[int]] = {}
            for item, desk, worker, week, today_n in rows:
                code = desk_codes.get(desk, desk)
                for bucket, key in ((by_item, (item, names.get(item, item))),
                                    (by_desk, (desk, code)), (by_worker, (code, worker))):
                    acc = bucket.setdefault(key, [0, 0])
                    acc[0] += int(week)
                    acc[1] += int(today_n or 0)
            out["by_item"] = [(*k, *v) for k, v in by_item.items()]
            out["by_desk"] = [(*k, *v) for k, v in by_desk.items()]
            out["by_worker"] = [(*k, *v) for k, v in by_worker.items()]
            out["backlog"] = dict(conn.execute(
                select(c.district_status, func.count()).where(
                    c.district_status.in_(OPEN_STATUSES)).group_by(c.district_status)).all())
            near_end = (today + timedelta(days=NEAR_DUE_DAYS)).isoformat()
            out["overdue"] = int(conn.execute(select(func.count()).where(
                c.district_status.in_(OPEN_STATUSES), c.promised_date < t)).scalar_one())
            out["near_due"] = int(conn.execute(select(func.count()).where(
                c.district_status.in_(OPEN_STATUSES),
                c.promised_date.between(t, near_end))).scalar_one())
            out["most_overdue"] = [dict(r) for r in conn.execute(
                select(c.uuid, c.receipt_no, c.item_name, c.desk_code, c.promised_date,
                       c.district_status).where(c.district_status.in_(OPEN_STATUSES),
                                                c.promised_date < near_end)
                .order_by(c.district_status, c.promised_date).limit(200)).mappings()]
            out["most_overdue"].sort(key=lambda r: r["promised_date"] or "")
            out["most_overdue"] = out["most_overdue"][:8]
            since = _iso(datetime.combine(today - timedelta(days=29), datetime.min.time(),
                                          LOCAL_TZ))
            out["ratings"] = dict(conn.execute(
                select(ratings.c.level, func.count()).where(ratings.c.received_at >= since)
                .group_by(ratings.c.level)).all())
            out["callbacks_open"] = int(conn.execute(select(func.count()).select_from(
                callbacks).where(callbacks.c.state == "open")).scalar_one())
            out["callbacks_late"] = int(conn.execute(select(func.count()).select_from(
                callbacks).where(callbacks.c.state == "open", callbacks.c.due_date < t)
            ).scalar_one())
        return out

    # -- batches ---------------------------------------------------------------------------

    def list_batches(self, page: int = 1, per_page: int = 50,
                     desk_id: str = "") -> Page:
        """Batches, newest first, with their per-record result counts."""
        q = (select(batches.c.batch_id, batches.c.desk_id, batches.c.record_count,
                    batches.c.received_at, batches.c.response_json, desks.c.desk_code,
                    desks.c.name.label("desk_name"))
             .select_from(batches.outerjoin(desks, desks.c.desk_id == batches.c.desk_id))
             .order_by(batches.c.received_at.desc(), batches.c.batch_id)
             .limit(per_page).offset((max(1, page) - 1) * per_page))
        cq = select(func.count()).select_from(batches)
        if desk_id:
            q = q.where(batches.c.desk_id == desk_id)
            cq = cq.where(batches.c.desk_id == desk_id)
        with self.st.read() as conn:
            rows = [dict(r) for r in conn.execute(q).mappings()]
            total = int(conn.execute(cq).scalar_one())
        for r in rows:
            counts = dict.fromkeys(P.RECORD_RESULTS, 0)
            for res in json.loads(r.pop("response_json") or "{}").get("results", []):
                counts[res.get("result", "rejected")] = counts.get(res.get("result"), 0) + 1
            r["counts"] = counts
        return Page(rows, total, False, max(1, page), per_page)

    def batch(self, batch_id: str) -> dict[str, Any] | None:
        """A batch with its per-record results (and each case's current summary)."""
        with self.st.read() as conn:
            row = conn.execute(
                select(batches, desks.c.desk_code, desks.c.name.label("desk_name"))
                .select_from(batches.outerjoin(desks, desks.c.desk_id == batches.c.desk_id))
                .where(batches.c.batch_id == batch_id)).mappings().first()
            if row is None:
                return None
            out = dict(row)
            results = json.loads(out.pop("response_json") or "{}").get("results", [])
            uuids = sorted({r["case_uuid"] for r in results if r.get("case_uuid")})
            known = {r["uuid"]: dict(r) for r in conn.execute(
                select(cases.c.uuid, cases.c.receipt_no, cases.c.item_name,
                       cases.c.applicant_name, cases.c.district_status)
                .where(cases.c.uuid.in_(uuids))).mappings()} if uuids else {}
            # the answer does not say a record's kind: a revision stored from this batch is
            # the case record; a rating received with this batch is the rating record
            revs = {(u, v) for u, v in conn.execute(
                select(case_revisions.c.case_uuid, case_revisions.c.revision).where(
                    case_revisions.c.case_uuid.in_(uuids),
                    case_revisions.c.batch_id == batch_id))} if uuids else set()
            rated = {u for (u,) in conn.execute(select(ratings.c.case_uuid).where(
                ratings.c.case_uuid.in_(uuids),
                ratings.c.received_at == out["received_at"]))} if uuids else set()
        for r in results:
            r["case"] = known.get(r.get("case_uuid") or "")
            key = (r.get("case_uuid"), r.get("revision"))
            if key in revs:
                r["kind"] = "案件"
                revs.discard(key)
            elif r.get("case_uuid") in rated and r["result"] == "accepted":
                r["kind"] = "评价"
            else:
                r["kind"] = ""
        out["results"] = results
        return out

    # -- desks and catalogs ----------------------------------------------------------------

    def desks_overview(self) -> list[dict[str, Any]]:
        """Desks with last seen, case counts and open (pending) counts."""
        cols = [c for c in desks.c if c.name != "secret"]
        with self.st.read() as conn:
            rows = [dict(r) for r in conn.execute(select(*cols).order_by(
                desks.c.revoked_at.is_not(None), desks.c.desk_code)).mappings()]
            pending: dict[str, int] = {}
            corr: dict[str, int] = {}
            for desk, status, n in conn.execute(  # index-only on (status, desk_id)
                    select(ccases.c.desk_id, ccases.c.district_status, func.count()).where(
                        ccases.c.district_status.in_(OPEN_STATUSES))
                    .group_by(ccases.c.desk_id, ccases.c.district_status)):
                pending[desk] = pending.get(desk, 0) + int(n)
                if status == "needs_correction":
                    corr[desk] = int(n)
            # newest case received per desk: one index probe each on (desk_id, received_at)
            newest = (select(func.max(ccases.c.received_at))
                      .where(ccases.c.desk_id == desks.c.desk_id).scalar_subquery())
            last_batch = dict(conn.execute(select(desks.c.desk_id, newest)).all())
            pins = {r.desk_id: r for r in conn.execute(select(
                desk_keys.c.desk_id, desk_keys.c.locked_at, desk_keys.c.failures,
                desk_keys.c.last_unlock_at))}
        for r in rows:
            pin = pins.get(r["desk_id"])
            # PIN quick unlock (sync.district.keyshares): none, set, or locked after 5 wrong
            r["pin"] = None if pin is None else ("locked" if pin.locked_at else "set")
            r["pin_failures"] = int(pin.failures) if pin is not None else 0
            r["pin_last_unlock"] = pin.last_unlock_at if pin is not None else None
            r["pending"] = int(pending.get(r["desk_id"], 0))
            r["corrections"] = int(corr.get(r["desk_id"], 0))
            r["last_batch_at"] = last_batch.get(r["desk_id"])
            # last_seen_at is written at most every 30 s by storage.py; a batch is contact too
            r["last_contact"] = max(filter(None, (r["last_seen_at"], r["last_batch_at"])),
                                    default=None)
        return rows

    def catalog_versions(self) -> list[dict[str, Any]]:
        """Published catalog versions, newest first (without bodies)."""
        with self.st.read() as conn:
            return [dict(r) for r in conn.execute(select(
                catalogs.c.version, catalogs.c.published_at, catalogs.c.actor,
                catalogs.c.content_hash).order_by(catalogs.c.published_at.desc())).mappings()]

    def catalog_body(self, version: str) -> dict[str, Any] | None:
        """A published catalog's JSON body, or None."""
        with self.st.read() as conn:
            body = conn.execute(select(catalogs.c.body_json).where(
                catalogs.c.version == version)).scalar()
        return json.loads(body) if body else None

    # -- callbacks -------------------------------------------------------------------------

    def list_callbacks(self, state_: str = "open", page: int = 1,
                       per_page: int = 50) -> Page:
        """差评 callback tasks, the most urgent first."""
        where = [callbacks.c.state == state_] if state_ else []
        q = (select(callbacks, ccases.c.receipt_no, ccases.c.item_name,
                    ccases.c.applicant_name, ccases.c.phone_masked, ccases.c.desk_code,
                    ccases.c.worker)
             .select_from(callbacks.outerjoin(ccases, ccases.c.uuid == callbacks.c.case_uuid))
             .where(*where)
             .order_by(callbacks.c.due_date if state_ == "open"
                       else callbacks.c.handled_at.desc(), callbacks.c.case_uuid)
             .limit(per_page).offset((max(1, page) - 1) * per_page))
        with self.st.read() as conn:
            rows = [dict(r) for r in conn.execute(q).mappings()]
            total = int(conn.execute(select(func.count()).select_from(callbacks)
                                     .where(*where)).scalar_one())
        return Page(rows, total, False, max(1, page), per_page)

    def callback(self, case_uuid: str) -> dict[str, Any] | None:
        """One callback task, or None."""
        with self.st.read() as conn:
            row = conn.execute(select(callbacks).where(callbacks.c.case_uuid == case_uuid)
                               ).mappings().first()
        return dict(row) if row else None

    def close_callback(self, case_uuid: str, outcome: str, note: str, actor: str) -> None:
        """Record the callback's outcome and note (the task is then done), audited."""
        if not outcome.strip():
            raise Refused("请选择回访结果")
        if not note.strip():
            raise Refused("请填写回访情况说明")
        with self.st.write() as conn:
            done = conn.execute(update(callbacks).where(
                callbacks.c.case_uuid == case_uuid, callbacks.c.state == "open").values(
                state="done", outcome=outcome.strip()[:40], note=note.strip()[:2000],
                handled_by=actor, handled_at=now_iso()))
            if done.rowcount != 1:
                raise Refused("该回访任务不存在或已办结")
            self.audit_in(conn, actor, "callback.close", case_uuid, outcome=outcome.strip(),
                          note=note.strip())

    # -- bench / tests ---------------------------------------------------------------------

    def expire_session_for_test(self, token_hash: str, seconds_ago: float) -> None:
        """Move a session's idle clock back (tests of the idle timeout, without sleeping)."""
        with self.st.write() as conn:
            conn.execute(update(sessions).where(sessions.c.token_hash == token_hash)
                         .values(last_seen=time.time() - seconds_ago))
