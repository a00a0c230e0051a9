"""A new case's outbox entry, made just after its save (issue 13: the case save no slower
than the first milestone's — as issue 15 did for matters, :mod:`desk.core.store_matters`).

A case save wrote its outbox entry in its own transaction: a row of ``outbox`` and one in
each of its two indexes and ``sqlite_sequence`` — four B-trees more in the commit a worker
waits through, and as many pages in every checkpoint after it. A save now writes the case,
its ``case_index`` row and its audit entry, durably; its outbox entry (revision 1, made
from the stored row — byte for byte the payload the save made, tested) follows just after,
in :func:`queue_waiting_cases`: the meta key :data:`CASES_QUEUED` holds the highest case
row id that has its entry (or needs none — taken over from a replaced desk, already at the
district). Everything that reads or extends the outbox calls it first, in its own
transaction (:meth:`desk.core.store_sync.Sync.queue_waiting`: the window's tidy after each
save, sync before it reads the outbox), or inside the transaction that adds an entry for
a case — a change, a rating, a matter's change (a case's first entry always comes before
anything about it). A crash between a save and its entry loses nothing: the case is saved
with its audit entry, and the next call queues it; a case waiting counts as pending
(:func:`waiting_cases`).

Functions of a connection, run in the caller's transaction.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from desk.core.store_base import now_iso
from desk.core.store_schema import CASE_COLUMNS, migration

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["CASES_QUEUED", "add_outbox_entry", "any_waiting", "enqueue_case",
           "queue_waiting_cases", "waiting_cases"]

CASES_QUEUED = "cases_queued_upto"
# what of a case never goes to the district: what the district said, the desk's sync state
_SENT = tuple(k for k in CASE_COLUMNS if not k.startswith("district_")
              and k not in ("sync_state", "sync_error"))
_MARK = f"(SELECT CAST(value AS INTEGER) FROM meta WHERE key = '{CASES_QUEUED}')"


def add_outbox_entry(c: Any, kind: str, uuid: str, revision: int, payload_json: str,
                     created_at: str) -> None:
    """An outbox entry: its row in ``outbox`` (what sync changes: state, attempts, batch)
    and its payload in ``outbox_payloads`` (written once; :func:`m024_outbox_payloads`)."""
    cur = c.execute("INSERT INTO outbox(kind, case_uuid, revision, created_at) "
                    "VALUES (?,?,?,?)", [kind, uuid, revision, created_at])
    c.execute("INSERT INTO outbox_payloads(id, payload_json) VALUES (?, ?)",
              [cur.lastrowid, payload_json])


def enqueue_case(c: Any, case: dict[str, Any]) -> None:
    """The outbox entry of ``case`` at its revision (the columns it has that are sent)."""
    payload = {k: case[k] for k in _SENT if k in case}
    add_outbox_entry(c, "case", case["uuid"], case["revision"],
                     json.dumps(payload, ensure_ascii=False, sort_keys=True), now_iso())


def queue_waiting_cases(c: Any) -> int:
    """Give every case saved since the mark its outbox entry and move the mark; how many
    entries were made. A case not pending (taken over: at the district already) needs none;
    one whose entry exists (a mark lost with an old backup) is not queued twice. No mark
    (a store whose saves queued their cases, before :func:`m023_cases_queued_after_save`):
    nothing waits."""
    row = c.execute("SELECT value FROM meta WHERE key = ?", [CASES_QUEUED]).fetchone()
    if row is None:
        return 0
    cur = c.execute("SELECT * FROM cases WHERE id > ? ORDER BY id", [int(row[0])])
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    if not rows:
        return 0
    queued = 0
    for case in rows:
        if case["sync_state"] == "pending" and c.execute(
                "SELECT 1 FROM outbox WHERE kind = 'case' AND case_uuid = ? AND revision = ?",
                [case["uuid"], case["revision"]]).fetchone() is None:
            enqueue_case(c, case)
            queued += 1
    c.execute("UPDATE meta SET value = ? WHERE key = ?", [str(rows[-1]["id"]), CASES_QUEUED])
    return queued


def any_waiting(c: Any) -> bool:
    """Whether a case above the mark exists (one index probe)."""
    return c.execute(f"SELECT 1 FROM cases WHERE id > coalesce({_MARK}, 1e18) LIMIT 1"
                     ).fetchone() is not None


def waiting_cases(c: Any) -> int:
    """Cases saved and not yet given their outbox entry (they count as pending)."""
    return int(c.execute("SELECT count(*) FROM cases WHERE sync_state = 'pending' AND "
                         f"id > coalesce({_MARK}, 1e18)").fetchone()[0])


@migration
def m023_cases_queued_after_save(db: sqlite_utils.Database) -> None:
    """A new case's outbox entry is made just after its save (:func:`queue_waiting_cases`):
    the cases saved before have theirs, so the mark starts above them."""
    db.execute("INSERT OR REPLACE INTO meta(key, value) "
               "SELECT ?, CAST(coalesce(max(id), 0) AS TEXT) FROM cases", [CASES_QUEUED])


@migration
def m024_outbox_payloads(db: sqlite_utils.Database) -> None:
    """An outbox entry's payload in a table of its own, apart from the state sync changes
    (issue 20). Marking a pushed batch updated 500 rows of ~1.3 KB, each carrying its
    payload: ~170 pages rewritten, encrypted and logged per batch for a few bytes of state
    each. The payloads are written once and only read (or blanked by a purge); the outbox's
    part of a mark is now ~15 pages, the whole mark 149 WAL pages rather than 383
    (tests/core/test_outbox_payloads.py) — 9.7 → 7.0 ms of the desk's CPU a batch."""
    db.execute("CREATE TABLE outbox_payloads (id INTEGER PRIMARY KEY, "
               "payload_json TEXT NOT NULL)")
    db.execute("INSERT INTO outbox_payloads(id, payload_json) SELECT id, payload_json "
               "FROM outbox")
    db.execute("ALTER TABLE outbox DROP COLUMN payload_json")
