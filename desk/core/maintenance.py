"""Backups, restore and retention for one desk: the policy and the files (when, where,
how many, what is set aside). Every read or write of a database file goes through the
store (:mod:`desk.core.store_maintenance`); this module never opens SQLite itself.

- Automatic local backups through SQLite's backup API, at most one per day (taken when
  the app starts or closes, or by ``doorstep-desk backup``), rotated to the newest
  ``KEEP`` files. The district's copy of every synced case is the second line of defence.
- Restore replaces the store with a backup after checking it, keeping the replaced file
  aside so a wrong restore can be undone.
- Retention: personal data of cases completed at the district and synced is purged after
  ``RETENTION_DAYS`` (PIPL Art. 19/47: keep for the shortest necessary time).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from desk.core import clock, inuse
from desk.core.errors import StoreError
from desk.core.paths import Paths
from desk.core.store import Store
from desk.core.store_maintenance import Maintenance, check_file, fold_wal

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
    now = now or clock.now()
    paths.backups.mkdir(parents=True, exist_ok=True)
    dest = paths.backups / backup_name(now)
    store.maintenance.backup_to(dest)
    for old in list_backups(paths)[KEEP:]:
        old.unlink(missing_ok=True)
    return dest


def backup_if_due(store: Store, paths: Paths, *, now: datetime | None = None) -> Path | None:
    """Take a backup unless one was taken today."""
    now = now or clock.now()
    today = f"desk-{now:%Y%m%d}-"
    if any(p.name.startswith(today) for p in list_backups(paths)):
        return None
    return make_backup(store, paths, now=now)


def check_backup(path: Path, key: bytes | None = None) -> int:
    """Verify a backup file (encrypted with ``key`` when the desk is protected); returns
    its number of cases or raises StoreError."""
    return check_file(path, key, path.name)


def restore(paths: Paths, backup: Path, key: bytes | None = None) -> dict[str, object]:
    """Replace the store with ``backup`` (the store must be closed; ``key`` is the data
    key of a protected desk).

    The current database is moved aside as ``desk.sqlite3.before-restore-<time>``.
    Needs the data folder alone (DeskError ``in_use`` while a window or command has it
    open), so no process keeps writing to the replaced file.
    """
    with inuse.exclusive(paths.data_dir):
        return _restore(paths, backup, key)


def _restore(paths: Paths, backup: Path, key: bytes | None) -> dict[str, object]:
    cases = check_backup(backup, key)
    aside = None
    if paths.db.exists():
        aside = paths.db.with_name(f"{paths.db.name}.before-restore-"
                                   f"{clock.now():%Y%m%d-%H%M%S}")
        # the set-aside copy is complete (a damaged current store is moved aside as it is)
        fold_wal(paths.db, key)
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
    """Purge personal data of cases completed and synced more than ``days`` ago (resident
    matters: :func:`purge_expired_matters`)."""
    today = today or clock.today()
    before = (today - timedelta(days=days)).isoformat()
    # issue 17: pages staged for a form more than a day ago (left by a crash; an open form
    # of another window keeps today's)
    store.attachments.drop_staged(before=(today - timedelta(days=1)).isoformat())
    return store.maintenance.purge_personal_data(before, "retention")


def purge_expired_matters(store: Store, *, days: int = RETENTION_DAYS,
                          today: date | None = None) -> int:
    """Purge personal data of resident matters closed and synced more than ``days`` ago
    (the cases' rules, issue 15); returns how many."""
    before = ((today or clock.today()) - timedelta(days=days)).isoformat()
    return store.matters.purge_matter_personal_data(before, "retention")


# -- protect: nothing readable left behind ------------------------------------------------

SQLITE_HEADER = b"SQLite format 3\x00"
# temporary copies the desk writes (a crash may leave them): plain, or under a lost key
_TEMP_SUFFIXES = (".part", ".restoring", ".encrypting", ".plain-protect", "-wal", "-shm",
                  "-journal")
_KEEP = ("desk.lock", "keyring.json")  # lock files and the keyring hold no case data


def is_plain_sqlite(path: Path) -> bool:
    """True when ``path`` is an unencrypted SQLite database (readable without a key)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_HEADER
    except OSError:
        return False


def shred(path: Path) -> None:
    """Overwrite ``path`` with zeros, flush it to disk, then delete it.

    (On SSDs and copy-on-write file systems old blocks may survive in the device; full-disk
    encryption covers that. What this guarantees is that no file under the data folder
    still holds the plain bytes.)"""
    try:
        size = path.stat().st_size
        with open(path, "r+b") as fh:
            zeros = bytes(1 << 20)
            left = size
            while left > 0:
                left -= fh.write(zeros[:min(left, len(zeros))])
            fh.flush()
            os.fsync(fh.fileno())
        path.unlink()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError("write", f"无法清除明文文件 {path.name}（{exc.strerror or exc}），"
                                  "请关闭占用它的程序后重试") from None


@dataclass
class EncryptPlan:
    """Encrypted copies made by :func:`encrypt_folder_prepare`, not yet in place."""

    copies: list[tuple[Path, Path]] = field(default_factory=list)  # (plain, encrypted)
    drop: list[Path] = field(default_factory=list)  # plain files that could not be copied
    cases: int = 0


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def encrypt_folder_prepare(paths: Paths, key: bytes) -> EncryptPlan:
    """Step 1 of protecting a desk (data folder held exclusively): write an encrypted copy
    of the database, of every set-aside copy (``desk.sqlite3.before-restore-*``) and of
    every plain backup, each beside its original. Nothing is replaced yet."""
    plan = EncryptPlan()
    sources: list[Path] = []
    if paths.db.exists():
        sources.append(paths.db)
    sources += sorted(p for p in paths.data_dir.glob(paths.db.name + ".before-restore-*")
                      if not p.name.endswith(_TEMP_SUFFIXES))
    sources += list_backups(paths)
    try:
        for src in sources:
            if src != paths.db and not is_plain_sqlite(src):
                continue  # already encrypted
            enc = src.with_name(src.name + ".encrypting")
            try:
                n = Maintenance.encrypt_copy(src, enc, key)
            except StoreError:
                if src == paths.db:
                    raise
                # a damaged set-aside or backup cannot be copied: it is removed instead
                plan.drop.append(src)
                continue
            _fsync_file(enc)
            plan.copies.append((src, enc))
            if src == paths.db:
                plan.cases = n
    except BaseException:
        encrypt_folder_abandon(plan)
        raise
    return plan


def encrypt_folder_abandon(plan: EncryptPlan) -> None:
    """Drop the encrypted copies of a protect that did not go through."""
    for _src, enc in plan.copies:
        enc.unlink(missing_ok=True)


def _swap_in(src: Path, enc: Path) -> None:
    """Put ``enc`` in place of ``src`` and shred the plain bytes. A hard link keeps the
    plain file reachable for shredding while the rename replaces it atomically (so the
    store is never missing); without hard links (FAT) it is renamed aside first."""
    aside = src.with_name(src.name + ".plain-protect")
    aside.unlink(missing_ok=True)
    try:
        os.link(src, aside)
    except OSError:
        src.replace(aside)
    enc.replace(src)
    shred(aside)


def encrypt_folder_commit(paths: Paths, plan: EncryptPlan) -> int:
    """Step 2 (after the keyring holds the key): swap every encrypted copy in, shred the
    plain originals, set-asides that could not be encrypted and every temporary or stray
    plain database under the data folder. Returns the number of cases in the store."""
    for src, enc in plan.copies:
        _swap_in(src, enc)
    for src in plan.drop:
        shred(src)
    sweep_plaintext(paths)
    return plan.cases


def sweep_plaintext(paths: Paths) -> list[Path]:
    """Shred every plain SQLite file and every temporary database file (WAL, journal,
    half-written backup or restore copy) under the data folder; the paths removed.
    Only while the folder is held exclusively and every store is closed."""
    removed = []
    for p in sorted(paths.data_dir.rglob("*")):
        if not p.is_file() or p.name.startswith(_KEEP):
            continue
        if p.name.endswith(_TEMP_SUFFIXES) or is_plain_sqlite(p):
            shred(p)
            removed.append(p)
    return removed
