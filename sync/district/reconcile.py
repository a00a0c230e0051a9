"""The district's identity and epochs, and its agreement with each desk (issue 22): the part
of :class:`~sync.district.storage.Storage` reached as ``storage.reconcile``.

- **Identity and epoch.** ``meta`` holds ``district_id`` (random, made once with the
  database) and the current epoch: ``epoch`` (a counter), ``epoch_id`` (random),
  ``epoch_started_at`` and ``epoch_reason``; ``epochs`` keeps every epoch. A new epoch
  starts whenever the district's history may have gone back: ``doorstep-district restore``
  (:mod:`sync.district.restore`) starts one after restoring a backup, and :meth:`Reconcile.check`
  starts one itself when a desk, in the same epoch, reports more than the district holds
  (a pull cursor past the newest change, or more acknowledged records than are held) — a
  database restored by hand.
- **What the district holds of each desk.** ``desk_records`` has one row per record (case
  revision or rating) the district acknowledged to a desk, accepted or duplicate, with the
  desk's outbox id; it is written in the batch's own transaction
  (:meth:`Reconcile.note_records`), so a restored database's rows are exactly the records
  it holds. The count and the highest
  outbox id (the watermark) answer :meth:`Reconcile.check`.
- **Agreement.** ``desk_agreement`` keeps each desk's last check: the epoch, what was held
  and acknowledged, and whether they agreed. The console's desks page shows, per desk,
  whether it has agreed since the current epoch began.
- **Decisions the district lost.** ``status_reports`` keeps the decisions a desk had pulled
  and the restored district no longer has, reported by the desk as its knowledge; they are
  shown to administrators, never applied as district decisions.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Connection, func, inspect, select, text

from sync import protocol as P
from sync.district.console.audit import append_audit
from sync.district.database import Database
from sync.district.tables import (
    cases,
    changes,
    desk_agreement,
    desk_records,
    desks,
    epochs,
    meta,
    status_reports,
)

_IDENTITY_KEYS = ("district_id", "epoch", "epoch_id", "epoch_started_at", "epoch_reason")
_HELD = ("accepted", "duplicate")


class Reconcile:
    """The district's identity, epochs and desk agreement (``storage.reconcile``). Holds
    the database it reads and writes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- identity and epochs ----------------------------------------------------------------

    def has_records_table(self) -> bool:
        """Whether ``desk_records`` exists yet (asked by :meth:`Storage.migrate` before the
        schema is brought to head: a database made before it gets a backfill)."""
        with self.db.read() as conn:
            return bool(inspect(conn).has_table("desk_records"))

    def ensure_identity(self, *, backfill: bool) -> None:
        """The identity (once) and, for a database made before ``desk_records`` existed
        (``backfill``), what it holds counted from the revisions and ratings; run by
        :meth:`Storage.migrate` after the schema is at head."""
        with self.db.write() as conn:
            self._ensure_identity(conn)
            if backfill:
                self._backfill_records(conn)

    def _ensure_identity(self, conn: Connection) -> None:
        have = self._meta(conn)
        now = P.utc_now()
        if "district_id" not in have:
            conn.execute(self.db.dialect_insert(meta).values(key="district_id",
                                                   value=secrets.token_hex(16))
                         .on_conflict_do_nothing())
        if "epoch_id" not in have:
            epoch_id = secrets.token_hex(16)
            ins = self.db.dialect_insert(meta)
            conn.execute(ins.values([
                {"key": "epoch", "value": "1"}, {"key": "epoch_id", "value": epoch_id},
                {"key": "epoch_started_at", "value": now},
                {"key": "epoch_reason", "value": "created"}]).on_conflict_do_nothing())
            if self._meta(conn).get("epoch_id") == epoch_id:
                conn.execute(self.db.dialect_insert(epochs).values(
                    epoch=1, epoch_id=epoch_id, started_at=now, reason="created",
                    actor="system", detail="").on_conflict_do_nothing())

    def _backfill_records(self, conn: Connection) -> None:
        """Rows for records received before ``desk_records`` existed (no outbox id)."""
        cols = "desk_id, kind, case_uuid, revision, outbox_id, at"
        conn.execute(text(
            f"INSERT INTO desk_records ({cols}) SELECT desk_id, 'case', case_uuid, revision, "
            "NULL, received_at FROM case_revisions WHERE true ON CONFLICT DO NOTHING"))
        conn.execute(text(
            f"INSERT INTO desk_records ({cols}) SELECT desk_id, 'rating', case_uuid, 1, NULL, "
            "received_at FROM ratings WHERE true ON CONFLICT DO NOTHING"))

    def _meta(self, conn: Connection, *, lock: bool = False) -> dict[str, str]:
        q = select(meta.c.key, meta.c.value).where(meta.c.key.in_(_IDENTITY_KEYS))
        if lock and not self.db.is_sqlite:
            q = q.with_for_update()
        return {k: v for k, v in conn.execute(q)}

    def identity(self) -> dict[str, Any]:
        """``{"district_id", "epoch", "epoch_id", "epoch_started_at", "epoch_reason"}``."""
        with self.db.read() as conn:
            return _identity(self._meta(conn))

    def epoch_history(self) -> list[dict[str, Any]]:
        """Every epoch this database remembers, newest first."""
        with self.db.read() as conn:
            return [dict(r) for r in conn.execute(
                select(epochs).order_by(epochs.c.epoch.desc())).mappings()]

    def new_epoch_in(self, conn: Connection, reason: str, actor: str, detail: str = "", *,
                     floor: int = 0, expect: str | None = None) -> dict[str, Any]:
        """Start a new epoch inside the caller's transaction; its identity. ``floor``: a
        counter it must exceed (the epoch the database had before a restore); ``expect``:
        start one only while this is still the current epoch id (else the current one)."""
        have = self._meta(conn, lock=True)
        if expect is not None and have.get("epoch_id") != expect:
            return _identity(have)
        last = conn.execute(select(func.max(epochs.c.epoch))).scalar() or 0
        n = max(int(have.get("epoch", "1") or 1), int(last), floor) + 1
        epoch_id, now = secrets.token_hex(16), P.utc_now()
        for key, value in (("epoch", str(n)), ("epoch_id", epoch_id),
                           ("epoch_started_at", now), ("epoch_reason", reason)):
            self.db.upsert(conn, meta, {"key": key, "value": value}, ["key"], ["value"])
        conn.execute(epochs.insert().values(epoch=n, epoch_id=epoch_id, started_at=now,
                                            reason=reason, actor=actor[:64], detail=detail))
        return _identity(self._meta(conn))

    # -- what the district holds of each desk -------------------------------------------------

    def note_records(self, conn: Connection, desk_id: str, records: Any,
                     results: list[dict[str, Any]], at: str) -> None:
        """Record the batch's accepted and duplicate records (in the batch's transaction)."""
        rows: dict[tuple[str, str, int], tuple[Any, ...]] = {}
        for r in results:
            if r["result"] not in _HELD or r["case_uuid"] is None or r["revision"] is None:
                continue
            raw = records[r["index"]]
            kind = raw.get("kind") if isinstance(raw, dict) else None
            if kind not in ("case", "rating", "matter"):
                continue
            key = (kind, r["case_uuid"], r["revision"])
            if key not in rows or rows[key][4] is None:  # the first outbox id given
                rows[key] = (desk_id, kind, r["case_uuid"], r["revision"], r["id"], at)
        if not rows:
            return
        self.db.insert_rows(
            conn, "desk_records", (("desk_id", "text"), ("kind", "text"), ("case_uuid", "text"),
                                   ("revision", "integer"), ("outbox_id", "bigint"),
                                   ("at", "text")), list(rows.values()),
            "ON CONFLICT (desk_id, kind, case_uuid, revision) DO UPDATE SET "
            "outbox_id = excluded.outbox_id WHERE desk_records.outbox_id IS NULL",
            # every record new to the district (accepted): its row is new too, as a rule
            fresh=all(r["result"] == "accepted" for r in results))

    def link_previous_desk(self, conn: Connection, desk_id: str, previous: str,
                           desk_code: str) -> int:
        """A re-enrolled desk: count what the district holds under its previous id (only
        for a desk known here under the same desk code) as the new id's. Returns rows."""
        if not previous or previous == desk_id:
            return 0
        prev_code = conn.execute(select(desks.c.desk_code).where(
            desks.c.desk_id == previous)).scalar()
        if prev_code is None or prev_code != desk_code:
            return 0
        done = conn.execute(text(
            "INSERT INTO desk_records (desk_id, kind, case_uuid, revision, outbox_id, at) "
            "SELECT :new, kind, case_uuid, revision, outbox_id, at FROM desk_records "
            "WHERE desk_id = :old ON CONFLICT DO NOTHING"), {"new": desk_id, "old": previous})
        return int(done.rowcount or 0)

    def held_by(self, conn: Connection, desk_id: str) -> tuple[int, int]:
        """(records held of the desk, the highest outbox id among them)."""
        n, wm = conn.execute(select(func.count(), func.max(desk_records.c.outbox_id)).where(
            desk_records.c.desk_id == desk_id)).one()
        return int(n or 0), int(wm or 0)

    def check(self, desk_id: str, req: P.ReconcileRequest) -> P.ReconcileResponse:
        """Answer a desk's agreement check; start a new epoch when the desk, in the current
        epoch, reports more than the district holds (its history went back)."""
        with self.db.read() as conn:
            ident = _identity(self._meta(conn))
            held, wm = self.held_by(conn, desk_id)
            last_seq = int(conn.execute(select(func.max(changes.c.seq))).scalar() or 0)
        behind = (req.epoch_id == ident["epoch_id"]
                  and (req.cursor > last_seq or req.acked > held))
        now = P.utc_now()
        # a new epoch is written durably; a check that changes nothing only notes when it was
        # made (for the console), flushed with the next commit that is (issue 20: two fewer
        # fsyncs in every desk's sync round, most of a small desk's)
        with self.db.write(durable=behind) as conn:
            if behind:
                before = ident["epoch_id"]
                ident = self.new_epoch_in(
                    conn, "detected", f"desk:{desk_id}",
                    f"办事点 {desk_id} 报告的进度超过区级：拉取游标 {req.cursor}（区级最新 "
                    f"{last_seq}），已确认记录 {req.acked}（区级持有 {held}）", expect=before)
                if ident["epoch_id"] != before:
                    self._audit_epoch(conn, ident, desk_id)
            agreed = req.epoch_id == ident["epoch_id"] and held == req.acked
            prev = conn.execute(select(desk_agreement.c.epoch_id, desk_agreement.c.agreed_at)
                                .where(desk_agreement.c.desk_id == desk_id)).first()
            agreed_at = now if agreed else (
                prev.agreed_at if prev is not None and prev.epoch_id == ident["epoch_id"]
                else None)
            row = {"desk_id": desk_id, "epoch_id": ident["epoch_id"], "checked_at": now,
                   "held": held, "acked": req.acked, "agreed": 1 if agreed else 0,
                   "agreed_at": agreed_at}
            self.db.upsert(conn, desk_agreement, row, ["desk_id"],
                         [k for k in row if k != "desk_id"])
        return P.ReconcileResponse(
            district_id=ident["district_id"], epoch=ident["epoch"], epoch_id=ident["epoch_id"],
            epoch_started_at=ident["epoch_started_at"], epoch_reason=ident["epoch_reason"],
            held=held, watermark=wm, last_seq=last_seq, agreed=agreed)

    def _audit_epoch(self, conn: Connection, ident: dict[str, Any], desk_id: str) -> None:
        """A detected history loss in the console's audit log (when the console is set up)."""
        if not inspect(conn).has_table("console_audit"):
            return
        append_audit(self.db, conn, "system", "district.epoch_detected",
                     f"epoch {ident['epoch']}",
                     epoch=ident["epoch"], epoch_id=ident["epoch_id"], desk_id=desk_id,
                     reason="办事点报告的进度超过区级：区级数据可能已被还原")

    # -- decisions the district lost ----------------------------------------------------------

    def store_status_reports(self, desk_id: str, req: P.StatusReportRequest
                             ) -> P.StatusReportResponse:
        """Keep a desk's reports of decisions it had pulled (only for its own cases, or
        cases the district does not hold); idempotent."""
        uuids = sorted({str(r.case_uuid) for r in req.reports})
        now = P.utc_now()
        stored = ignored = 0
        with self.db.write() as conn:
            owners = {u: d for u, d in conn.execute(select(cases.c.uuid, cases.c.desk_id)
                                                    .where(cases.c.uuid.in_(uuids)))}
            for r in req.reports:
                u = str(r.case_uuid)
                if u in owners and owners[u] != desk_id:
                    ignored += 1
                    continue
                done = conn.execute(self.db.dialect_insert(status_reports).values(
                    desk_id=desk_id, case_uuid=u, kind=r.kind, status=r.status[:20],
                    note=r.note, department=r.department, item_code=r.item_code, at=r.at,
                    epoch_id=req.epoch_id, reported_at=now).on_conflict_do_nothing())
                stored += int(done.rowcount or 0)
        return P.StatusReportResponse(stored=stored, ignored=ignored)

    def status_reports(self, desk_id: str | None = None, *, case_uuid: str | None = None,
                            limit: int = 500) -> list[dict[str, Any]]:
        """Reported decisions, newest decision first."""
        q = select(status_reports).order_by(status_reports.c.at.desc()).limit(limit)
        if desk_id:
            q = q.where(status_reports.c.desk_id == desk_id)
        if case_uuid:
            q = q.where(status_reports.c.case_uuid == case_uuid)
        with self.db.read() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    # -- the console's view -------------------------------------------------------------------

    def agreement_overview(self) -> dict[str, Any]:
        """The current epoch and, per desk, its last check: ``{"identity", "desks": {desk_id:
        {"state": agreed|behind|unchecked, "checked_at", "agreed_at", "held", "acked",
        "reports"}}, "agreed": n, "total": n}`` (revoked desks are not counted)."""
        with self.db.read() as conn:
            ident = _identity(self._meta(conn))
            active = {r[0] for r in conn.execute(select(desks.c.desk_id).where(
                desks.c.revoked_at.is_(None)))}
            checks = {r.desk_id: r for r in conn.execute(select(desk_agreement))}
            reports: dict[str, int] = {d: int(n) for d, n in conn.execute(select(
                status_reports.c.desk_id, func.count()).where(
                status_reports.c.epoch_id == ident["epoch_id"]).group_by(
                status_reports.c.desk_id))}
        out: dict[str, dict[str, Any]] = {}
        for d in active | set(checks):
            c = checks.get(d)
            if c is None or c.epoch_id != ident["epoch_id"]:
                state = "unchecked"
            else:
                state = "agreed" if c.agreed else "behind"
            out[d] = {"state": state, "checked_at": c.checked_at if c is not None else None,
                      "agreed_at": c.agreed_at if c is not None and state != "unchecked"
                      else None,
                      "held": int(c.held) if c is not None else None,
                      "acked": int(c.acked) if c is not None else None,
                      "reports": int(reports.get(d, 0))}
        agreed = sum(1 for d in active if out[d]["state"] == "agreed")
        return {"identity": ident, "desks": out, "agreed": agreed, "total": len(active)}


def _identity(have: dict[str, str]) -> dict[str, Any]:
    return {"district_id": have.get("district_id", ""),
            "epoch": int(have.get("epoch", "1") or 1),
            "epoch_id": have.get("epoch_id", ""),
            "epoch_started_at": have.get("epoch_started_at", ""),
            "epoch_reason": have.get("epoch_reason", "created")}
