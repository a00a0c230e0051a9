"""The store's connection: opening, transactions, reads, meta and the audit chain.

:class:`StoreBase` is the core of :class:`desk.core.store.Store`: it opens the file (WAL,
``synchronous=FULL``, migrations applied), shares one connection behind a lock
(``check_same_thread=False``), hands out write transactions (``BEGIN IMMEDIATE``, nesting
as savepoints, known database failures translated to :class:`StoreError`), reads, keeps
the meta table, and appends hash-chained audit entries inside a caller's transaction.

:class:`Part` is what each of the store's parts (``store.search``, ``store.sync`` …) is
built on: it holds that core and reaches the database only through it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Self, TypeVar

from desk.core import clock, dbapi
from desk.core.dbapi import DB_ERRORS
from desk.core.errors import StoreError, translate_sqlite
from desk.core.store_schema import CASE_COLUMNS, _apply_migrations


def _identity(path: Path | None) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


# json.dumps(obj, ensure_ascii=False, sort_keys=True), the same text, without making a new
# encoder per call (a save writes five such texts)
dumps_sorted = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


T = TypeVar("T")
IN_PART = 500  # the values one ``IN (...)`` binds (SQLite's oldest limit is 999 in all)


def in_parts(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """``values`` in parts of :data:`IN_PART`, each for one ``IN (...)`` statement."""
    return (values[i:i + IN_PART] for i in range(0, len(values), IN_PART))


def now_iso() -> str:
    """The desk clock, as an ISO timestamp with the desk zone's offset (desk.core.clock)."""
    return clock.now_iso()


RECEIPT_KEY = "receipt_key"  # the meta key of the desk's receipt key
GENESIS_HASH = "0" * 64  # the prev_hash of the first audit entry
WAL_AUTOCHECKPOINT = 250  # pages (SQLite's default: 1,000); see _configure


def audit_hash(prev: str, at: str, actor: str, action: str, case_uuid: str | None,
               detail_json: str) -> str:
    """The hash of one audit entry, chained to the entry before it (``prev``): the one
    formula the writer (:meth:`StoreBase._audit`) and the verifier
    (:meth:`desk.core.store.Store.audit_report`) both use."""
    return hashlib.sha256("\x1f".join(
        [prev, at, actor, action, case_uuid or "", detail_json]).encode()).hexdigest()


def _raise_known(exc: BaseException, outcome: str) -> None:
    """Raise the worker-facing :class:`StoreError` for a known database failure (a full
    disk, a locked or damaged file); return for anything else (the caller re-raises)."""
    if isinstance(exc, DB_ERRORS):
        known = translate_sqlite(exc, outcome)
        if known is not None:
            raise known from None


