"""Attachments: content-addressed blobs and resumable uploads: the part of
:class:`~sync.district.storage.Storage` reached as ``storage.attachments``.

``attachments`` holds complete blobs by SHA-256 (stored once, whoever uploaded them);
``attachment_holders`` which desks uploaded each one; ``attachment_parts`` the chunks of each
desk's upload still in progress, by desk and offset. A chunk is taken only at the offset
received so far; once ``total`` bytes are in, they must hash to the SHA-256 they were
uploaded under, or the parts are dropped and the upload starts again from zero.

A desk acts only for itself: it sees, resumes and restarts only its own uploads. Whether
another desk holds a file, or is uploading one, never shows in its answers — a desk that
has the same file uploads all of it (the district keeps one copy).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import delete as sa_delete
from sqlalchemy import func, select, true

from sync import protocol as P
from sync.district.database import Database
from sync.district.errors import HashMismatch, OffsetMismatch, Refused, TooLarge
from sync.district.tables import attachment_holders, attachment_parts, attachments
from sync.district.upload_quota import DailyCap, charge


class Attachments:
    """The district's attachments (``storage.attachments``): a desk's resumable uploads,
    their status, and the stored files. Holds the database it writes to."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def backfill_holders(self) -> None:
        """The holders of blobs stored before ``attachment_holders`` existed (their first
        uploader); run by :meth:`Storage.migrate`."""
        with self.db.write() as conn:
            if conn.execute(select(attachment_holders.c.sha256).limit(1)).first() is None:
                conn.execute(self.db.dialect_insert(attachment_holders).from_select(
                    ["sha256", "desk_id", "at"],
                    select(attachments.c.sha256, attachments.c.desk_id,
                           attachments.c.created_at).where(true())  # SQLite: WHERE before
                ).on_conflict_do_nothing())  # ON CONFLICT in INSERT ... SELECT

    def status(self, desk_id: str, sha256: str,
                          daily: DailyCap | None = None) -> P.AttachmentStatus:
        """How much of an attachment the district holds from this desk (and, given the
        ``daily`` rule, the desk's upload cap today)."""
        with self.db.read() as conn:
            quota = daily.quota(conn, desk_id) if daily is not None else None
            size = conn.execute(select(attachments.c.size).join(
                attachment_holders, attachment_holders.c.sha256 == attachments.c.sha256).where(
                attachment_holders.c.sha256 == sha256,
                attachment_holders.c.desk_id == desk_id)).scalar()
            if size is not None:
                return P.AttachmentStatus(sha256=sha256, size=size, received=size,
                                          complete=True, quota=quota)
            row = conn.execute(select(func.coalesce(func.sum(func.length(
                attachment_parts.c.data)), 0), func.max(attachment_parts.c.total)).where(
                attachment_parts.c.desk_id == desk_id,
                attachment_parts.c.sha256 == sha256)).one()
        return P.AttachmentStatus(sha256=sha256, size=row[1], received=int(row[0] or 0),
                                  quota=quota)

    def get(self, sha256: str) -> bytes | None:
        """An attachment's bytes, or None (the console's view: any desk's)."""
        with self.db.read() as conn:
            data = conn.execute(select(attachments.c.data).where(
                attachments.c.sha256 == sha256)).scalar()
        return bytes(data) if data is not None else None

    def put(self, desk_id: str, sha256: str, offset: int, total: int, data: bytes,
                       cap: int, daily: DailyCap | None = None) -> P.AttachmentStatus:
        """Store a chunk of this desk's upload; complete once ``total`` bytes hash to
        ``sha256``.

        Idempotent: an attachment this desk already uploaded, or a chunk already received,
        changes nothing. Only this desk's own upload is resumed or restarted. A chunk taken
        is counted against the desk's ``daily`` cap in the same transaction, or refused
        (:mod:`sync.district.upload_quota`).
        """
        if total > cap:
            raise TooLarge(f"附件大小 {total} 字节超过上限 {cap} 字节", cap=cap)
        now = P.utc_now()
        mine = (attachment_parts.c.desk_id == desk_id, attachment_parts.c.sha256 == sha256)
        with self.db.write() as conn:
            size = conn.execute(select(attachments.c.size).join(
                attachment_holders, attachment_holders.c.sha256 == attachments.c.sha256).where(
                attachment_holders.c.sha256 == sha256,
                attachment_holders.c.desk_id == desk_id)).scalar()
            if size is not None:
                return P.AttachmentStatus(sha256=sha256, size=size, received=size,
                                          complete=True)
            parts = conn.execute(select(attachment_parts.c.offset, attachment_parts.c.data,
                                        attachment_parts.c.total).where(*mine)
                                 .order_by(attachment_parts.c.offset)).all()
            if parts and parts[0].total != total:
                conn.execute(sa_delete(attachment_parts).where(*mine))
                parts = []
            received = sum(len(p.data) for p in parts)
            if offset + len(data) <= received:
                return P.AttachmentStatus(sha256=sha256, size=total, received=received)
            if offset != received:
                raise OffsetMismatch(f"续传位置应为 {received}", received=received)
            if received + len(data) > total:
                raise Refused("附件数据超过声明的总大小")
            if daily is not None:
                charge(self.db, conn, desk_id, len(data), daily)
            conn.execute(attachment_parts.insert().values(
                sha256=sha256, offset=offset, total=total, data=data, desk_id=desk_id, at=now))
            received += len(data)
            if received < total:
                return P.AttachmentStatus(sha256=sha256, size=total, received=received)
            blob = b"".join(bytes(p.data) for p in parts) + data
            conn.execute(sa_delete(attachment_parts).where(*mine))
            if hashlib.sha256(blob).hexdigest() == sha256:
                conn.execute(self.db.dialect_insert(attachments).values(
                    sha256=sha256, size=total, data=blob, desk_id=desk_id, created_at=now
                ).on_conflict_do_nothing())
                conn.execute(self.db.dialect_insert(attachment_holders).values(
                    sha256=sha256, desk_id=desk_id, at=now).on_conflict_do_nothing())
                return P.AttachmentStatus(sha256=sha256, size=total, received=total,
                                          complete=True, created=True)
            # else: commit the clean-up, then refuse (the next try starts from zero)
        raise HashMismatch("附件内容与其 SHA-256 不符，请重新上传")
