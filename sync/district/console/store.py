"""The admin console's part of the district storage layer.

:class:`ConsoleStore` is the one class the console's routes, the command line and the tests
use; every name they import from this module is still importable from it. It is composed,
not stacked (as the district's :class:`Storage` is): it holds the district's database
(``console.db``, the storage seen as its :class:`~sync.district.database.Database`: the
console's pages take the storage's parts from their own dependency,
:func:`sync.district.api_deps.storage_of`, never through the console store) and its
**parts**, each a plain class with one job holding the database:

- ``console.users`` (:class:`sync.district.console.users.Users`) — sign-in accounts,
  lockout and sessions;
- ``console.audit`` (:class:`sync.district.console.audit.Audit`) — the hash-chained audit
  log: appending (``console.audit.append_in(conn, actor, action, target)``), the audit
  page's incremental check from a checkpoint; the read-only verifier behind
  ``doorstep-district audit verify`` is :func:`verify_audit_at`;
- ``console.readmodel`` (:class:`sync.district.console.readmodel.ReadModel`) —
  ``console_cases``, the read model of ``cases``, and the 差评 callback queue;
  ``console.readmodel.refresh()`` brings them up to date and runs before every list,
  dashboard and export;
- ``console.callbacks`` (:class:`sync.district.console.callback_tasks.Callbacks`) — the
  差评 callback tasks worked: listed, exported, closed (audited);
- ``console.caselist`` (:class:`sync.district.console.case_list.CaseList`) — the case
  list: its filters (:class:`CaseFilter`) and sorts, pages, chunks for exports and bulk
  decisions, the search, and an export's audit entry.

:mod:`sync.district.console.schema` has the console's tables (``console_users``,
``console_sessions``, ``console_audit``, ``console_callbacks``, ``console_cases``,
``console_state``: listed there), their data migration and the district's time zone. This
module's own work is the queries the other pages draw from: the dashboard (its steps in
:mod:`sync.district.console.dashboard`), batches, desks and catalogs.

District status changes themselves go through ``storage.decisions.set_status``, which writes
the change the desk pulls.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    case,
    func,
    select,
)

from sync import protocol as P
from sync.district.console import dashboard
from sync.district.console.audit import (
    AUDIT_CHECKPOINT,
    AUDIT_FULL_AT,
    GENESIS,
    Audit,
    AuditCheck,
    AuditUnavailable,
    audit_digest,
    verify_audit_at,
    verify_audit_chain,
)
from sync.district.console.callback_tasks import CONTACT_ATTEMPTS, NO_CONTACT, Callbacks
from sync.district.console.case_list import (
    COUNT_CAP,
    NEAR_DUE_DAYS,
    CaseFilter,
    CaseList,
)
from sync.district.console.readmodel import (
    REFRESH_MARGIN,
    ReadModel,
)
from sync.district.console.schema import (
    MAX_PAGE,
    OPEN_STATUSES,
    Page,
    audit,
    callbacks,
    ccases,
    cmeta,
    counts,
    local_date,
    local_today,
    migrate_data,
    now_iso,
    page_number,
    search_hash,
    sessions,
    state,
    users,
)
from sync.district.console.users import LOCKOUT, MAX_FAILED_LOGINS, ROLES, Users
from sync.district.database import Database
from sync.district.storage import (
    Storage,
    batches,
    case_revisions,
    cases,
    catalogs,
    changes,
    desk_keys,
    desks,
    ratings,
)

__all__ = [
    "AUDIT_CHECKPOINT",
    "AUDIT_FULL_AT",
    "CONTACT_ATTEMPTS",
    "COUNT_CAP",
    "GENESIS",
    "LOCKOUT",
    "MAX_FAILED_LOGINS",
    "MAX_PAGE",
    "NEAR_DUE_DAYS",
    "NO_CONTACT",
    "OPEN_STATUSES",
    "REFRESH_MARGIN",
    "ROLES",
    "AuditCheck",
    "AuditUnavailable",
    "CaseFilter",
    "ConsoleStore",
    "Page",
    "audit",
    "audit_digest",
    "callbacks",
    "ccases",
    "cmeta",
    "local_date",
    "local_today",
    "now_iso",
    "search_hash",
    "sessions",
    "state",
    "users",
    "verify_audit_at",
    "verify_audit_chain",
]

class ConsoleStore:
    """Console tables and queries over the district's database (:attr:`db`: the
    :class:`Storage` it is given, typed as its :class:`~sync.district.database.Database`).

    The dashboard, batches, desks and catalogs are its own; its parts, each with one job, hold the storage as the database
    they read and write (typed :class:`~sync.district.database.Database`: they see the
    engine and transactions, not the other parts):

    - :attr:`users` — sign-in accounts, lockout and sessions;
    - :attr:`audit` — the hash-chained audit log: append, list, check;
    - :attr:`readmodel` — ``console_cases``, its counts and the callback queue's tasks;
    - :attr:`callbacks` — the callback queue worked (given :attr:`audit`);
    - :attr:`caselist` — the case list: filters, sorts, pages, chunks, search, the export's
      audit entry, the 当场办结 items in force (given :attr:`audit`).
    """

    def __init__(self, storage: Storage) -> None:
        self.db: Database = storage
        self.users = Users(storage)
        self.audit = Audit(storage)
        self.readmodel = ReadModel(storage)
        self.callbacks = Callbacks(storage, self.audit)
        self.caselist = CaseList(storage, self.audit)
        self.migrate()

    def migrate(self) -> None:
        """Bring the console's data up to date with its schema: the read model's counts
        (for a district made before them), then the console's own data
        (:func:`~sync.district.console.schema.migrate_data`), in one transaction."""
        with self.db.write() as conn:
            self.readmodel.migrate_counts(conn)
            migrate_data(self.db, conn)

    def desk_names(self) -> dict[str, str]:
        """desk id → the desk's name (its code when it has none)."""
        with self.db.read() as conn:
            return {d: n or c for d, c, n in conn.execute(
                select(desks.c.desk_id, desks.c.desk_code, desks.c.name))}

    def desk_choices(self) -> list[tuple[str, str]]:
        """(desk id, "code name") of every desk, for the desk filter."""
        with self.db.read() as conn:
            rows = conn.execute(select(desks.c.desk_id, desks.c.desk_code, desks.c.name)
                                .order_by(desks.c.desk_code)).all()
        return [(d, f"{c} {n}") for d, c, n in rows]

    # -- dashboard -------------------------------------------------------------------------

    def dashboard(self, today: date | None = None, start: date | None = None
                  ) -> dict[str, Any]:
        """Everything the dashboard draws, from a handful of indexed queries. ``start``:
        the first day of the period picked (default this week's Monday) for intake, and
        for ratings (default the last 30 days)."""
        today = today or local_today()
        week_start = start or today - timedelta(days=today.weekday())
        t, ws = today.isoformat(), week_start.isoformat()
        out: dict[str, Any] = {"today": t, "week_start": ws}
        with self.db.read() as conn:
            out.update(dashboard.intake(conn, t, ws))
            near_end = (today + timedelta(days=NEAR_DUE_DAYS)).isoformat()
            spot = self.caselist.spot_codes()
            out.update(dashboard.backlog(conn, t, near_end, spot))
            out["most_overdue"] = dashboard.most_overdue(conn, near_end, spot)
            since = (start or today - timedelta(days=29)).isoformat()  # a local day
            out.update(dashboard.ratings(conn, since))
            n_open, n_late = conn.execute(select(
                func.count(), func.sum(case((callbacks.c.due_date < t, 1), else_=0)))
                .select_from(callbacks).where(callbacks.c.state == "open")).one()
            out["callbacks_open"], out["callbacks_late"] = int(n_open), int(n_late or 0)
        return out

    # -- batches ---------------------------------------------------------------------------

    def list_batches(self, page: int = 1, per_page: int = 50,
                     desk_id: str = "") -> Page:
        """Batches, newest first, with their per-record result counts."""
        page = page_number(page)
        q = (select(batches.c.batch_id, batches.c.desk_id, batches.c.record_count,
                    batches.c.received_at, batches.c.response_json, desks.c.desk_code,
                    desks.c.name.label("desk_name"))
             .select_from(batches.outerjoin(desks, desks.c.desk_id == batches.c.desk_id))
             .order_by(batches.c.received_at.desc(), batches.c.batch_id)
             .limit(per_page).offset((page - 1) * per_page))
        cq = select(func.count()).select_from(batches)
        if desk_id:
            q = q.where(batches.c.desk_id == desk_id)
            cq = cq.where(batches.c.desk_id == desk_id)
        with self.db.read() as conn:
            rows = [dict(r) for r in conn.execute(q).mappings()]
            total = int(conn.execute(cq).scalar_one())
            # ratings travel as records too: those a batch brought are received with it
            rated = {(d, at): int(n) for d, at, n in conn.execute(
                select(ratings.c.desk_id, ratings.c.received_at, func.count())
                .where(ratings.c.received_at.in_({r["received_at"] for r in rows}))
                .group_by(ratings.c.desk_id, ratings.c.received_at))} if rows else {}
        for r in rows:
            r["ratings"] = rated.get((r["desk_id"], r["received_at"]), 0)
            counts = dict.fromkeys(P.RECORD_RESULTS, 0)
            for res in json.loads(r.pop("response_json") or "{}").get("results", []):
                counts[res.get("result", "rejected")] = counts.get(res.get("result"), 0) + 1
            r["counts"] = counts
        return Page(rows, total, False, page, per_page)

    def batch(self, batch_id: str) -> dict[str, Any] | None:
        """A batch with its per-record results (and each case's current summary)."""
        with self.db.read() as conn:
            row = conn.execute(
                select(batches, desks.c.desk_code, desks.c.name.label("desk_name"))
                .select_from(batches.outerjoin(desks, desks.c.desk_id == batches.c.desk_id))
                .where(batches.c.batch_id == batch_id)).mappings().first()
            if row is None:
                return None
            out = dict(row)
            results = json.loads(out.pop("response_json") or "{}").get("results", [])
            uuids = sorted({r["case_uuid"] for r in results if r.get("case_uuid")})
            known = {r["uuid"]: dict(r) for r in conn.execute(
                select(cases.c.uuid, cases.c.receipt_no, cases.c.item_name,
                       cases.c.applicant_name, cases.c.district_status)
                .where(cases.c.uuid.in_(uuids))).mappings()} if uuids else {}
            # the answer does not say a record's kind: a revision stored from this batch is
            # the case record; a rating received with this batch is the rating record
            revs = {(u, v) for u, v in conn.execute(
                select(case_revisions.c.case_uuid, case_revisions.c.revision).where(
                    case_revisions.c.case_uuid.in_(uuids),
                    case_revisions.c.batch_id == batch_id))} if uuids else set()
            rated = {u for (u,) in conn.execute(select(ratings.c.case_uuid).where(
                ratings.c.case_uuid.in_(uuids),
                ratings.c.received_at == out["received_at"]))} if uuids else set()
        for r in results:
            r["case"] = known.get(r.get("case_uuid") or "")
            key = (r.get("case_uuid"), r.get("revision"))
            if key in revs:
                r["kind"] = "案件"
                revs.discard(key)
            elif r.get("case_uuid") in rated and r["result"] == "accepted":
                r["kind"] = "评价"
            else:
                r["kind"] = ""
        out["results"] = results
        return out

    # -- desks and catalogs ----------------------------------------------------------------

    def desks_overview(self) -> list[dict[str, Any]]:
        """Desks with last seen, case counts and open (pending) counts."""
        cols = [c for c in desks.c if c.name != "secret"]
        with self.db.read() as conn:
            rows = [dict(r) for r in conn.execute(select(*cols).order_by(
                desks.c.revoked_at.is_not(None), desks.c.desk_code)).mappings()]
            pending: dict[str, int] = {}
            corr: dict[str, int] = {}
            for desk, status, n in conn.execute(  # console_counts: open cases per desk
                    select(counts.c.a, counts.c.b, counts.c.n).where(
                        counts.c.kind == "desk", counts.c.day == "")):
                pending[desk] = pending.get(desk, 0) + int(n)
                if status == "needs_correction":
                    corr[desk] = int(n)
            # newest case received per desk: one index probe each on (desk_id, received_at)
            newest = (select(func.max(ccases.c.received_at))
                      .where(ccases.c.desk_id == desks.c.desk_id).scalar_subquery())
            last_batch = dict(conn.execute(select(desks.c.desk_id, newest)).all())
            pins = {r.desk_id: r for r in conn.execute(select(
                desk_keys.c.desk_id, desk_keys.c.locked_at, desk_keys.c.failures,
                desk_keys.c.last_unlock_at))}
        for r in rows:
            pin = pins.get(r["desk_id"])
            # PIN quick unlock (sync.district.keyshares): none, set, or locked after 5 wrong
            r["pin"] = None if pin is None else ("locked" if pin.locked_at else "set")
            r["pin_failures"] = int(pin.failures) if pin is not None else 0
            r["pin_last_unlock"] = pin.last_unlock_at if pin is not None else None
            r["pending"] = int(pending.get(r["desk_id"], 0))
            r["corrections"] = int(corr.get(r["desk_id"], 0))
            r["last_batch_at"] = last_batch.get(r["desk_id"])
            # last_seen_at is written at most every 30 s (storage.desks.remember_nonce); a batch is contact too
            r["last_contact"] = max(filter(None, (r["last_seen_at"], r["last_batch_at"])),
                                    default=None)
        return rows

    def catalog_versions(self) -> list[dict[str, Any]]:
        """Published catalog versions, newest first by publish sequence (``seq``: the
        change that published it), without bodies."""
        seq = (select(func.max(changes.c.seq)).where(
            changes.c.desk_id.is_(None), changes.c.kind == "catalog",
            changes.c.catalog_version == catalogs.c.version).scalar_subquery())
        with self.db.read() as conn:
            rows = [dict(r) for r in conn.execute(select(
                catalogs.c.version, catalogs.c.published_at, catalogs.c.actor,
                catalogs.c.content_hash, seq.label("seq"))).mappings()]
        rows.sort(key=lambda r: (r["seq"] or 0, r["published_at"]), reverse=True)
        return rows

    def catalog_body(self, version: str) -> dict[str, Any] | None:
        """A published catalog's JSON body, or None."""
        with self.db.read() as conn:
            body = conn.execute(select(catalogs.c.body_json).where(
                catalogs.c.version == version)).scalar()
        return json.loads(body) if body else None