class StoreBase:
    """The connection, transactions, meta and audit chain of :class:`desk.core.store.Store`."""

    def __init__(self, conn: Any, path: Path | None, key: bytes | None = None) -> None:
        self.path = path
        self.key = key
        self._conn = conn
        self._lock = threading.RLock()
        self._depth = 0  # open transactions on this connection (nested ones are savepoints)
        # which file was opened (device, inode): a store replaced under this process
        # (re-keyed by protect, swapped by restore) is never written through the old handle
        self._identity = _identity(path)
        # writes may go: cleared while a corruption check run in the background has not
        # answered (:meth:`check_holding_writes`), which leaves ``_damaged`` set on damage
        self._sound = threading.Event()
        self._sound.set()
        self._damaged = False

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, *, key: bytes | None = None,
             quick_check: bool = True) -> Self:
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
            try:
                store._configure(check=quick_check)
                with store._lock:
                    _apply_migrations(conn)
            except BaseException:  # refused (corrupt, a newer desk's data …): let go of
                conn.close()       # the file, so no -wal/-shm is left behind
                raise
            store._identity = _identity(path)  # a new file exists only from here
        except DB_ERRORS as exc:
            known = translate_sqlite(exc, "办事台数据未能打开")
            if known is not None:
                raise known from None
            raise
        return store

    @classmethod
    def memory(cls) -> Self:
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
        # a commit that crosses this many WAL pages checkpoints them inside itself: saves
        # with no tidy between them (the command line, a long import) pay that stall every
        # ~14th save instead of ~1,000 pages' every ~57th (issue 13's back-to-back p99)
        c.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT}")
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
        """``PRAGMA quick_check(1)``: ``ok``, or the first problem found.

        A file's check reads every page (seconds at 100,000 encrypted cases), so it runs on
        a connection of its own: the shared connection's lock stays free and the window's
        reads (status bar, clock notice) do not wait for the scan (WAL lets both read)."""
        if self.path is None:
            with self._lock:
                row = self._conn.execute("PRAGMA quick_check(1)").fetchone()
            return str(row[0]) if row else "ok"
        conn = dbapi.connect(self.path, self.key, check_same_thread=False,
                             isolation_level=None, timeout=5.0)
        try:
            # a scan of every page must not keep a large cache of cold pages: it visits each
            # once (its path down a tree stays pinned whatever the size); 200 KB checked
            # 100,000 cases as fast as 1 MB (0.43 s) and left the start's peak 0.8 MB lower
            conn.execute("PRAGMA cache_size=-200")
            row = conn.execute("PRAGMA quick_check(1)").fetchone()
        finally:
            conn.close()
        return str(row[0]) if row else "ok"

    def check_holding_writes(self) -> Callable[[], str]:
        """The corruption check for the window, which runs it on a lane of its own: from
        this call until the returned function (:meth:`quick_check`) has answered, write
        transactions wait; when it finds damage they are refused (StoreError ``corrupt``,
        promise 1: no saving into a damaged file). Reads go on meanwhile — the check reads
        on a connection of its own — so the cases list's first page no longer queues
        behind a scan of every page (~1 s plain, ~5 s encrypted at 100,000 cases), as it
        did while the check held the background helper's ``db`` lane (issue 13)."""
        if self.path is None:  # (nothing on disk to damage; its check takes the lock)
            return self.quick_check

        self._sound.clear()

        def check() -> str:
            result = "error"
            try:
                result = self.quick_check()
            except BaseException:
                result = "ok"  # an error is reported as before; it damns no write
                raise
            finally:
                self._damaged = result != "ok"
                self._sound.set()
            return result

        return check

    def _writable(self) -> None:
        """Wait for a corruption check in progress; refuse when it found damage."""
        if not self._sound.is_set():
            self._sound.wait()
        if self._damaged:
            raise StoreError("corrupt", "数据库文件已损坏，为避免进一步损坏，本机暂停保存。"
                                        "请联系技术支持从备份恢复。")

    def check_same_file(self) -> None:
        """Refuse to write when the file at :attr:`path` is no longer the one this store
        opened: another process re-keyed (``protect``) or replaced (``restore``) it. The
        data-folder lock (:mod:`desk.core.inuse`) keeps that from happening; this is the
        last guard before a write would go to a file nobody reads any more."""
        if self._identity is None or self.path is None:
            return
        if _identity(self.path) != self._identity:
            raise StoreError("replaced", "办事台数据已被另一个程序加密或替换，本次未保存；"
                                         "请关闭窗口后重新打开办事台。")

    def checkpoint(self) -> None:
        """Fold the WAL into the file (``wal_checkpoint(TRUNCATE)``): after a purge, so
        freed pages do not live on in the WAL."""
        with self._lock:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def fold_wal(self) -> None:
        """Fold the WAL into the database file without waiting for anybody (a PASSIVE
        checkpoint) and, when all of it was folded, start the WAL afresh with one small
        write of its own (the same ``user_version``): the first commit into a restarted WAL
        syncs its header too, and that second fsync would otherwise fall on the next save.
        Off a save's path (:meth:`desk.core.store.Store.tidy_after_save`), so that saves
        never pay the automatic checkpoint (:data:`WAL_AUTOCHECKPOINT` pages) inside their commit."""
        with self._lock:
            busy, log, done = self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if not busy and log > 0 and done == log:
                with self.transaction("整理未完成") as c:
                    version = int(c.execute("PRAGMA user_version").fetchone()[0])
                    c.execute(f"PRAGMA user_version = {version}")

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
    def transaction(self, outcome: str = "更改未保存") -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT), errors translated;
        ``outcome`` names what was not saved when it fails (see :func:`translate_sqlite`).

        Transactions nest (as sqlite-utils' ``atomic()``): inside another one, on the same
        thread, this is a SAVEPOINT — a failure rolls back only the inner part (the outer
        transaction goes on), and nothing is committed before the outermost one commits.
        While a corruption check runs (:meth:`check_holding_writes`), this waits for it.
        """
        self._writable()
        with self._lock:
            if self._depth:
                with self._savepoint(outcome) as c:
                    yield c
                return
            self.check_same_file()
            c = self._conn
            try:
                c.execute("BEGIN IMMEDIATE")
            except DB_ERRORS as exc:
                known = translate_sqlite(exc, outcome)
                if known is not None:
                    raise known from None
                raise
            self._depth = 1
            try:
                yield c
                c.execute("COMMIT")
            except BaseException as exc:
                try:
                    c.execute("ROLLBACK")
                except DB_ERRORS:
                    pass
                _raise_known(exc, outcome)
                raise
            finally:
                self._depth = 0

    @contextmanager
    def _savepoint(self, outcome: str) -> Iterator[sqlite3.Connection]:
        c = self._conn
        name = f"sp{self._depth}"
        self._depth += 1
        try:
            c.execute(f"SAVEPOINT {name}")
            try:
                yield c
                c.execute(f"RELEASE {name}")
            except BaseException as exc:
                try:
                    c.execute(f"ROLLBACK TO {name}")
                    c.execute(f"RELEASE {name}")
                except DB_ERRORS:
                    pass
                _raise_known(exc, outcome)
                raise
        finally:
            self._depth -= 1

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The shared connection under its lock, outside any transaction: for a read that
        runs a helper written for a transaction's connection."""
        with self._lock:
            yield self._conn

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """The rows of one query, each a dict of column name to value."""
        with self._lock:
            try:
                cur = self._conn.execute(sql, params)
                cols = [d[0] for d in cur.description or []]
                return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
            except DB_ERRORS as exc:
                known = translate_sqlite(exc, "未能读取数据")
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

    def meta_setdefault(self, key: str, value: str, outcome: str = "更改未保存") -> str:
        """The meta value of ``key``, setting it to ``value`` first if absent — atomic
        across processes (INSERT OR IGNORE, then read, in one transaction)."""
        with self.transaction(outcome) as c:
            c.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", [key, value])
            return str(c.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()[0])

    def receipt_key(self, outcome: str = "回执未生成") -> str:
        """The desk's receipt key (32 random bytes, hex): it signs every receipt's check
        code (:mod:`desk.core.receipts.verify`) and goes to the district at enrollment.
        Created here only, on first use, atomically: two processes printing their first
        receipt (or one enrolling) agree on one key."""
        key = self.get_meta(RECEIPT_KEY)
        if key:
            return key
        return self.meta_setdefault(RECEIPT_KEY, secrets.token_hex(32), outcome)

    def set_meta_many(self, values: dict[str, str]) -> None:
        """Set several meta values in one transaction (e.g. enrollment credentials)."""
        with self.transaction() as c:
            c.executemany("INSERT INTO meta(key, value) VALUES (?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                          list(values.items()))

    # -- cases ---------------------------------------------------------------------------

    def _insert_case_row(self, c: sqlite3.Connection, case: dict[str, Any]) -> int:
        """INSERT one case row (the columns of :data:`CASE_COLUMNS` that ``case`` has) in
        the caller's transaction; its rowid. The one statement every new case goes through
        (saved at the desk, made in bulk, handed over)."""
        cols = [k for k in CASE_COLUMNS if k in case]
        cur = c.execute(f"INSERT INTO cases({', '.join(cols)}) "
                        f"VALUES ({', '.join('?' * len(cols))})", [case[k] for k in cols])
        return int(cur.lastrowid or 0)

    # -- audit ---------------------------------------------------------------------------

    def _audit(self, c: sqlite3.Connection, actor: str, action: str, case_uuid: str | None,
               detail: dict[str, Any]) -> None:
        """Append a hash-chained audit entry inside the caller's transaction."""
        row = c.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        prev = row[0] if row else GENESIS_HASH
        at = now_iso()
        body = dumps_sorted(detail)
        digest = audit_hash(prev, at, actor, action, case_uuid, body)
        c.execute("INSERT INTO audit(at, actor, action, case_uuid, detail_json, prev_hash, hash)"
                  " VALUES (?,?,?,?,?,?,?)", [at, actor, action, case_uuid, body, prev, digest])


class Part:
    """One part of the store with one job (its search, matters, attachments …), reached as
    an attribute of :class:`desk.core.store.Store` (``store.search``, ``store.matters``).

    It holds the store's core — the one connection, its transactions, reads, meta and audit
    writer (:class:`StoreBase`) — and reaches the database only through it; a part that needs
    another is given it when the store makes them (never the whole store)."""

    def __init__(self, core: StoreBase) -> None:
        self._core = core

    def transaction(self, outcome: str = "更改未保存") -> AbstractContextManager[sqlite3.Connection]:
        """The core's write transaction (:meth:`StoreBase.transaction`; nests as a savepoint)."""
        return self._core.transaction(outcome)

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return self._core._read(sql, params)

    def _audit(self, c: sqlite3.Connection, actor: str, action: str, case_uuid: str | None,
               detail: dict[str, Any]) -> None:
        self._core._audit(c, actor, action, case_uuid, detail)

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        return self._core.get_meta(key, default)


class TableStamp:
    """What changes whenever a row arrives in one small table (``count(*), max(id)``),
    read again only when it may have changed: another connection committed (SQLite's
    ``PRAGMA data_version`` moved — a pull by another process) or this store wrote to the
    table (its writer calls :meth:`touch`). A matter save asks twice (the district's
    configuration, the holiday arrangements): one pragma each, not a read of the table."""

    def __init__(self, core: StoreBase, table: str) -> None:
        self._core = core
        self._sql = f"SELECT count(*), max(id) FROM {table}"
        self._seen: tuple[int, tuple[int, int | None]] | None = None

    def touch(self) -> None:
        """This store wrote to the table (in a transaction that may yet roll back: reading
        again is right either way)."""
        self._seen = None

    def __call__(self) -> tuple[int, int | None]:
        core = self._core
        with core._lock:
            try:
                conn = core._conn
                version = int(conn.execute("PRAGMA data_version").fetchone()[0])
                seen = self._seen
                if seen is not None and seen[0] == version:
                    return seen[1]
                n, top = conn.execute(self._sql).fetchone()
            except DB_ERRORS as exc:
                known = translate_sqlite(exc, "未能读取数据")
                if known is not None:
                    raise known from None
                raise
            self._seen = (version, (int(n), top))
            return self._seen[1]
