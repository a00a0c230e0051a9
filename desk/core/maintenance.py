"""Backups, restore and retention for one desk.

- Automatic local backups through SQLite's backup API, at most one per day (taken when
  the app starts or closes, or by ``doorstep-desk backup``), rotated to the newest
  ``KEEP`` files. The district's copy of every synced case is the second line of defence.
- Restore replaces the store with a backup after checking it, keeping the replaced file
  aside so a wrong restore can be undone.
- Retention: personal data of cases completed at the district and synced is purged after
  ``RETENTION_DAYS`` (PIPL Art. 19/47: keep for the shortest necessary time).
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

from desk.core import dbapi
from desk.core.dbapi import DB_ERRORS
from desk.core.errors import StoreError
from desk.core.paths import Paths
from desk.core.store import Store

KEEP = 7
RETENTION_DAYS = 180


def backup_name(when: datetime) -> str:
    """File name of a backup taken at ``when``."""
    return f"desk-{when:%Y%m%d-%H%M%S}.sqlite3"


def list_backups(paths: Paths) -> list[Path]:
    """Backups, newest first."""
    return sorted(paths.backups.glob("desk-*.sqlite3"), reverse=True)


def make_backup(store: Store, paths: Paths, *, now: datetime | None = None) -> Path:
    """Take a backup now and rotate old ones; returns the new file."""
    now = now or datetime.now()
    paths.backups.mkdir(parents=True, exist_ok=True)
    dest = paths.backups / backup_name(now)
    store.backup_to(dest)
    for old in list_backups(paths)[KEEP:]:
        old.unlink(missing_ok=True)
    return dest


def backup_if_due(store: Store, paths: Paths, *, now: datetime | None = None) -> Path | None:
    """Take a backup unless one was taken today."""
    now = now or datetime.now()
    today = f"desk-{now:%Y%m%d}-"
    if any(p.name.startswith(today) for p in list_backups(paths)):
        return None
    return make_backup(store, paths, now=now)


def check_backup(path: Path, key: bytes | None = None) -> int:
    """Verify a backup file (encrypted with ``key`` when the desk is protected); returns
    its number of cases or raises StoreError."""
    try:
        conn = dbapi.connect(f"file:{path}?mode=ro", key, uri=True)
        try:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise StoreError("corrupt", f"备份文件 {path.name} 已损坏，不能用于恢复。")
            return int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
        finally:
            conn.close()
    except DB_ERRORS:
        raise StoreError("corrupt", f"{path.name} 不是有效的办事台备份文件。") from None


def restore(paths: Paths, backup: Path, key: bytes | None = None) -> dict[str, object]:
    """Replace the store with ``backup`` (the store must be closed; ``key`` is the data
    key of a protected desk).

    The current database is moved aside as ``desk.sqlite3.before-restore-<time>``.
    """
    cases = check_backup(backup, key)
    aside = None
    if paths.db.exists():
        aside = paths.db.with_name(f"{paths.db.name}.before-restore-"
                                   f"{datetime.now():%Y%m%d-%H%M%S}")
        # fold the WAL into the main file first so the set-aside copy is complete
        try:
            conn = dbapi.connect(paths.db, key)
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
        except DB_ERRORS:
            pass  # a damaged current store is moved aside as it is
        paths.db.replace(aside)
    for suffix in ("-wal", "-shm"):
        Path(str(paths.db) + suffix).unlink(missing_ok=True)
    tmp = paths.db.with_name(paths.db.name + ".restoring")
    shutil.copyfile(backup, tmp)
    tmp.replace(paths.db)
    return {"restored_from": str(backup), "cases": cases,
            "previous_kept_as": str(aside) if aside else None}


def purge_expired(store: Store, *, days: int = RETENTION_DAYS,
                  today: date | None = None) -> int:
    """Purge personal data of cases completed and synced more than ``days`` ago."""
    today = today or date.today()
    before = (today - timedelta(days=days)).isoformat()
    return store.purge_personal_data(before, "retention")
