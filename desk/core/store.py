"""The desk's local store: the only code that talks to the desk's SQLite database.

:class:`Store` is the one class the rest of the desk uses (the window, the command line,
sync, the maintenance jobs). store.py and its parts are the only code touching SQLite. The
store is composed, not stacked: its core (:class:`desk.core.store_base.StoreBase` — the
connection and its lock, transactions, reads, meta, the audit append) and this module's
cases, ratings, audit verification and housekeeping counts are its own; every other job is
a part (:class:`desk.core.store_base.Part`) reached as an attribute — ``store.sync``,
``store.search``, ``store.matters``, ``store.attachments``, ``store.residents``,
``store.proactive``, ``store.calendar``, ``store.clock``, ``store.handover``,
``store.reconcile``, ``store.maintenance`` (one module each, ``store_<name>.py``; see
:class:`Store`). :mod:`desk.core.store_schema` holds the migrations and the columns of a
case. Names other code imports from here (``Store``, ``RATING_LEVELS``, ``now_iso``,
``name_initials``...) keep working.

Promises kept here:
- WAL journal with ``synchronous=FULL``: a case the worker saw as saved survives a power cut.
- A case and its audit entry are written in one transaction; its outbox entry just after
  (:mod:`desk.core.store_queue`: a crash in between loses nothing, the next tidy or sync
  makes it); a change's entry is in the change's transaction.
- Receipt numbers come from a per-day sequence updated in that same transaction.
- Known database failures (disk full, locked, corrupt) become :class:`StoreError` with a
  message for the worker; nothing is half-saved.

One connection is shared behind a lock (``check_same_thread=False``), so the UI's single
background helper and the command line use the same code path.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desk.core import store_base, store_grams
from desk.core.dbapi import INTEGRITY_ERRORS
from desk.core.errors import StoreError, ValidationFailed
from desk.core.store_attachments import Attachments
from desk.core.store_base import GENESIS_HASH, StoreBase, now_iso
from desk.core.store_calendar import Calendar
from desk.core.store_clock import Clock
from desk.core.store_handover import Handover
from desk.core.store_maintenance import Maintenance
from desk.core.store_matters import Matters
from desk.core.store_proactive import Proactive
from desk.core.store_queue import add_outbox_entry, enqueue_case, queue_waiting_cases
from desk.core.store_reconcile import Reconcile
from desk.core.store_residents import Residents
from desk.core.store_schema import (
    CASE_COLUMNS,
    MIGRATION_SET,
    m001_initial,
    migration,
    migrations,
)
from desk.core.store_search import Search, name_initials
from desk.core.store_sync import Sync
from forms.engine import Problem

__all__ = [
    "CASE_COLUMNS",
    "MIGRATION_SET",
    "RATING_LEVELS",
    "Store",
    "StoreBase",
    "m001_initial",
    "migration",
    "migrations",
    "name_initials",
    "now_iso",
]

RATING_LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


def _instant(at: object) -> float:
    """An ISO time as seconds since the epoch (one without a zone is taken as UTC; an
    unreadable one sorts first)."""
    try:
        t = datetime.fromisoformat(str(at).replace("Z", "+00:00"))
    except ValueError:
        return float("-inf")
    return (t if t.tzinfo is not None else t.replace(tzinfo=UTC)).timestamp()


class Store(StoreBase):
    """The desk's SQLite database. Use :meth:`open`.

    Cases (save, update, read, history), ratings, audit verification and the counts are the
    store's own, as Anki's collection adds notes itself. Its parts, each with one job, share
    its connection through the core they hold (typed :class:`StoreBase`: they see the
    connection, not the other parts); a part needing another is given it here:

    - :attr:`sync` — the outbox, set-aside entries and the district's changes;
    - :attr:`search` — the search indexes and the case lists;
    - :attr:`matters` — resident matters;
    - :attr:`attachments` — the pages of cases' materials;
    - :attr:`residents` — lookups by ID number;
    - :attr:`proactive` — the proactive-service list and the worker's answers;
    - :attr:`clock` — what the store knows about time;
    - :attr:`calendar` — holiday arrangements and the promises they moved;
    - :attr:`handover` — a replaced desk's work taken over;
    - :attr:`reconcile` — the agreement with the district: acknowledged records, epochs,
      confirmations;
    - :attr:`maintenance` — backups, encrypted copies, the retention purge of cases.
    """

    def __init__(self, conn: Any, path: Path | None, key: bytes | None = None) -> None:
        super().__init__(conn, path, key)
        self.search = Search(self)
        self.reconcile = Reconcile(self)
        self.attachments = Attachments(self)
        self.residents = Residents(self)
        self.proactive = Proactive(self)
        self.clock = Clock(self)
        self.calendar = Calendar(self)
        self.matters = Matters(self, self.search, self.reconcile)
        self.handover = Handover(self, self.search, self.matters)
        self.sync = Sync(self, self.matters, self.calendar)
        self.maintenance = Maintenance(self, self.search, self.attachments, self.reconcile)

    # -- audit ---------------------------------------------------------------------------

    def tidy_after_save(self) -> None:
        """What a save leaves for later, done off the save's path (the window runs this on
        its background lane after each matter or case save, while the worker reads the 受理单
        or the receipt): new cases and matters given their outbox entries
        (:meth:`Sync.queue_waiting`), new matters and cases indexed and edits' pieces
        moved (:meth:`Search.tidy`, once 32 wait) and
        the WAL folded and restarted
        (:meth:`StoreBase.fold_wal`). Without it every ~50th save paid SQLite's automatic
        checkpoint inside its commit, and every 128th the move: the tail a worker waits
        through (issue 15's save p99)."""
        self.sync.queue_waiting()
        self.search.tidy()
        self.fold_wal()

    def record_reveal(self, case_uuid: str, actor: str, reason: str) -> None:
        """Audit that a worker chose to see a case's full ID numbers and phones, and why."""
        reason = reason.strip()
        if not reason:
            raise ValidationFailed([Problem("reason", "required", "请说明查看完整信息的原因")])
        with self.transaction("查看原因未记录，完整信息不显示") as c:
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
        prev = GENESIS_HASH
        checked = 0
        for r in self._read("SELECT * FROM audit ORDER BY id"):
            digest = store_base.audit_hash(prev, r["at"], r["actor"], r["action"],
                                           r["case_uuid"], r["detail_json"])
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
        seq = c.execute("INSERT INTO receipt_seq(desk_code, day, last) VALUES (?, ?, 1) "
                        "ON CONFLICT(desk_code, day) DO UPDATE SET last = last + 1 "
                        "RETURNING last", [desk_code, day]).fetchone()[0]
        return f"{desk_code}-{day}-{seq:04d}"

    def save_new_case(self, case: dict[str, Any], search: dict[str, str],
                      actor: str, *,
                      once_check: Callable[[list[dict[str, Any]]], dict[str, Any] | None]
                      | None = None,
                      attachments: Sequence[tuple[str, Sequence[Any]]] = (),
                      session: str = "") -> dict[str, Any]:
        """Insert a new case with its receipt number, outbox entry and audit entry.

        ``case`` holds every column but ``receipt_no``; ``search`` holds the applicant's
        (and proxy's) name, ID number and phone for the search index. Returns the case
        as stored (with ``receipt_no``).

        ``once_check`` (issue 23) is called inside the write transaction, before anything
        is written, with the applicant's earlier cases of the same item; it raises to refuse
        the save. The write lock is held from the check to the commit, so two saves for one
        resident — threads or processes — cannot both pass it. What it returns (columns,
        e.g. the data recording an allowed exception) goes into the case.

        ``attachments`` (issue 17): ``(material, pages)`` captured on the form before the
        case existed, saved in the same transaction (a case is never saved without them):
        the pages staged for form ``session`` are claimed, its other staged pages deleted.
        """
        with self.transaction("案件未保存") as c:
            if once_check is not None and search.get("id_number"):
                extra = once_check(self.residents._resident_item_cases(c, search["id_number"],
                                                                       case["item_code"]))
                if extra:
                    case = dict(case, **extra)
            case = self._create_case(c, case, search, actor)
            for material, pages in attachments:
                self.attachments._insert_attachments(c, case["uuid"], material, pages, actor,
                                                     session)
            if session:  # pages deleted or retaken on the form: not the case's
                self.attachments._drop_staged(c, session)
        return case

    def _create_case(self, c: sqlite3.Connection, case: dict[str, Any], search: dict[str, str],
                     actor: str) -> dict[str, Any]:
        """A new case in the caller's transaction: its receipt number, row, search index
        and audit entry (its outbox entry follows: :func:`queue_waiting_cases`); the case
        as stored."""
        day = case["accepted_date"].replace("-", "")
        case = dict(case, receipt_no=self._next_receipt_no(c, case["desk_code"], day))
        case_id = self._insert_case_row(c, case)
        self.search._index(c, case_id, case["receipt_no"], search, new=True)
        # its outbox entry is made just after the save (desk.core.store_queue)
        self._audit(c, actor, "case.create", case["uuid"],
                    {"receipt_no": case["receipt_no"], "status": case["status"],
                     "item": case["item_code"], "revision": case["revision"]})
        return case

    def update_case(self, uuid: str, changes: dict[str, Any], actor: str, action: str,
                    detail: dict[str, Any], *,
                    also: Callable[[sqlite3.Connection, dict[str, Any]], None] | None = None
                    ) -> dict[str, Any]:
        """Change a case at the desk: new revision, outbox entry and audit in one transaction
        (with ``also(connection, new case)`` run in that transaction too)."""
        with self.transaction("案件的修改未保存") as c:
            queue_waiting_cases(c)  # its first revision's entry before this one's
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
            enqueue_case(c, case)
            self._audit(c, actor, action, uuid, dict(detail, revision=case["revision"]))
            if also is not None:
                also(c, case)
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
        # by the instant, not the text: the desk writes its own zone (+08:00), the district
        # UTC (+00:00) — as text a district step at 18:27Z sorted before a desk entry at
        # 02:27+08:00 the next day, though it came 1 minute later. The district stamps whole
        # seconds: within one second the desk's entry (to the millisecond) comes first — a
        # district step answers what the desk sent, never the other way round
        return sorted(out, key=lambda e: (int(_instant(e["at"]) // 1),
                                          e["actor"] == "district", _instant(e["at"])))

    # -- ratings -------------------------------------------------------------------------

    def save_rating(self, uuid: str, level: int, reason: str, actor: str) -> None:
        """Record the resident's rating; a second rating for a case is refused."""
        if level not in RATING_LEVELS:
            raise ValueError("rating level must be 1..5")
        at = now_iso()  # one time for the rating, its outbox entry and what is sent
        with self.transaction("评价未保存") as c:
            queue_waiting_cases(c)  # the case's entry before its rating's
            try:
                c.execute("INSERT INTO ratings(case_uuid, level, reason, rated_at) "
                          "VALUES (?,?,?,?)", [uuid, level, reason, at])
            except INTEGRITY_ERRORS:
                exists = c.execute("SELECT 1 FROM ratings WHERE case_uuid = ?",
                                   [uuid]).fetchone()
                if exists:
                    raise StoreError("rated", "该案件已评价，评价不能修改。") from None
                raise StoreError("not_found", "没有找到该案件。") from None
            payload = {"uuid": uuid, "level": level, "reason": reason, "rated_at": at}
            add_outbox_entry(c, "rating", uuid, 1, json.dumps(payload, ensure_ascii=False), at)
            self._audit(c, "resident", "case.rate", uuid, {"level": level})

    # -- housekeeping ----------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Counts for the status bar and the command line."""
        by_status = {r["status"]: int(r["n"]) for r in
                     self._read("SELECT status, count(*) AS n FROM cases GROUP BY status")}
        return {"cases": sum(by_status.values()), "by_status": by_status,
                "outbox": self.sync.outbox_counts(), "last_sync": self.get_meta("last_sync")}

    def item_usage(self) -> dict[str, int]:
        """Cases per item code (for 'most used first')."""
        return {r["item_code"]: int(r["n"]) for r in
                self._read("SELECT item_code, count(*) AS n FROM cases GROUP BY item_code")}

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check`` result (``ok`` when fine)."""
        return str(self._read("PRAGMA integrity_check")[0]["integrity_check"])

    def bulk_insert_cases(self, rows: Sequence[tuple[dict[str, Any], dict[str, str]]],
                          actor: str) -> list[dict[str, Any]]:
        """Save many new cases in one transaction (demo data, imports), their names indexed
        and their outbox entries made in it too (no tidy follows a bulk insert)."""
        saved = []
        with self.transaction("案件未保存") as c:
            for case, search in rows:
                saved.append(self._create_case(c, case, search, actor))
            store_grams.index_new_cases(c)
            queue_waiting_cases(c)
        return saved
