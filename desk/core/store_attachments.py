"""The store's side of photos and scans of materials (issue 17; ``store.attachments``).

``attachments`` holds each page a worker captured or chose for a case's material — its
normalised bytes (:mod:`desk.core.attachments`) in ``page_data``, in the database: when the desk
is protected that is the SQLCipher file, encrypted with the store's key, so no image is ever
readable without it and none lies as a plain file in the data folder. Keyed by case and
material, numbered in order (``page``), with an ``attachment_id`` (UUID) that names it on
the wire.

Upload after the case (:mod:`sync.client.attachments`): a page is offered for upload only
once its case has reached the district (an outbox entry of the case acknowledged), so a
case never waits for its images; ``uploaded_at`` says the district holds the bytes,
``linked_at`` that it knows which case and material they belong to. The retention purge
removes a case's pages with its personal data.

Staging (``m021_staged_pages``): a page's bytes live in ``page_data``, apart from its row.
The form's capture dialog *stages* each page as soon as it is normalised
(:meth:`Attachments.stage_page`: its bytes in ``page_data``, a small ``staged_pages`` row
naming the form session and material — its own short transaction, off the UI thread), so
the case's save transaction only *claims* the staged pages (an ``attachments`` row pointing
at bytes already written, the ``staged_pages`` row deleted) and costs about what a save
without pages costs. A staged page belongs to no case: it is never uploaded, listed, found
or backed up (:meth:`desk.core.store_maintenance.Maintenance.backup_to` drops them from
the copy); the pages of a form left without saving are deleted when the form is discarded
(:meth:`Attachments.drop_staged`), those a crash left at the next start, by the retention
purge after a day and by ``doorstep-desk purge``.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import uuid as uuid_mod
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from desk.core.attachments import Page
from desk.core.errors import NotFound, ValidationFailed
from desk.core.store_base import Part, now_iso
from desk.core.store_schema import migration
from forms.engine import Problem

if TYPE_CHECKING:
    import sqlite_utils

ATTACHMENT_COLUMNS = ("attachment_id", "case_uuid", "material", "page", "mime", "size",
                      "sha256", "width", "height", "pages", "created_at", "actor",
                      "uploaded_at", "linked_at")
_COLS = ", ".join(ATTACHMENT_COLUMNS)


@migration
def m017_material_attachments(db: sqlite_utils.Database) -> None:
    """Photos and scans of materials, by case and material (issue 17)."""
    db.execute("""
        CREATE TABLE attachments (
            id INTEGER PRIMARY KEY,
            attachment_id TEXT NOT NULL UNIQUE,
            case_uuid TEXT NOT NULL,
            material TEXT NOT NULL,
            page INTEGER NOT NULL CHECK (page >= 1),
            mime TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'application/pdf')),
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            width INTEGER NOT NULL DEFAULT 0,
            height INTEGER NOT NULL DEFAULT 0,
            pages INTEGER NOT NULL DEFAULT 1,
            data BLOB NOT NULL,
            created_at TEXT NOT NULL,
            actor TEXT NOT NULL,
            uploaded_at TEXT,
            linked_at TEXT,
            UNIQUE (case_uuid, material, page)
        )""")
    db.execute("CREATE INDEX attachments_waiting ON attachments(linked_at, id)")


@migration
def m021_staged_pages(db: sqlite_utils.Database) -> None:
    """Pages' bytes apart from their rows (``page_data``), and pages staged for a form not
    saved yet (``staged_pages``): the case's save claims them instead of writing their bytes
    (issue 17). The existing pages' bytes move to ``page_data`` (same ids)."""
    db.execute("CREATE TABLE page_data (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
    db.execute("""
        CREATE TABLE staged_pages (
            data_id INTEGER PRIMARY KEY,
            session TEXT NOT NULL,
            material TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""")
    # (no index on session: a handful of rows, and the save's claim writes one page less)
    cols = ", ".join(c for c in ATTACHMENT_COLUMNS)
    db.execute("""
        CREATE TABLE attachments_new (
            id INTEGER PRIMARY KEY,
            attachment_id TEXT NOT NULL UNIQUE,
            case_uuid TEXT NOT NULL,
            material TEXT NOT NULL,
            page INTEGER NOT NULL CHECK (page >= 1),
            mime TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'application/pdf')),
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            width INTEGER NOT NULL DEFAULT 0,
            height INTEGER NOT NULL DEFAULT 0,
            pages INTEGER NOT NULL DEFAULT 1,
            data_id INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            actor TEXT NOT NULL,
            uploaded_at TEXT,
            linked_at TEXT,
            UNIQUE (case_uuid, material, page)
        )""")
    db.execute("INSERT INTO page_data (id, data) SELECT id, data FROM attachments")
    db.execute(f"INSERT INTO attachments_new (id, {cols}, data_id) "
               f"SELECT id, {cols}, id FROM attachments")
    db.execute("DROP TABLE attachments")
    db.execute("ALTER TABLE attachments_new RENAME TO attachments")
    db.execute("CREATE INDEX attachments_waiting ON attachments(linked_at, id)")


class Attachments(Part):
    """``store.attachments``: the pages of cases' materials — staged, claimed by a save,
    listed, read, marked uploaded, purged."""

    def _insert_attachments(self, c: sqlite3.Connection, case_uuid: str, material: str,
                            pages: Sequence[Page], actor: str,
                            session: str = "") -> list[dict[str, Any]]:
        """Add ``pages`` after the material's last page, in the caller's transaction: a
        staged page (:meth:`stage_page`) is claimed — still staged, for this form
        ``session`` and ``material``, or :class:`ValidationFailed` (nothing of the change is
        kept) — the others' bytes are written here."""
        last = c.execute("SELECT coalesce(max(page), 0) FROM attachments WHERE case_uuid = ? "
                         "AND material = ?", [case_uuid, material]).fetchone()[0]
        out = []
        at = now_iso()
        for n, p in enumerate(pages, start=last + 1):
            if p.staged:
                if not session or c.execute(
                        "DELETE FROM staged_pages WHERE data_id = ? AND session = ? AND "
                        "material = ?", [p.staged, session, material]).rowcount != 1:
                    raise ValidationFailed([Problem(
                        "attachments", "staged", f"附件：“{material}”第 {n - last} 页已失效"
                        "（已被清理），请删除该页后重新拍照或选择文件")])
                data_id = p.staged
            else:
                data_id = int(c.execute("INSERT INTO page_data (data) VALUES (?)",
                                        [p.data]).lastrowid or 0)
            row = {"attachment_id": str(uuid_mod.uuid4()), "case_uuid": case_uuid,
                   "material": material, "page": n, "mime": p.mime, "size": p.size,
                   "sha256": p.sha256, "width": p.width, "height": p.height,
                   "pages": p.pages, "created_at": at, "actor": actor,
                   "uploaded_at": None, "linked_at": None}
            c.execute(f"INSERT INTO attachments ({_COLS}, data_id) VALUES "
                      f"({', '.join('?' * len(ATTACHMENT_COLUMNS))}, ?)",
                      [*row.values(), data_id])
            out.append(row)
        if out:  # one entry for the material's new pages (a save with 5 pages: 3 WAL pages less)
            self._audit(c, actor, "attachment.add", case_uuid, {"material": material, "pages": [
                {k: r[k] for k in ("attachment_id", "page", "size", "sha256")} for r in out]})
        return out

    # -- staging: a form's pages, written when captured (issue 17) --------------------------

    def stage_page(self, session: str, material: str, page: Page) -> Page:
        """Write a captured page's bytes for form ``session`` (its own transaction; the
        case's save claims it); returns the page marked staged."""
        with self.transaction("页面未暂存") as c:
            data_id = c.execute("INSERT INTO page_data (data) VALUES (?)",
                                [page.data]).lastrowid
            c.execute("INSERT INTO staged_pages (data_id, session, material, created_at) "
                      "VALUES (?, ?, ?, ?)", [data_id, session, material, now_iso()])
        out = dataclasses.replace(page, staged=int(data_id or 0))
        out.__dict__["sha256"] = page.sha256  # hashed here, off the save (~0.3 ms a page)
        return out

    def unstage_pages(self, staged: Sequence[int]) -> int:
        """Delete staged pages (deleted, retaken or turned in the dialog); pages already
        claimed by a case are left alone. Returns how many were deleted."""
        ids = [int(i) for i in staged if i]
        if not ids:
            return 0
        marks = ", ".join("?" * len(ids))
        with self.transaction("页面未删除") as c:
            c.execute(f"DELETE FROM page_data WHERE id IN (SELECT data_id FROM staged_pages "
                      f"WHERE data_id IN ({marks}))", ids)
            return int(c.execute(f"DELETE FROM staged_pages WHERE data_id IN ({marks})",
                                 ids).rowcount)

    def drop_staged(self, session: str | None = None, before: str | None = None) -> int:
        """Delete staged pages: a discarded form ``session``'s, those staged ``before`` (ISO
        time: what a crash left), or all. Returns how many."""
        where, args = [], []
        if session is not None:
            where.append("session = ?")
            args.append(session)
        if before is not None:
            where.append("created_at < ?")
            args.append(before)
        with self.transaction("页面未删除") as c:
            return self._drop_staged(c, *args, where=" AND ".join(where) or "1")

    @staticmethod
    def _drop_staged(c: sqlite3.Connection, *args: str, where: str = "session = ?") -> int:
        c.execute(f"DELETE FROM page_data WHERE id IN (SELECT data_id FROM staged_pages "
                  f"WHERE {where})", args)
        return int(c.execute(f"DELETE FROM staged_pages WHERE {where}", args).rowcount)

    def drop_left_staged(self) -> int:
        """At the window's start, before it has a form: every staged page — a crash's (a
        second window open on the same data folder would lose its form's: that form's save
        then asks for those pages again)."""
        return self.drop_staged()

    def staged_count(self, session: str | None = None) -> int:
        """How many pages are staged (for form ``session``)."""
        rows = self._read("SELECT count(*) AS n FROM staged_pages WHERE ? IS NULL OR "
                          "session = ?", [session, session])
        return int(rows[0]["n"])

    def add_attachments(self, case_uuid: str, material: str, pages: Sequence[Page],
                        actor: str) -> list[dict[str, Any]]:
        """Add pages to a saved case's material (one transaction; audited). Raises
        :class:`NotFound` for an unknown or purged case."""
        with self.transaction("附件未保存") as c:
            row = c.execute("SELECT data_json FROM cases WHERE uuid = ?",
                            [case_uuid]).fetchone()
            if row is None:
                raise NotFound("not_found", f"没有这个案件：{case_uuid}")
            if row[0] == '{"purged": true}':
                raise NotFound("purged", "该案件的个人信息已按保存期限清除，不能再添加附件")
            return self._insert_attachments(c, case_uuid, material, pages, actor)

    def attachments_writer(self, case_uuid: str,
                           attachments: Sequence[tuple[str, Sequence[Page]]],
                           actor: str, session: str = ""
                           ) -> Callable[[sqlite3.Connection, Any], None]:
        """What adds ``(material, pages)`` to a case inside another change's transaction
        (``update_case(also=…)``: pages brought later with a 补交, issue 17)."""
        def write(c: sqlite3.Connection, _case: Any) -> None:
            for material, pages in attachments:
                self._insert_attachments(c, case_uuid, material, pages, actor, session)
        return write

    def attachments_of(self, case_uuid: str) -> list[dict[str, Any]]:
        """A case's pages (without their bytes), by material and page."""
        return self._read(f"SELECT {_COLS} FROM attachments WHERE case_uuid = ? "
                          "ORDER BY material, page", [case_uuid])

    def attachments_of_cases(self, case_uuids: Sequence[str]) -> list[dict[str, Any]]:
        """The pages (without their bytes) of several cases (a resident's: issue 23)."""
        if not case_uuids:
            return []
        return self._read(f"SELECT {_COLS} FROM attachments WHERE case_uuid IN "
                          f"({', '.join('?' * len(case_uuids))}) ORDER BY material, page",
                          list(case_uuids))

    def attachment_rows(self, attachment_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The pages (without their bytes) with these ids (those that exist)."""
        if not attachment_ids:
            return []
        return self._read(f"SELECT {_COLS} FROM attachments WHERE attachment_id IN "
                          f"({', '.join('?' * len(attachment_ids))})", list(attachment_ids))

    def attachment_data(self, attachment_id: str) -> bytes:
        """One page's bytes; :class:`NotFound` when there is no such page."""
        rows = self._read("SELECT d.data FROM attachments a JOIN page_data d ON "
                          "d.id = a.data_id WHERE a.attachment_id = ?", [attachment_id])
        if not rows:
            raise NotFound("not_found", f"没有这个附件：{attachment_id}")
        return bytes(rows[0]["data"])

    def attachments_waiting(self, limit: int = 100) -> list[dict[str, Any]]:
        """Pages the district does not hold linked yet, whose case already reached it (an
        outbox entry of the case acknowledged), oldest first."""
        return self._read(
            f"SELECT {_COLS} FROM attachments a WHERE linked_at IS NULL AND EXISTS ("
            "SELECT 1 FROM outbox o WHERE o.case_uuid = a.case_uuid AND o.kind = 'case' "
            "AND o.state = 'sent') ORDER BY id LIMIT ?", [limit])

    def attachment_counts(self) -> dict[str, int]:
        """``waiting`` pages not yet at the district (``bytes`` of them), ``held`` there."""
        row = self._read("SELECT count(*) FILTER (WHERE linked_at IS NULL) AS waiting, "
                         "coalesce(sum(size) FILTER (WHERE linked_at IS NULL), 0) AS bytes, "
                         "count(*) FILTER (WHERE linked_at IS NOT NULL) AS held "
                         "FROM attachments")[0]
        return {k: int(v or 0) for k, v in row.items()}

    def mark_attachment_uploaded(self, attachment_id: str) -> None:
        """The district holds this page's bytes."""
        with self.transaction("上传状态未保存") as c:
            c.execute("UPDATE attachments SET uploaded_at = ? WHERE attachment_id = ? AND "
                      "uploaded_at IS NULL", [now_iso(), attachment_id])

    def mark_attachments_linked(self, attachment_ids: Sequence[str]) -> None:
        """The district knows these pages' case and material: nothing left to send."""
        at = now_iso()
        with self.transaction("上传状态未保存") as c:
            c.executemany("UPDATE attachments SET linked_at = ?, uploaded_at = "
                          "coalesce(uploaded_at, ?) WHERE attachment_id = ?",
                          [(at, at, a) for a in attachment_ids])

    def offer_again(self) -> int:
        """The district's history went back (restored from a backup): the pages it held
        may be gone with it, so every page still on this desk is offered again, in one
        transaction — the lane asks what the district holds of each before sending a byte
        (bytes it still has are not sent again, a link it has is a duplicate). Pages whose
        case the retention purge removed are gone here too. Returns how many."""
        with self.transaction("上传状态未保存") as c:
            n = c.execute("UPDATE attachments SET uploaded_at = NULL, linked_at = NULL "
                          "WHERE uploaded_at IS NOT NULL OR linked_at IS NOT NULL").rowcount
            if n:
                self._audit(c, "sync", "sync.resend_attachments", None, {"pages": n})
        return int(n)

    def _purge_attachments(self, c: sqlite3.Connection, case_uuid: str) -> int:
        """Remove a case's pages (the retention purge), in the caller's transaction."""
        c.execute("DELETE FROM page_data WHERE id IN (SELECT data_id FROM attachments "
                  "WHERE case_uuid = ?)", [case_uuid])
        return c.execute("DELETE FROM attachments WHERE case_uuid = ?", [case_uuid]).rowcount

    def note_attachments_copied(self, case_uuid: str, actor: str, count: int,
                                to: str) -> None:
        """Audit a copy of a case's pages out of the store (``attachments --out``)."""
        with self.transaction("记录未保存") as c:
            self._audit(c, actor, "attachment.export", case_uuid, {"count": count, "to": to})
