"""The desk's local store: the only module that talks to the desk's SQLite database.

Promises kept here:
- WAL journal with ``synchronous=FULL``: a case the worker saw as saved survives a power cut.
- A case, its outbox entry and its audit entry are written in one transaction.
- Receipt numbers come from a per-day sequence updated in that same transaction.
- Known database failures (disk full, locked, corrupt) become :class:`StoreError` with a
  message for the worker; nothing is half-saved.

One connection is shared behind a lock (``check_same_thread=False``), so the UI's single
background helper and the command line use the same code path.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk.core import dbapi
from desk.core.dbapi import DB_ERRORS, INTEGRITY_ERRORS
from desk.core.errors import StoreError, ValidationFailed, translate_sqlite
from forms.engine import Problem

if TYPE_CHECKING:
    import sqlite_utils
    from sqlite_utils.migrations import Migrations

MIGRATION_SET = "doorstep-desk"
# Migrations are applied with sqlite-utils (each in a transaction with its record). Its
# import costs ~0.3 s, so a store that is already current is opened without it.
_MIGRATIONS: list[Any] = []


def migration(fn: Any) -> Any:
    """Register a schema migration (applied in the order registered)."""
    _MIGRATIONS.append(fn)
    return fn


def migrations() -> Migrations:
    """The sqlite-utils migration set, built on demand."""
    from sqlite_utils.migrations import Migrations

    m = Migrations(MIGRATION_SET)
    for fn in _MIGRATIONS:
        m()(fn)
    return m


def _apply_migrations(conn: Any) -> None:
    """Apply pending migrations; cheap when the store is current."""
    has_table = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                             "name = '_sqlite_migrations'").fetchone()
    if has_table:
        applied = {r[0] for r in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET])}
        if {fn.__name__ for fn in _MIGRATIONS} <= applied:
            return
    import sys

    # sqlite-utils imports numpy and pandas eagerly when installed (~0.7 s, ~28 MB) only to
    # convert their types, which the desk never stores: import it with both hidden.
    hidden = [m for m in ("numpy", "pandas") if m not in sys.modules]
    for m in hidden:
        sys.modules[m] = None  # type: ignore[assignment]
    try:
        import sqlite_utils
    finally:
        for m in hidden:
            sys.modules.pop(m, None)
    migrations().apply(sqlite_utils.Database(conn))

CASE_COLUMNS = (
    "uuid", "receipt_no", "item_code", "item_name", "department", "catalog_version",
    "status", "sync_state", "revision", "priority", "applicant_name", "created_at",
    "updated_at", "accepted_date", "promised_date", "promised_exact", "desk_code", "worker",
    "data_json", "materials_json", "district_status", "district_note", "district_department",
    "district_updated_at", "district_received_at", "sync_error",
)


@migration
def m001_initial(db: sqlite_utils.Database) -> None:
    """Cases, search index, outbox, audit, ratings, receipt sequence, meta."""
    db.execute("""
        CREATE TABLE cases (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            receipt_no TEXT NOT NULL UNIQUE,
            item_code TEXT NOT NULL,
            item_name TEXT NOT NULL,
            department TEXT NOT NULL,
            catalog_version TEXT NOT NULL,
            status TEXT NOT NULL,
            sync_state TEXT NOT NULL DEFAULT 'pending',
            revision INTEGER NOT NULL DEFAULT 1,
            priority INTEGER NOT NULL DEFAULT 0,
            applicant_name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            accepted_date TEXT NOT NULL,
            promised_date TEXT,
            promised_exact INTEGER NOT NULL DEFAULT 1,
            desk_code TEXT NOT NULL,
            worker TEXT NOT NULL,
            data_json TEXT NOT NULL,
            materials_json TEXT NOT NULL,
            district_status TEXT,
            district_note TEXT,
            district_department TEXT,
            district_updated_at TEXT,
            district_received_at TEXT,
            sync_error TEXT
        )""")
    db.execute("CREATE INDEX cases_created ON cases(created_at)")
    db.execute("CREATE INDEX cases_status ON cases(status, created_at)")
    db.execute("CREATE INDEX cases_item ON cases(item_code, created_at)")
    db.execute("CREATE INDEX cases_sync ON cases(sync_state)")
    # A narrow table for search, so a scan for a 1-2 character name touches few pages.
    db.execute("""
        CREATE TABLE case_index (
            case_id INTEGER PRIMARY KEY REFERENCES cases(id),
            names TEXT NOT NULL,
            initials TEXT NOT NULL,
            id_rev TEXT NOT NULL,
            phone_rev TEXT NOT NULL,
            receipt_no TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX case_index_initials ON case_index(initials)")
    db.execute("CREATE INDEX case_index_id_rev ON case_index(id_rev)")
    db.execute("CREATE INDEX case_index_phone_rev ON case_index(phone_rev)")
    db.execute("""
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            case_uuid TEXT NOT NULL,
            revision INTEGER NOT NULL,
            payload_json TEXT NOT NULL,
            created_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            batch_id TEXT,
            last_error TEXT,
            done_at TEXT,
            UNIQUE (kind, case_uuid, revision)
        )""")
    db.execute("CREATE INDEX outbox_state ON outbox(state, id)")
    db.execute("""
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            case_uuid TEXT,
            detail_json TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX audit_case ON audit(case_uuid, id)")
    db.execute("""
        CREATE TABLE ratings (
            case_uuid TEXT PRIMARY KEY REFERENCES cases(uuid),
            level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
            reason TEXT NOT NULL DEFAULT '',
            rated_at TEXT NOT NULL
        )""")
    db.execute("""
        CREATE TABLE receipt_seq (
            desk_code TEXT NOT NULL,
            day TEXT NOT NULL,
            last INTEGER NOT NULL,
            PRIMARY KEY (desk_code, day)
        )""")
    db.execute("""
        CREATE TABLE district_events (
            seq INTEGER PRIMARY KEY,
            case_uuid TEXT,
            kind TEXT NOT NULL,
            body_json TEXT NOT NULL,
            at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX district_events_case ON district_events(case_uuid, seq)")
    db.execute("""
        CREATE TABLE catalogs (
            version TEXT PRIMARY KEY,
            body_json TEXT NOT NULL,
            received_at TEXT NOT NULL
        )""")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


RATING_LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


def now_iso() -> str:
    """The desk clock, as an ISO timestamp with offset."""
    return datetime.now(UTC).astimezone().isoformat(timespec="milliseconds")


def name_initials(name: str) -> str:
    """Pinyin initials of a name: 张三 → zs (letters in a name are kept, lower-cased)."""
    from pypinyin import Style, lazy_pinyin  # imported on first save, not at start-up

    return "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p and p[0].isalnum()).lower()


def _digits_rev(s: str) -> str:
    return s[::-1].upper()


class Store:
    """The desk's SQLite database. Use :meth:`open`."""

    def __init__(self, conn: Any, path: Path | None, key: bytes | None = None) -> None:
        self.path = path
        self.key = key
        self._conn = conn
        self._lock = threading.RLock()

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, *, key: bytes | None = None,
             quick_check: bool = True) -> Store:
        """Open (creating and migrating) the store at ``path``; encrypted with ``key``
        (32 bytes, see :mod:`desk.core.keyring`) when given.

        ``quick_check=False`` skips the corruption check, which reads the whole file
        (~0.3 s at 100,000 cases); the window runs :meth:`quick_check` on its background
        helper right after it appears instead, before any save is processed.
        """
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = dbapi.connect(path, key, check_same_thread=False, isolation_level=None,
                                 timeout=5.0)
            store = cls(conn, path, key)
            store._configure(check=quick_check)
            with store._lock:
                _apply_migrations(conn)
        except DB_ERRORS as exc:
            known = translate_sqlite(exc)
            if known is not None:
                raise known from None
            raise
        return store

    @classmethod
    def memory(cls) -> Store:
        """An in-memory store (tests)."""
        conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        store = cls(conn, None)
        store._configure()
        _apply_migrations(conn)
        return store

    def _configure(self, check: bool = True) -> None:
        c = self._conn
        if self.path is not None:
            mode = c.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":  # pragma: no cover - e.g. network file systems
                raise StoreError("open", "数据库无法启用 WAL 日志模式，请将数据目录放在本地磁盘。")
        c.execute("PRAGMA synchronous=FULL")
        c.execute("PRAGMA foreign_keys=ON")
        c.execute("PRAGMA busy_timeout=5000")
        c.execute("PRAGMA cache_size=-8000")
        # deleted and overwritten content is zeroed, so purged personal data does not
        # linger in free pages
        c.execute("PRAGMA secure_delete=ON")
        # quick check: refuse to work on a corrupt file rather than make it worse
        if check and self.quick_check() != "ok":
            raise StoreError("corrupt", "数据库文件已损坏，请联系技术支持从备份恢复。")

    def quick_check(self) -> str:
        """``PRAGMA quick_check(1)``: ``ok``, or the first problem found."""
        with self._lock:
            c = self._conn
            size = int(c.execute("PRAGMA cache_size").fetchone()[0])
            # a scan of every page must not fill the 16 MB page cache with cold pages
            c.execute("PRAGMA cache_size=-1000")
            try:
                row = c.execute("PRAGMA quick_check(1)").fetchone()
            finally:
                c.execute(f"PRAGMA cache_size={size}")
        return str(row[0]) if row else "ok"

    def close(self) -> None:
        """Checkpoint and close."""
        with self._lock:
            try:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except DB_ERRORS:
                pass
            self._conn.close()

    # -- transactions --------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT), errors translated."""
        with self._lock:
            c = self._conn
            try:
                c.execute("BEGIN IMMEDIATE")
            except DB_ERRORS as exc:
                known = translate_sqlite(exc)
                if known is not None:
                    raise known from None
                raise
            try:
                yield c
                c.execute("COMMIT")
            except BaseException as exc:
                try:
                    c.execute("ROLLBACK")
                except DB_ERRORS:
                    pass
                if isinstance(exc, DB_ERRORS):
                    known = translate_sqlite(exc)
                    if known is not None:
                        raise known from None
                raise

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                cur = self._conn.execute(sql, params)
                cols = [d[0] for d in cur.description or []]
                return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]  # type: ignore[misc]
            except DB_ERRORS as exc:
                known = translate_sqlite(exc)
                if known is not None:
                    raise known from None
                raise

    # -- meta ----------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """A value from the meta table."""
        rows = self._read("SELECT value FROM meta WHERE key = ?", [key])
        return str(rows[0]["value"]) if rows else default

    def set_meta(self, key: str, value: str) -> None:
        """Set a meta value (own transaction)."""
        with self.transaction() as c:
            c.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])

    def meta_setdefault(self, key: str, value: str) -> str:
        """The meta value of ``key``, setting it to ``value`` first if absent — atomic
        across processes (INSERT OR IGNORE, then read, in one transaction)."""
        with self.transaction() as c:
            c.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", [key, value])
            return str(c.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()[0])

    # -- audit ---------------------------------------------------------------------------

    def _audit(self, c: sqlite3.Connection, actor: str, action: str, case_uuid: str | None,
               detail: dict[str, Any]) -> None:
        """Append a hash-chained audit entry inside the caller's transaction."""
        row = c.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        prev = row[0] if row else "0" * 64
        at = now_iso()
        body = json.dumps(detail, ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(
            "\x1f".join([prev, at, actor, action, case_uuid or "", body]).encode()
        ).hexdigest()
        c.execute("INSERT INTO audit(at, actor, action, case_uuid, detail_json, prev_hash, hash)"
                  " VALUES (?,?,?,?,?,?,?)", [at, actor, action, case_uuid, body, prev, digest])

    def record_reveal(self, case_uuid: str, actor: str, reason: str) -> None:
        """Audit that a worker chose to see a case's full ID numbers and phones, and why."""
        reason = reason.strip()
        if not reason:
            raise ValidationFailed([Problem("reason", "required", "请说明查看完整信息的原因")])
        with self.transaction() as c:
            if c.execute("SELECT 1 FROM cases WHERE uuid = ?", [case_uuid]).fetchone() is None:
                raise ValidationFailed([Problem("uuid", "not_found", "没有找到该案件")])
            self._audit(c, actor, "case.reveal", case_uuid, {"reason": reason[:100]})

    def verify_audit(self) -> int | None:
        """The id of the first audit entry whose chain is broken, or None when intact."""
        broken = self.audit_report()["first_broken_entry"]
        return None if broken is None else int(broken)

    def audit_report(self) -> dict[str, Any]:
        """Check the whole chain: ``ok``, ``checked`` (entries), ``first_broken_entry``
        (id or None) and, when broken, the ``entry`` (id, at, actor, action, case_uuid) and
        the ``problem``: ``hash_mismatch`` (this entry was edited) or ``prev_hash_mismatch``
        (the entry before it was deleted, or entries were reordered or inserted)."""
        prev = "0" * 64
        checked = 0
        for r in self._read("SELECT * FROM audit ORDER BY id"):
            digest = hashlib.sha256("\x1f".join(
                [prev, r["at"], r["actor"], r["action"], r["case_uuid"] or "",
                 r["detail_json"]]).encode()).hexdigest()
            if r["prev_hash"] != prev or r["hash"] != digest:
                problem = "prev_hash_mismatch" if r["prev_hash"] != prev else "hash_mismatch"
                return {"ok": False, "checked": checked, "first_broken_entry": int(r["id"]),
                        "problem": problem,
                        "entry": {k: r[k] for k in ("id", "at", "actor", "action",
                                                    "case_uuid")}}
            prev = r["hash"]
            checked += 1
        return {"ok": True, "checked": checked, "first_broken_entry": None, "last_hash": prev}

    # -- cases ---------------------------------------------------------------------------

    def _next_receipt_no(self, c: sqlite3.Connection, desk_code: str, day: str) -> str:
        c.execute("INSERT INTO receipt_seq(desk_code, day, last) VALUES (?, ?, 1) "
                  "ON CONFLICT(desk_code, day) DO UPDATE SET last = last + 1",
                  [desk_code, day])
        seq = c.execute("SELECT last FROM receipt_seq WHERE desk_code = ? AND day = ?",
                        [desk_code, day]).fetchone()[0]
        return f"{desk_code}-{day}-{seq:04d}"

    def save_new_case(self, case: dict[str, Any], search: dict[str, str],
                      actor: str) -> dict[str, Any]:
        """Insert a new case with its receipt number, outbox entry and audit entry.

        ``case`` holds every column but ``receipt_no``; ``search`` holds the applicant's
        (and proxy's) name, ID number and phone for the search index. Returns the case
        as stored (with ``receipt_no``).
        """
        day = case["accepted_date"].replace("-", "")
        with self.transaction() as c:
            case = dict(case, receipt_no=self._next_receipt_no(c, case["desk_code"], day))
            cols = [k for k in CASE_COLUMNS if k in case]
            cur = c.execute(
                f"INSERT INTO cases({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                [case[k] for k in cols])
            case_id = cur.lastrowid
            self._index(c, case_id, case["receipt_no"], search)
            self._enqueue(c, "case", case)
            self._audit(c, actor, "case.create", case["uuid"],
                        {"receipt_no": case["receipt_no"], "status": case["status"],
                         "item": case["item_code"], "revision": case["revision"]})
        return case

    def _index(self, c: sqlite3.Connection, case_id: int | None, receipt_no: str,
               search: dict[str, str]) -> None:
        names = " ".join(n for n in (search.get("name", ""), search.get("proxy_name", "")) if n)
        initials = name_initials(search.get("name", ""))
        c.execute("INSERT OR REPLACE INTO case_index(case_id, names, initials, id_rev, "
                  "phone_rev, receipt_no) VALUES (?,?,?,?,?,?)",
                  [case_id, names, initials, _digits_rev(search.get("id_number", "")),
                   _digits_rev(search.get("phone", "")), receipt_no])

    def _enqueue(self, c: sqlite3.Connection, kind: str, case: dict[str, Any]) -> None:
        payload = {k: case[k] for k in CASE_COLUMNS if k in case and not k.startswith("district_")
                   and k not in ("sync_state", "sync_error")}
        c.execute("INSERT INTO outbox(kind, case_uuid, revision, payload_json, created_at) "
                  "VALUES (?,?,?,?,?)",
                  [kind, case["uuid"], case["revision"],
                   json.dumps(payload, ensure_ascii=False, sort_keys=True), now_iso()])

    def update_case(self, uuid: str, changes: dict[str, Any], actor: str, action: str,
                    detail: dict[str, Any]) -> dict[str, Any]:
        """Change a case at the desk: new revision, outbox entry and audit in one transaction."""
        with self.transaction() as c:
            cur = c.execute("SELECT * FROM cases WHERE uuid = ?", [uuid])
            cols = [d[0] for d in cur.description]
            row = cur.fetchone()
            if row is None:
                from desk.core.errors import NotFound
                raise NotFound("not_found", f"没有找到案件 {uuid}")
            case = dict(zip(cols, row, strict=True))
            case.update(changes)
            case["revision"] = int(case["revision"]) + 1
            case["updated_at"] = now_iso()
            case["sync_state"] = "pending"
            sets = [k for k in changes if k in CASE_COLUMNS] + ["revision", "updated_at",
                                                                 "sync_state"]
            c.execute(f"UPDATE cases SET {', '.join(k + ' = ?' for k in sets)} WHERE uuid = ?",
                      [case[k] for k in sets] + [uuid])
            self._enqueue(c, "case", case)
            self._audit(c, actor, action, uuid, dict(detail, revision=case["revision"]))
        return case

    def get_case(self, uuid: str) -> dict[str, Any] | None:
        """One case with its rating, or None."""
        rows = self._read("SELECT c.*, r.level AS rating, r.reason AS rating_reason, "
                          "r.rated_at FROM cases c LEFT JOIN ratings r ON r.case_uuid = c.uuid "
                          "WHERE c.uuid = ?", [uuid])
        return dict(rows[0]) if rows else None

    def find_by_receipt(self, receipt_no: str) -> dict[str, Any] | None:
        """The case with a receipt number, or None."""
        rows = self._read("SELECT uuid FROM cases WHERE receipt_no = ?", [receipt_no])
        return self.get_case(rows[0]["uuid"]) if rows else None

    def _where(self, search: str | None, status: str | None, item: str | None,
               date_from: str | None, date_to: str | None,
               sync_state: str | None) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if status:
            clauses.append("c.status = ?")
            params.append(status)
        if sync_state:
            clauses.append("c.sync_state = ?")
            params.append(sync_state)
        if item:
            clauses.append("c.item_code = ?")
            params.append(item)
        if date_from:
            clauses.append("c.created_at >= ?")
            params.append(date_from)
        if date_to:
            clauses.append("c.created_at < date(?, '+1 day')")
            params.append(date_to)
        q = (search or "").strip()
        if q:
            sub, sub_params = self._search_clause(q)
            clauses.append(f"c.id IN ({sub})")
            params.extend(sub_params)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    @staticmethod
    def _search_clause(q: str) -> tuple[str, list[Any]]:
        """A sub-select of case ids for a free-text query.

        Digits: the end of an ID number or phone (an indexed prefix match on the reversed
        string), or a whole number. Latin letters: pinyin initials (indexed prefix).
        A receipt number: prefix or the daily sequence. Anything else: a substring of the
        applicant's or proxy's name (a scan of the narrow index table; works for 1–2
        character names, where FTS trigram indexes find nothing).
        """
        qu = q.upper().replace(" ", "")
        if re.fullmatch(r"\d{3,17}[\dX]?|\d{18}|\d{17}X", qu):
            rev = qu[::-1]
            return ("SELECT case_id FROM case_index WHERE id_rev GLOB ? UNION "
                    "SELECT case_id FROM case_index WHERE phone_rev GLOB ?",
                    [rev + "*", rev + "*"])
        if re.fullmatch(r"[A-Z]{2,4}-[A-Z0-9-]*", qu):
            return ("SELECT id FROM cases WHERE receipt_no GLOB ?", [qu + "*"])
        if re.fullmatch(r"[a-zA-Z]{1,10}", q):
            return ("SELECT case_id FROM case_index WHERE initials GLOB ?", [q.lower() + "*"])
        return ("SELECT case_id FROM case_index WHERE instr(names, ?) > 0", [q])

    def list_cases(self, *, search: str | None = None, status: str | None = None,
                   item: str | None = None, date_from: str | None = None,
                   date_to: str | None = None, sync_state: str | None = None,
                   limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Cases, newest first, filtered; each row without the full form data."""
        where, params = self._where(search, status, item, date_from, date_to, sync_state)
        return [dict(r) for r in self._read(
            "SELECT c.id, c.uuid, c.receipt_no, c.item_code, c.item_name, c.department, "
            "c.status, c.sync_state, c.priority, c.applicant_name, c.created_at, "
            "c.accepted_date, c.promised_date, c.district_status, c.revision, "
            "ci.id_rev, ci.phone_rev, r.level AS rating "
            f"FROM cases c JOIN case_index ci ON ci.case_id = c.id "
            f"LEFT JOIN ratings r ON r.case_uuid = c.uuid{where} "
            "ORDER BY c.created_at DESC, c.id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset])]

    def count_cases(self, *, search: str | None = None, status: str | None = None,
                    item: str | None = None, date_from: str | None = None,
                    date_to: str | None = None, sync_state: str | None = None) -> int:
        """How many cases match the filters."""
        where, params = self._where(search, status, item, date_from, date_to, sync_state)
        return int(self._read(f"SELECT count(*) AS n FROM cases c{where}", params)[0]["n"])

    def history(self, uuid: str) -> list[dict[str, Any]]:
        """The case's audit entries and district events, oldest first."""
        audit = self._read("SELECT at, actor, action, detail_json FROM audit "
                           "WHERE case_uuid = ? ORDER BY id", [uuid])
        events = self._read("SELECT at, kind, body_json FROM district_events "
                            "WHERE case_uuid = ? ORDER BY seq", [uuid])
        out = [{"at": a["at"], "actor": a["actor"], "action": a["action"],
                "detail": json.loads(a["detail_json"])} for a in audit]
        out += [{"at": e["at"], "actor": "district", "action": "district." + e["kind"],
                 "detail": json.loads(e["body_json"])} for e in events]
        return sorted(out, key=lambda e: str(e["at"]))

    # -- ratings -------------------------------------------------------------------------

    def save_rating(self, uuid: str, level: int, reason: str, actor: str) -> None:
        """Record the resident's rating; a second rating for a case is refused."""
        if level not in RATING_LEVELS:
            raise ValueError("rating level must be 1..5")
        with self.transaction() as c:
            try:
                c.execute("INSERT INTO ratings(case_uuid, level, reason, rated_at) "
                          "VALUES (?,?,?,?)", [uuid, level, reason, now_iso()])
            except INTEGRITY_ERRORS:
                exists = c.execute("SELECT 1 FROM ratings WHERE case_uuid = ?",
                                   [uuid]).fetchone()
                if exists:
                    raise StoreError("rated", "该案件已评价，评价不能修改。") from None
                raise StoreError("not_found", "没有找到该案件。") from None
            payload = {"uuid": uuid, "level": level, "reason": reason, "rated_at": now_iso()}
            c.execute("INSERT INTO outbox(kind, case_uuid, revision, payload_json, created_at)"
                      " VALUES ('rating', ?, 1, ?, ?)",
                      [uuid, json.dumps(payload, ensure_ascii=False), now_iso()])
            self._audit(c, "resident", "case.rate", uuid, {"level": level})

    # -- outbox (used by sync) ------------------------------------------------------------

    def pending_outbox(self, limit: int = 200, *, after: int = 0,
                       raw: bool = False) -> list[dict[str, Any]]:
        """Oldest pending outbox entries (with an id above ``after``), each with its payload
        decoded — or, with ``raw``, its ``payload_json`` text as stored (sync sends it as
        it is)."""
        rows = self._read("SELECT id, kind, case_uuid, revision, payload_json, attempts "
                          "FROM outbox WHERE state = 'pending' AND id > ? ORDER BY id LIMIT ?",
                          [after, limit])
        if not raw:
            for r in rows:
                r["payload"] = json.loads(r.pop("payload_json"))
        return rows

    def outbox_counts(self) -> dict[str, int]:
        """Outbox entries by state."""
        return {r["state"]: int(r["n"]) for r in
                self._read("SELECT state, count(*) AS n FROM outbox GROUP BY state")}

    def mark_outbox(self, results: Sequence[dict[str, Any]], batch_id: str) -> None:
        """Apply per-entry push results in one transaction.

        Each result: ``{"id": outbox id, "result": accepted|duplicate|conflict|rejected,
        "reason": str, "received_at": iso}``. Accepted and duplicate entries are done;
        conflicts and rejections are set aside with their reason, visible to the worker.
        A batch's results are applied with a few set-wise statements, not four per entry.
        """
        states = {"accepted": "sent", "duplicate": "sent", "conflict": "conflict",
                  "rejected": "rejected"}
        ids = [r["id"] for r in results]
        with self.transaction() as c:
            known: dict[int, tuple[str, str, int]] = {}
            for i in range(0, len(ids), 500):
                part = ids[i:i + 500]
                known.update((row[0], (row[1], row[2], row[3])) for row in c.execute(
                    "SELECT id, kind, case_uuid, revision FROM outbox WHERE id IN "
                    f"({', '.join('?' * len(part))})", part))
            done = now_iso()
            mine = [r for r in results if r["id"] in known]
            c.executemany("UPDATE outbox SET state = ?, batch_id = ?, last_error = ?, "
                          "done_at = ?, attempts = attempts + 1 WHERE id = ?",
                          [(states[r["result"]], batch_id, r.get("reason") or None, done,
                            r["id"]) for r in mine])
            case_uuids = sorted({known[r["id"]][1] for r in mine
                                 if known[r["id"]][0] == "case"})
            newest: dict[str, int] = {}
            for i in range(0, len(case_uuids), 500):
                part = case_uuids[i:i + 500]
                newest.update(c.execute(
                    "SELECT case_uuid, max(revision) FROM outbox WHERE kind = 'case' AND "
                    f"case_uuid IN ({', '.join('?' * len(part))}) GROUP BY case_uuid", part))
            # only the newest revision decides the case's sync state
            decide = [r for r in mine if known[r["id"]][0] == "case"
                      and known[r["id"]][2] == newest.get(known[r["id"]][1])]
            c.executemany("UPDATE cases SET sync_state = ?, sync_error = ?, "
                          "district_received_at = coalesce(?, district_received_at) "
                          "WHERE uuid = ?",
                          [("synced" if states[r["result"]] == "sent" else states[r["result"]],
                            r.get("reason") or None, r.get("received_at"),
                            known[r["id"]][1]) for r in decide])
            for r in decide:
                state = states[r["result"]]
                if state != "sent":
                    self._audit(c, "sync", f"sync.{state}", known[r["id"]][1],
                                {"revision": known[r["id"]][2], "reason": r.get("reason", "")})

    def note_outbox_attempt(self, ids: Sequence[int], error: str) -> None:
        """Count a failed attempt (network etc.) without changing state."""
        with self.transaction() as c:
            c.executemany("UPDATE outbox SET attempts = attempts + 1, last_error = ? "
                          "WHERE id = ?", [(error, i) for i in ids])

    def retry_set_aside(self, case_uuid: str) -> None:
        """Put a rejected/conflicting case back in the queue (after the worker fixed it)."""
        with self.transaction() as c:
            c.execute("UPDATE outbox SET state = 'pending' WHERE case_uuid = ? AND state IN "
                      "('rejected', 'conflict')", [case_uuid])
            c.execute("UPDATE cases SET sync_state = 'pending', sync_error = NULL "
                      "WHERE uuid = ?", [case_uuid])

    def set_aside(self) -> list[dict[str, Any]]:
        """Rejected and conflicting outbox entries with their reasons."""
        return self._read("SELECT o.id, o.kind, o.case_uuid, o.revision, o.state, "
                          "o.last_error, c.receipt_no, c.item_name, c.applicant_name "
                          "FROM outbox o LEFT JOIN cases c ON c.uuid = o.case_uuid "
                          "WHERE o.state IN ('rejected', 'conflict') ORDER BY o.id")

    # -- district changes (used by sync) ---------------------------------------------------

    def apply_changes(self, changes: Sequence[dict[str, Any]], cursor: str) -> int:
        """Apply pulled district changes and the new cursor in one transaction.

        Each change: ``{"seq": int, "kind": "status"|"catalog", "case_uuid": str|None,
        "status": str, "note": str, "department": str, "at": iso, "catalog": {...}}``.
        Changes already applied (same seq) are skipped. Returns how many were new.
        """
        applied = 0
        with self.transaction() as c:
            for ch in changes:
                exists = c.execute("SELECT 1 FROM district_events WHERE seq = ?",
                                   [ch["seq"]]).fetchone()
                if exists:
                    continue
                body = {k: v for k, v in ch.items() if k not in ("seq", "catalog")}
                c.execute("INSERT INTO district_events(seq, case_uuid, kind, body_json, at) "
                          "VALUES (?,?,?,?,?)",
                          [ch["seq"], ch.get("case_uuid"), ch["kind"],
                           json.dumps(body, ensure_ascii=False), ch.get("at") or now_iso()])
                if ch["kind"] == "status" and ch.get("case_uuid"):
                    c.execute("UPDATE cases SET district_status = ?, district_note = ?, "
                              "district_department = coalesce(?, district_department), "
                              "district_updated_at = ? WHERE uuid = ?",
                              [ch.get("status"), ch.get("note") or None,
                               ch.get("department") or None, ch.get("at"), ch["case_uuid"]])
                elif ch["kind"] == "catalog" and ch.get("catalog"):
                    cat = ch["catalog"]
                    c.execute("INSERT OR IGNORE INTO catalogs(version, body_json, received_at) "
                              "VALUES (?,?,?)",
                              [cat["version"], json.dumps(cat, ensure_ascii=False), now_iso()])
                applied += 1
            c.execute("INSERT INTO meta(key, value) VALUES ('sync_cursor', ?) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [cursor])
        return applied

    def latest_catalog(self) -> dict[str, Any] | None:
        """The newest catalog pulled from the district, or None."""
        rows = self._read("SELECT body_json FROM catalogs ORDER BY received_at DESC, "
                          "version DESC LIMIT 1")
        return json.loads(rows[0]["body_json"]) if rows else None

    def catalog_version(self, version: str) -> dict[str, Any] | None:
        """A stored catalog version, or None."""
        rows = self._read("SELECT body_json FROM catalogs WHERE version = ?", [version])
        return json.loads(rows[0]["body_json"]) if rows else None

    # -- backups and retention -------------------------------------------------------------

    def backup_to(self, dest: Path) -> None:
        """Copy the whole database to ``dest`` with SQLite's online backup API.

        The copy is consistent even while the desk keeps working; it is written to a
        temporary name and renamed, so a half-written backup never looks complete.
        """
        dest = Path(dest)
        tmp = dest.with_name(dest.name + ".part")
        tmp.unlink(missing_ok=True)
        with self._lock:
            # a backup of an encrypted store is encrypted with the same key
            target = dbapi.connect(tmp, self.key)
            try:
                self._conn.backup(target)
                target.execute("PRAGMA journal_mode=DELETE")
                ok = target.execute("PRAGMA quick_check").fetchone()[0]
            except DB_ERRORS as exc:
                target.close()
                tmp.unlink(missing_ok=True)
                known = translate_sqlite(exc)
                if known is not None:
                    raise known from None
                raise
            target.close()
        if ok != "ok":  # pragma: no cover - the source itself is damaged
            tmp.unlink(missing_ok=True)
            raise StoreError("corrupt", "备份校验失败，数据库可能已损坏，请联系技术支持。")
        tmp.replace(dest)

    @staticmethod
    def encrypt_copy(plain: Path, dest: Path, key: bytes) -> int:
        """Write an encrypted copy of the plain database ``plain`` to ``dest`` (SQLCipher's
        ``sqlcipher_export``); returns the number of cases copied."""
        if dbapi.cipher is None:  # pragma: no cover
            raise StoreError("open", "缺少 SQLCipher 组件，无法加密。")
        dest.unlink(missing_ok=True)
        conn = dbapi.cipher.connect(str(plain), isolation_level=None)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute(f"ATTACH DATABASE ? AS enc KEY \"x'{key.hex()}'\"", [str(dest)])
            conn.execute("SELECT sqlcipher_export('enc')")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute(f"PRAGMA enc.user_version = {int(version)}")
            n = int(conn.execute("SELECT count(*) FROM enc.cases").fetchone()[0])
            conn.execute("DETACH DATABASE enc")
        except DB_ERRORS as exc:
            dest.unlink(missing_ok=True)
            known = translate_sqlite(exc)
            if known is not None:
                raise known from None
            raise
        finally:
            conn.close()
        return n

    def purge_personal_data(self, before: str, actor: str) -> int:
        """Remove personal data of cases completed at the district and synced, whose
        district completion is older than ``before`` (ISO date).

        What stays is what the worker still needs: receipt number, item, dates and
        statuses. The applicant's name is reduced to its surname and a mask.
        Returns how many cases were purged.
        """
        with self.transaction() as c:
            rows = c.execute(
                "SELECT id, uuid, applicant_name FROM cases WHERE district_status = "
                "'completed' AND sync_state = 'synced' AND district_updated_at < ? "
                "AND data_json != '{\"purged\": true}'", [before]).fetchall()
            for case_id, uuid, name in rows:
                masked = (name[:1] + "*" * (len(name) - 1)) if name else ""
                c.execute("UPDATE cases SET applicant_name = ?, data_json = "
                          "'{\"purged\": true}', materials_json = '{\"received\": [], "
                          "\"missing\": [], \"purged\": true}' WHERE id = ?",
                          [masked, case_id])
                c.execute("UPDATE case_index SET names = '', initials = '', id_rev = '', "
                          "phone_rev = '' WHERE case_id = ?", [case_id])
                c.execute("UPDATE outbox SET payload_json = '{\"purged\": true}' "
                          "WHERE case_uuid = ? AND state != 'pending'", [uuid])
                self._audit(c, actor, "case.purge", uuid, {"reason": "retention"})
        if rows:
            with self._lock:
                # old page images live in the WAL until a checkpoint: fold them in now
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(rows)

    # -- housekeeping ----------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Counts for the status bar and the command line."""
        by_status = {r["status"]: int(r["n"]) for r in
                     self._read("SELECT status, count(*) AS n FROM cases GROUP BY status")}
        return {"cases": sum(by_status.values()), "by_status": by_status,
                "outbox": self.outbox_counts(), "last_sync": self.get_meta("last_sync")}

    def item_usage(self) -> dict[str, int]:
        """Cases per item code (for 'most used first')."""
        return {r["item_code"]: int(r["n"]) for r in
                self._read("SELECT item_code, count(*) AS n FROM cases GROUP BY item_code")}

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check`` result (``ok`` when fine)."""
        return str(self._read("PRAGMA integrity_check")[0]["integrity_check"])

    def bulk_insert_cases(self, rows: Sequence[tuple[dict[str, Any], dict[str, str]]],
                          actor: str) -> list[dict[str, Any]]:
        """Save many new cases in one transaction (demo data, imports)."""
        saved = []
        with self.transaction() as c:
            for case, search in rows:
                day = case["accepted_date"].replace("-", "")
                case = dict(case, receipt_no=self._next_receipt_no(c, case["desk_code"], day))
                cols = [k for k in CASE_COLUMNS if k in case]
                cur = c.execute(
                    f"INSERT INTO cases({', '.join(cols)}) VALUES "
                    f"({', '.join('?' * len(cols))})", [case[k] for k in cols])
                self._index(c, cur.lastrowid, case["receipt_no"], search)
                self._enqueue(c, "case", case)
                self._audit(c, actor, "case.create", case["uuid"],
                            {"receipt_no": case["receipt_no"], "status": case["status"],
                             "item": case["item_code"], "revision": case["revision"]})
                saved.append(case)
        return saved

    # -- sync support (appended for sync.client) --------------------------------------------

    def set_meta_many(self, values: dict[str, str]) -> None:
        """Set several meta values in one transaction (e.g. enrollment credentials)."""
        with self.transaction() as c:
            c.executemany("INSERT INTO meta(key, value) VALUES (?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                          list(values.items()))

    def outbox_entries(self, ids: Sequence[int], *, raw: bool = False) -> list[dict[str, Any]]:
        """Outbox entries by id in any state, oldest first, payload decoded (sync resume);
        with ``raw``, the ``payload_json`` text as stored."""
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        rows = self._read("SELECT id, kind, case_uuid, revision, payload_json, attempts, state "
                          f"FROM outbox WHERE id IN ({marks}) ORDER BY id", list(ids))
        if not raw:
            for r in rows:
                r["payload"] = json.loads(r.pop("payload_json"))
        return rows
