"""Enrollment and the desks: the part of :class:`~sync.district.storage.Storage` reached as
``storage.desks``.

A desk is enrolled with a one-time code staff issue for it (only the code's hash is
stored; :meth:`Desks.create_enroll_code`, :meth:`Desks.pending_enroll_codes`,
:meth:`Desks.cancel_enroll_code`), exchanged for a desk id and secret by
:meth:`Desks.enroll`; the signed API finds the desk (:meth:`Desks.get`) and remembers each
request's nonce (:meth:`Desks.remember_nonce`); staff list and revoke desks. Desk codes'
format and replacement rules are :mod:`sync.district.desk_codes`.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy import delete as sa_delete
from sqlalchemy.exc import IntegrityError

from sync import protocol as P
from sync.district import desk_codes
from sync.district.database import AuditHook, Database, driver_sql
from sync.district.errors import BadEnrollmentCode, NotFound, Refused
from sync.district.reconcile import Reconcile
from sync.district.releases import release_key
from sync.district.tables import desk_keys, desks, enroll_codes, nonces

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace(" ", "").encode()).hexdigest()


class Desks:
    """Enrollment codes, the desks and their request nonces (``storage.desks``). Holds the
    database; given :attr:`reconcile` (an enrolling laptop that replaces one links to what
    the district holds of it)."""

    def __init__(self, db: Database, reconcile: Reconcile) -> None:
        self.db = db
        self.reconcile = reconcile
        self._nonce_purge_at = 0.0

    def create_enroll_code(self, desk_code: str, name: str, *, ttl_hours: float = 72,
                           audit: AuditHook | None = None, replaces: str | None = None) -> str:
        """A one-time enrollment code for the named desk (only its hash is stored).

        Refused for a code an active desk holds unless ``replaces`` names that desk (an
        explicit replacement: the old desk is revoked when the new laptop enrolls); the
        code's format is checked (:mod:`sync.district.desk_codes`)."""
        if not name.strip():
            raise Refused("办事点名称不能为空", field="name")
        desk_code = desk_codes.check_desk_code(desk_code)
        replaces = (replaces or "").strip() or None
        raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
        code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
        now = datetime.now(UTC)
        with self.db.write() as conn:
            desk_codes.check_new_code(conn, desk_code, replaces)
            conn.execute(enroll_codes.insert().values(
                code_hash=_hash_code(code), desk_code=desk_code, name=name.strip(),
                created_at=now.isoformat(timespec="milliseconds"),
                expires_at=(now + timedelta(hours=ttl_hours)).isoformat(timespec="milliseconds"),
                replaces=replaces))
            if audit is not None:
                audit(conn, {"desk_code": desk_code, "name": name.strip(),
                             **({"replaces": replaces} if replaces else {})})
        return code

    def pending_enroll_codes(self) -> list[dict[str, Any]]:
        """Enrollment codes issued and not yet used, newest first (the code itself is never
        stored: ``key`` names one for cancelling); ``expired`` when past ``expires_at``."""
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self.db.read() as conn:
            rows = [dict(r) for r in conn.execute(
                select(enroll_codes.c.code_hash, enroll_codes.c.desk_code, enroll_codes.c.name,
                       enroll_codes.c.created_at, enroll_codes.c.expires_at,
                       enroll_codes.c.replaces)
                .where(enroll_codes.c.used_at.is_(None))
                .order_by(enroll_codes.c.created_at.desc())).mappings()]
        for r in rows:
            r["key"] = r.pop("code_hash")[:16]
            r["expired"] = r["expires_at"] < now
        return rows

    def cancel_enroll_code(self, key: str, *, audit: AuditHook | None = None) -> dict[str, Any]:
        """Cancel an unused enrollment code (``key`` from :meth:`pending_enroll_codes`):
        it can no longer enroll a desk. :class:`NotFound` when there is no such unused code."""
        key = key.strip().lower()
        if len(key) != 16 or not all(ch in "0123456789abcdef" for ch in key):
            raise NotFound("没有这个注册码")
        with self.db.write() as conn:
            row = conn.execute(select(enroll_codes).where(
                enroll_codes.c.code_hash.startswith(key, autoescape=True),
                enroll_codes.c.used_at.is_(None))).mappings().first()
            if row is None:
                raise NotFound("没有这个未使用的注册码（可能已被使用或已作废）")
            gone = conn.execute(sa_delete(enroll_codes).where(
                enroll_codes.c.code_hash == row["code_hash"], enroll_codes.c.used_at.is_(None)))
            if gone.rowcount != 1:  # used by a desk enrolling at this very moment
                raise NotFound("注册码刚刚已被使用，未作废")
            res = {"desk_code": row["desk_code"], "name": row["name"],
                   "expires_at": row["expires_at"]}
            if audit is not None:
                audit(conn, res)
        return res

    def enroll(self, req: P.EnrollRequest, public_url: str = "") -> P.EnrollResponse:
        """Exchange a one-time code for a desk id and secret (the code is spent);
        ``public_url`` is the address the desk should keep (``DOORSTEP_PUBLIC_URL``)."""
        now = P.utc_now()
        desk_id = "desk-" + secrets.token_hex(8)
        secret = P.new_secret()
        row: Any = None
        try:
            with self.db.write() as conn:
                row = conn.execute(select(enroll_codes).where(
                    enroll_codes.c.code_hash == _hash_code(req.code))).mappings().first()
                if row is None or row["used_at"] is not None or row["expires_at"] < now:
                    raise BadEnrollmentCode("注册码无效、已使用或已过期，请向区级管理员重新申请")
                spent = conn.execute(update(enroll_codes).where(
                    enroll_codes.c.code_hash == row["code_hash"],
                    enroll_codes.c.used_at.is_(None)).values(used_at=now, desk_id=desk_id))
                if spent.rowcount != 1:
                    raise BadEnrollmentCode("注册码已被使用")
                if row["replaces"]:  # an explicit replacement: the old desk stops here
                    desk_codes.take_over(conn, desk_id, row["replaces"], now)
                conn.execute(desks.insert().values(
                    desk_id=desk_id, desk_code=row["desk_code"], name=row["name"], secret=secret,
                    receipt_key=req.receipt_key, enrolled_at=now,
                    client_version=req.client_version[:40]))
                self.reconcile.link_previous_desk(conn, desk_id, req.previous_desk_id, row["desk_code"])
                _key, release_public = release_key(self.db, conn)  # issue 19: the desk pins it
        except IntegrityError:  # another laptop enrolled under this code at the same moment
            raise desk_codes.duplicate_enrollment(row["desk_code"] if row else "") from None
        return P.EnrollResponse(desk_id=desk_id, desk_secret=secret, desk_code=row["desk_code"],
                                name=row["name"], enrolled_at=now,
                                replaces=row["replaces"] or "", release_key=release_public,
                                public_url=public_url)

    def get(self, desk_id: str) -> dict[str, Any] | None:
        """A desk row (with its secret), or None. (Read for every signed request: one
        statement, no transaction around it — :meth:`Database.lookup`.)"""
        with self.db.lookup() as conn:
            row = conn.execute(select(desks).where(desks.c.desk_id == desk_id)).mappings().first()
        return dict(row) if row else None

    def all(self) -> list[dict[str, Any]]:
        """Every desk, without secrets."""
        cols = [c for c in desks.c if c.name != "secret"]
        with self.db.read() as conn:
            return [dict(r) for r in conn.execute(
                select(*cols).order_by(desks.c.enrolled_at)).mappings()]

    def revoke(self, desk_id: str, *, audit: AuditHook | None = None) -> None:
        """Refuse every later request from this desk, and forget its PIN key share (a
        stolen desk's PIN can then never open its data)."""
        with self.db.write() as conn:
            done = conn.execute(update(desks).where(desks.c.desk_id == desk_id,
                                                    desks.c.revoked_at.is_(None))
                                .values(revoked_at=P.utc_now()))
            conn.execute(sa_delete(desk_keys).where(desk_keys.c.desk_id == desk_id))
            if done.rowcount == 0 and conn.execute(select(desks.c.desk_id).where(
                    desks.c.desk_id == desk_id)).first() is None:
                raise NotFound(f"没有编号为 {desk_id} 的办事点")
            if audit is not None:
                audit(conn, {"desk_id": desk_id, "revoked": done.rowcount == 1})

    def remember_nonce(self, desk_id: str, nonce: str) -> bool:
        """Record a request nonce; False when it was seen before (a replay). A batch's
        nonce is recorded in the batch's own transaction instead (:meth:`note_nonce`)."""
        with self.db.write() as conn:
            fresh = self.note_nonce(conn, desk_id, nonce)
            self._tidy(conn, desk_id)
        return fresh

    def note_nonce(self, conn: Connection, desk_id: str, nonce: str) -> bool:
        """Record a request nonce in the caller's write transaction ``conn`` (kept only
        if it commits); False when it was seen before (a replay)."""
        return driver_sql(conn, "INSERT INTO nonces (desk_id, nonce, seen_at) VALUES (?, ?, ?) "
                          "ON CONFLICT DO NOTHING RETURNING nonce",
                          (desk_id, nonce, time.time())).first() is not None

    def tidy_due(self) -> bool:
        """Whether :meth:`tidy_nonces` has work (at most every 30 s)."""
        return time.time() >= self._nonce_purge_at

    def tidy_nonces(self, desk_id: str) -> None:
        """After a batch (its nonce noted by :meth:`note_nonce`): forget nonces past the
        clock window and note the desk's contact, when due — in a short transaction of its
        own, not the batch's (whose locks it would otherwise hold till the batch ends)."""
        if self.tidy_due():
            with self.db.write(durable=False) as conn:
                self._tidy(conn, desk_id)

    def _tidy(self, conn: Connection, desk_id: str) -> None:
        now = time.time()
        if now >= self._nonce_purge_at:
            conn.execute(sa_delete(nonces).where(nonces.c.seen_at < now - 2 * P.MAX_SKEW))
            conn.execute(update(desks).where(desks.c.desk_id == desk_id)
                         .values(last_seen_at=P.utc_now()))
            self._nonce_purge_at = now + 30
