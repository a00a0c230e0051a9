"""The desk database's schema: the migrations, and the columns of a case (part of the store).

Migrations are registered with :func:`migration` (applied in the order registered) and
applied by :func:`_apply_migrations` when :class:`desk.core.store.Store` opens a file.
sqlite-utils is imported only when a migration is pending, never for a current store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
        known = {fn.__name__ for fn in _MIGRATIONS}
        if applied - known:
            # written by a newer desk (a downgrade): its tables may have another shape, so
            # nothing is read or written — the worker installs the newer version again
            from desk.core.errors import StoreError

            raise StoreError("newer_schema", (
                "办事台数据由较新版本的家门口办事台保存过（数据结构 "
                f"{'、'.join(sorted(applied - known))}），本程序版本较旧，不能打开。"
                "请安装新版本后再使用；数据没有任何改动。"))
        if known <= applied:
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


@migration
def m002_catalog_seq(db: sqlite_utils.Database) -> None:
    """Pulled catalog versions keep the district's publish sequence: the newest catalog is
    the one published last, never the greatest version text (``…hanyang.10`` after
    ``…hanyang.9``). Versions pulled before have none and count as older."""
    db.execute("ALTER TABLE catalogs ADD COLUMN seq INTEGER")
    db.execute("CREATE INDEX catalogs_seq ON catalogs(seq)")


@migration
def m003_district_event_epochs(db: sqlite_utils.Database) -> None:
    """District events are keyed by the district's epoch and seq (issue 22): a district
    restored from a backup numbers its changes again from where the backup ended, so a seq
    alone no longer names one change. Events pulled before carry the epoch '' (adopted as
    the district's current epoch at the first agreement check)."""
    db.execute("""
        CREATE TABLE district_events_new (
            id INTEGER PRIMARY KEY,
            epoch TEXT NOT NULL DEFAULT '',
            seq INTEGER NOT NULL,
            case_uuid TEXT,
            kind TEXT NOT NULL,
            body_json TEXT NOT NULL,
            at TEXT NOT NULL,
            UNIQUE (epoch, seq)
        )""")
    db.execute("INSERT INTO district_events_new(id, epoch, seq, case_uuid, kind, body_json, at) "
               "SELECT seq, '', seq, case_uuid, kind, body_json, at FROM district_events")
    db.execute("DROP TABLE district_events")
    db.execute("ALTER TABLE district_events_new RENAME TO district_events")
    db.execute("CREATE INDEX district_events_case ON district_events(case_uuid, seq)")


@migration
def m004_holiday_calendars(db: sqlite_utils.Database) -> None:
    """The district's holiday arrangements (one row per version pulled) and the worker's
    list of promised dates they moved (see desk.core.store_calendar)."""
    db.execute("""
        CREATE TABLE calendars (
            id INTEGER PRIMARY KEY,
            seq INTEGER NOT NULL,
            year INTEGER NOT NULL,
            version INTEGER,
            body_json TEXT NOT NULL,
            published_at TEXT NOT NULL DEFAULT '',
            received_at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX calendars_year ON calendars(year, id)")
    db.execute("""
        CREATE TABLE promise_updates (
            id INTEGER PRIMARY KEY,
            case_uuid TEXT NOT NULL,
            receipt_no TEXT NOT NULL,
            item_name TEXT NOT NULL,
            field TEXT NOT NULL,
            old_date TEXT,
            new_date TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            revision INTEGER NOT NULL,
            at TEXT NOT NULL,
            seen_at TEXT
        )""")
    db.execute("CREATE INDEX promise_updates_case ON promise_updates(case_uuid, id)")
