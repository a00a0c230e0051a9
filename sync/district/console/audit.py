"""The console's hash-chained audit log: the part of
:class:`~sync.district.console.store.ConsoleStore` reached as ``console.audit``.

Every action, and every reveal of personal data, is appended to ``console_audit``; each
entry's hash covers the previous entry's hash and its own columns (:func:`audit_digest`),
so an edited, deleted, reordered or inserted entry shows. Appends take turns (PostgreSQL:
a table lock), so the chain is one line and a reader always sees a prefix of it.

Checking it:

- the audit page (:meth:`Audit.check`) checks incrementally from a checkpoint
  kept in ``console_state``, moving it forward only; a lost checkpoint (the end cut off,
  the log rewritten) is written to the log itself;
- ``doorstep-district audit verify`` (:func:`verify_audit_at`) checks all of it, read-only,
  and names the first broken entry and what is wrong with it (:class:`AuditCheck`);
  :class:`AuditUnavailable` when the log cannot be read.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import (
    Connection,
    and_,
    create_engine,
    func,
    inspect,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy import delete as sa_delete
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool

from sync.district.console.schema import (
    audit,
    ccases,
    export_cases,
    get_state,
    now_iso,
    set_state,
    state,
)
from sync.district.database import Database, normalize_url
from sync.district.errors import DistrictError

# -- the audit chain (the console's page and the read-only `audit verify` command) --------

GENESIS = "0" * 64  # the prev_hash of the first entry
AUDIT_CHECKPOINT = "audit_checkpoint"  # console_state: "<id, 20 digits> <hash>", verified
AUDIT_FULL_AT = "audit_full_verified_at"  # console_state: when the page last checked it all
_ENTRY_KEYS = ("id", "at", "actor", "action", "target")
REVEAL_WINDOW = timedelta(minutes=5)  # a reveal's page must be opened within this


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


def append_audit(db: Database, conn: Connection, actor: str, action: str, target: str = "",
                 **detail: Any) -> int:
    """Append to the hash-chained audit log inside ``conn``'s transaction; returns the
    entry's id (the one append: the console's and the district's own entries)."""
    if not db.is_sqlite:  # one chain: writers take turns (readers are not blocked)
        conn.execute(text("LOCK TABLE console_audit IN EXCLUSIVE MODE"))
    prev = conn.execute(select(audit.c.hash).order_by(audit.c.id.desc()).limit(1)
                        ).scalar() or GENESIS
    at = now_iso()
    target = target[:80]  # hashed as stored
    body = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    digest = audit_digest(prev, at, actor, action, target, body)
    res = conn.execute(audit.insert().values(at=at, actor=actor, action=action,
                                             target=target, detail_json=body,
                                             prev_hash=prev, hash=digest))
    return int(res.inserted_primary_key[0])  # type: ignore[index]


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


