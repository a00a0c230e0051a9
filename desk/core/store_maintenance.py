"""Backups, encryption and retention (``store.maintenance``).

Online backups through SQLite's backup API (written under a temporary name, then renamed),
an encrypted copy of a plain database (SQLCipher's ``sqlcipher_export``), and the purge of
personal data past retention.
"""

from __future__ import annotations

from pathlib import Path

from desk.core import dbapi
from desk.core.dbapi import DB_ERRORS
from desk.core.errors import StoreError, translate_sqlite
from desk.core.store_attachments import Attachments
from desk.core.store_base import Part, StoreBase
from desk.core.store_reconcile import Reconcile
from desk.core.store_search import Search


def check_file(path: Path, key: bytes | None, name: str) -> int:
    """Verify the database file ``path`` (a backup, encrypted with ``key`` when the desk
    is protected) read-only; its number of cases, or StoreError ``corrupt`` naming ``name``.
    """
    try:
        conn = dbapi.connect(f"file:{path}?mode=ro", key, uri=True)
        try:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise StoreError("corrupt", f"备份文件 {name} 已损坏，不能用于恢复。")
            return int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
        finally:
            conn.close()
    except DB_ERRORS:
        raise StoreError("corrupt", f"{name} 不是有效的办事台备份文件。") from None


def fold_wal(path: Path, key: bytes | None) -> None:
    """Fold the WAL of the (closed) database ``path`` into its main file, so a copy of
    that file alone is complete; a damaged file is left as it is."""
    try:
        conn = dbapi.connect(path, key)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except DB_ERRORS:
        pass


class Maintenance(Part):
    """``store.maintenance``: backups, encrypted copies and the retention purge of cases
    (their search keys through ``search``, their pages through ``attachments``; only what
    the district confirmed holding, asked of ``reconcile``: see :meth:`purge_personal_data`).
    """

    def __init__(self, core: StoreBase, search: Search, attachments: Attachments,
                 reconcile: Reconcile) -> None:
        super().__init__(core)
        self._search = search
        self._attachments = attachments
        self._reconcile = reconcile

    def backup_to(self, dest: Path) -> None:
        """Copy the whole database to ``dest`` with SQLite's online backup API.

        The copy is consistent even while the desk keeps working; it is written to a
        temporary name and renamed, so a half-written backup never looks complete.
        """
        dest = Path(dest)
        tmp = dest.with_name(dest.name + ".part")
        tmp.unlink(missing_ok=True)
        with self._core.reading() as conn:
            # never a backup of a store re-keyed or replaced under this process: it would
            # be under the old key (or none)
            self._core.check_same_file()
            # a backup of an encrypted store is encrypted with the same key
            target = dbapi.connect(tmp, self._core.key)
            try:
                conn.backup(target)
                # issue 17: pages staged for a form not saved belong to no case: not kept
                target.execute("PRAGMA secure_delete=ON")
                self._attachments._drop_staged(target, where="1")
                target.commit()
                target.execute("PRAGMA journal_mode=DELETE")
                ok = target.execute("PRAGMA quick_check").fetchone()[0]
            except DB_ERRORS as exc:
                target.close()
                tmp.unlink(missing_ok=True)
                known = translate_sqlite(exc, "备份未完成（已有备份不受影响）")
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
            known = translate_sqlite(exc, "数据未加密，原数据保持不变")
            if known is not None:
                raise known from None
            raise
        finally:
            conn.close()
        return n

    def purge_personal_data(self, before: str, actor: str) -> int:
        """Remove personal data of cases completed at the district and synced, whose
        district completion is older than ``before`` (ISO date), and whose every record the
        district has confirmed holding since its last epoch (:meth:`confirmed`): what it
        has not confirmed stays sendable, should it be restored from a backup.

        What stays is what the worker still needs: receipt number, item, dates and
        statuses. The applicant's name is reduced to its surname and a mask.
        Returns how many cases were purged.
        """
        confirmed = self._reconcile.confirmed()
        with self.transaction() as c:
            # issue 22: only cases whose every record the district confirmed holding since
            # its last epoch (a restored district gets back what it lost from the outbox)
            rows = c.execute(
                "SELECT id, uuid, applicant_name FROM cases WHERE district_status = "
                "'completed' AND sync_state = 'synced' AND district_updated_at < ? "
                "AND data_json != '{\"purged\": true}' AND NOT EXISTS (SELECT 1 FROM outbox o "
                "WHERE o.case_uuid = cases.uuid AND (o.state = 'pending' OR "
                "(o.state = 'sent' AND o.id > ?)))", [before, confirmed]).fetchall()
            for case_id, uuid, name in rows:
                masked = (name[:1] + "*" * (len(name) - 1)) if name else ""
                c.execute("UPDATE cases SET applicant_name = ?, data_json = "
                          "'{\"purged\": true}', materials_json = '{\"received\": [], "
                          "\"missing\": [], \"purged\": true}' WHERE id = ?",
                          [masked, case_id])
                # the search keys too: names, their index pieces, initials, ID, phone
                self._search._unindex_case(c, case_id)
                # issue 17: the photos and scans of its materials go with it
                self._attachments._purge_attachments(c, uuid)
                c.execute("UPDATE outbox_payloads SET payload_json = '{\"purged\": true}' "
                          "WHERE id IN (SELECT id FROM outbox WHERE case_uuid = ? AND "
                          "state != 'pending')", [uuid])
                self._audit(c, actor, "case.purge", uuid, {"reason": "retention"})
        if rows:  # old page images live in the WAL until a checkpoint: fold them in now
            self._core.checkpoint()
        return len(rows)
