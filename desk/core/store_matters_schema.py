"""The tables of resident matters (part of the store, :mod:`desk.core.store_matters`): their
migrations, registered when that module is imported."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desk.core.store_schema import migration

if TYPE_CHECKING:
    import sqlite_utils

# the highest matter id whose outbox entry is made (or that needs none: taken over, already
# at the district) — a save leaves its entry to the next :meth:`Matters.queue_waiting`
MATTERS_QUEUED = "matters_queued_upto"


@migration
def m015_resident_matters(db: sqlite_utils.Database) -> None:
    """Resident matters, their hand-overs and the district's matter configurations."""
    db.execute("""
        CREATE TABLE matters (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            matter_no TEXT NOT NULL UNIQUE,
            category TEXT NOT NULL,
            subcategory TEXT,
            urgency TEXT NOT NULL,
            description TEXT NOT NULL,
            place_json TEXT NOT NULL DEFAULT '{}',
            place_text TEXT NOT NULL DEFAULT '',
            resident_json TEXT NOT NULL DEFAULT '{}',
            resident_name TEXT NOT NULL DEFAULT '',
            resident_phone TEXT NOT NULL DEFAULT '',
            resident_id TEXT NOT NULL DEFAULT '',
            answer_by TEXT NOT NULL,
            from_case TEXT,
            from_receipt_no TEXT,
            status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
            owner TEXT NOT NULL CHECK (owner != ''),
            worker TEXT NOT NULL,
            desk_code TEXT NOT NULL,
            revision INTEGER NOT NULL DEFAULT 1,
            sync_state TEXT NOT NULL DEFAULT 'pending',
            sync_error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            due_at TEXT NOT NULL,
            sla_json TEXT NOT NULL,
            config_version TEXT NOT NULL,
            result TEXT,
            satisfaction TEXT,
            closed_at TEXT,
            closed_by TEXT,
            district_status TEXT,
            district_note TEXT,
            district_answer TEXT,
            district_department TEXT,
            district_due_at TEXT,
            district_updated_at TEXT,
            district_received_at TEXT,
            answer_seen_at TEXT
        )""")
    db.execute("CREATE INDEX matters_status_due ON matters(status, due_at)")
    db.execute("CREATE INDEX matters_created ON matters(created_at)")
    db.execute("CREATE INDEX matters_from_case ON matters(from_case)")
    db.execute("""
        CREATE TABLE matter_handovers (
            id INTEGER PRIMARY KEY,
            matter_uuid TEXT NOT NULL REFERENCES matters(uuid),
            at TEXT NOT NULL,
            from_owner TEXT NOT NULL,
            to_owner TEXT NOT NULL,
            reason TEXT NOT NULL CHECK (reason != ''),
            actor TEXT NOT NULL,
            revision INTEGER NOT NULL
        )""")
    db.execute("CREATE INDEX matter_handovers_matter ON matter_handovers(matter_uuid, id)")
    db.execute("""
        CREATE TABLE matter_configs (
            id INTEGER PRIMARY KEY,
            seq INTEGER NOT NULL,
            version TEXT NOT NULL,
            body_json TEXT NOT NULL,
            received_at TEXT NOT NULL
        )""")


@migration
def m022_matters_queued_after_save(db: sqlite_utils.Database) -> None:
    """A new matter's outbox entry is made just after its save (issue 15's save p99: three
    B-trees fewer in the save's commit), by :meth:`Matters.queue_waiting`: the matters
    saved before have theirs, so the mark starts above them. The index of matters made
    from a case holds only those (most matters have none)."""
    db.execute("DROP INDEX matters_from_case")
    db.execute("CREATE INDEX matters_from_case ON matters(from_case) "
               "WHERE from_case IS NOT NULL")
    db.execute("INSERT OR REPLACE INTO meta(key, value) "
               "SELECT ?, CAST(coalesce(max(id), 0) AS TEXT) FROM matters", [MATTERS_QUEUED])