class Audit:
    """The hash-chained audit log (``console.audit``): append, list, check. Holds the
    database it reads and writes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def append(self, actor: str, action: str, target: str = "", **detail: Any) -> int:
        """Append to the hash-chained audit log; returns the entry's id."""
        with self.db.write() as conn:
            return append_audit(self.db, conn, actor, action, target, **detail)

    def append_in(self, conn: Connection, actor: str, action: str, target: str = "",
                  **detail: Any) -> int:
        """Append to the audit log inside the caller's transaction; returns the entry's id."""
        return append_audit(self.db, conn, actor, action, target, **detail)

    def export_in(self, conn: Connection, actor: str, fmt: str, filters: dict[str, str],
                  where: list[Any]) -> int:
        """Audit an export of the case list (the read model's rows matching ``where``) —
        its ``filters`` and row count — and remember which cases it held
        (``console_export_cases``, one INSERT ... SELECT), so a case's page can say who
        exported it; in the caller's transaction. Returns the row count."""
        n = int(conn.execute(select(func.count()).select_from(ccases).where(*where))
                .scalar_one())
        entry = self.append_in(conn, actor, "export", fmt, filters=filters, rows=n)
        conn.execute(export_cases.insert().from_select(
            ["uuid", "audit_id"], select(ccases.c.uuid, literal(entry)).where(*where)))
        return n

    def take_reveal(self, entry_id: int, actor: str, uuid: str,
                    within: timedelta = REVEAL_WINDOW) -> str | None:
        """The reason of reveal ``entry_id`` — this user's ``pii.reveal`` of this case, made
        less than ``within`` ago — the first time it is asked for, else None. The page a
        reveal redirects to shows the data once: reloading it shows the masked page and
        neither reveals nor audits again (redirect after POST, issue 21)."""
        with self.db.write() as conn:
            row = conn.execute(select(audit.c.at, audit.c.detail_json).where(
                audit.c.id == entry_id, audit.c.actor == actor, audit.c.target == uuid,
                audit.c.action == "pii.reveal")).first()
            if row is None or datetime.fromisoformat(row.at) < datetime.now(UTC) - within:
                return None
            taken = conn.execute(self.db.dialect_insert(state).on_conflict_do_nothing().values(
                key=f"reveal_shown:{entry_id}", value=now_iso())).rowcount
        return str(json.loads(row.detail_json).get("reason") or "") if taken == 1 else None

    def case_access(self, uuid: str, limit: int = 100) -> list[dict[str, Any]]:
        """Who revealed this case's personal data, downloaded its attachments or exported
        it (in a list), newest first."""
        exported = select(export_cases.c.audit_id).where(export_cases.c.uuid == uuid)
        q = (select(audit).where(or_(
            and_(audit.c.target == uuid,
                 audit.c.action.in_(("pii.reveal", "attachment.download",
                                     "attachment.view"))),
            audit.c.id.in_(exported))).order_by(audit.c.id.desc()).limit(limit))
        with self.db.read() as conn:
            return [dict(r, detail=json.loads(r["detail_json"]))
                    for r in conn.execute(q).mappings()]

    def entries(self, *, target: str | None = None, action: str | None = None,
                limit: int = 200, before_id: int | None = None,
                cases: Sequence[str] | None = None,
                actions: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Audit entries, newest first. ``cases``: entries about these cases, exports that
        held them included; ``actions``: any of these actions."""
        q = select(audit).order_by(audit.c.id.desc()).limit(limit)
        if target:
            q = q.where(audit.c.target == target)
        if action:
            q = q.where(audit.c.action == action)
        if actions is not None:
            q = q.where(audit.c.action.in_(list(actions)))
        if cases is not None:
            held = select(export_cases.c.audit_id).where(export_cases.c.uuid.in_(list(cases)))
            q = q.where(or_(audit.c.target.in_(list(cases)), audit.c.id.in_(held)))
        if before_id and 0 < before_id < 2**31:  # out of the id column's range: the newest
            q = q.where(audit.c.id < before_id)
        with self.db.read() as conn:
            out = []
            for r in conn.execute(q).mappings():
                d = dict(r)
                d["detail"] = json.loads(d.pop("detail_json"))
                out.append(d)
        return out

    def verify(self) -> int | None:
        """The id of the first entry whose chain does not hold, or None when intact (the
        whole log, and the console's checkpoint still in it; writes nothing)."""
        with self.db.read() as conn:
            return verify_audit_chain(conn).first_broken_entry

    def check(self, *, full: bool = False, actor: str = "system") -> AuditCheck:
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
        with self.db.read() as conn:
            raw = get_state(conn, AUDIT_CHECKPOINT)
            cp = _parse_checkpoint(raw)
            if cp is not None and not full and _checkpoint_holds(conn, cp):
                res = _walk_audit(conn, after_id=cp[0], prev=cp[1])
            else:
                res = verify_audit_chain(conn, raw)
            full_at = get_state(conn, AUDIT_FULL_AT)
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
        ins = self.db.dialect_insert(state).values(key=AUDIT_CHECKPOINT, value=value)
        now = now_iso() if res.full else None
        with self.db.write() as conn:
            conn.execute(ins.on_conflict_do_update(
                index_elements=["key"], set_={"value": ins.excluded.value},
                where=state.c.value < ins.excluded.value))  # ids are zero-padded: forward only
            if now:
                set_state(self.db, conn, AUDIT_FULL_AT, now)
        return now

    def _reanchor(self, seen: str | None, res: AuditCheck, actor: str) -> None:
        """Record a lost checkpoint once (concurrent page loads: the first one does) and
        restart the checkpoint at the end of the chain just verified."""
        with self.db.write() as conn:
            if not self.db.is_sqlite:  # the same turn-taking as append_audit, before re-reading
                conn.execute(text("LOCK TABLE console_audit IN EXCLUSIVE MODE"))
            if get_state(conn, AUDIT_CHECKPOINT) != seen:
                return
            lost = _parse_checkpoint(seen)
            self.append_in(conn, actor, "audit.checkpoint_lost", str(res.first_broken_entry),
                           cause=res.cause, checkpoint_hash=lost[1] if lost else "",
                           last_id=res.last_id, last_hash=res.last_hash)
            if res.last_id is None:
                conn.execute(sa_delete(state).where(state.c.key == AUDIT_CHECKPOINT))
            else:
                set_state(self.db, conn, AUDIT_CHECKPOINT,
                                _checkpoint_value(res.last_id, res.last_hash))
