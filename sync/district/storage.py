"""District storage — the only layer that talks to the district's database.

:class:`Storage` is the one class the rest of the district uses (the HTTP app, the command
line, the console's store, the PIN key shares). It is composed, not stacked (as Anki's
collection holds ``decks``, ``models``, ``tags``): it *is* the database
(:class:`~sync.district.database.Database` — the engine and transactions, SQLite or
PostgreSQL, see :func:`default_db_url`; the migrations; the dialect helpers) and holds its
**parts**, each a plain class with one job, given the database and the parts it needs:

- ``storage.ingest`` (:class:`sync.district.ingest.Ingest`) — pushed batches, applied in one
  transaction (``storage.ingest.batch(desk_id, batch_id, records)``);
- ``storage.reconcile`` (:class:`sync.district.reconcile.Reconcile`) — the district's
  identity and epochs, what it holds of each desk, the desks' agreement checks;
- ``storage.attachments`` (:class:`sync.district.attachments.Attachments`) —
  content-addressed blobs and resumable uploads;
- ``storage.rates`` (:class:`sync.district.matters_rates.Rates`) — the matters' rates
  summary's one-time build;
- ``storage.departments`` (:class:`sync.district.departments.Departments`) — the managed
  list of departments cases may be routed to.

:mod:`sync.district.tables` has every table; they are re-exported here, so
``from sync.district.storage import cases, desks`` keeps working. This module's own work:
enrollment and desks, request nonces, district decisions and the changes desks pull,
published catalogs, receipt verification, and reading (stats, cases, rejections).

SQLAlchemy Core over an SQLite file (the default: nothing to install) or PostgreSQL
(``postgresql+psycopg://...``). The server is stateless: several instances may share one
PostgreSQL database. The default SQLite file is ``district.sqlite3`` in the platform's user
data folder for ``doorstep-district`` (platformdirs), see :func:`default_db_url`.

Promises kept here: a batch commits in one transaction; uniqueness is a database
constraint, never check-then-insert; a change's ``seq`` order is its commit order (change
writers are serialised), so a desk's cursor never skips a change.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, func, select, text, update
from sqlalchemy import delete as sa_delete
from sqlalchemy.exc import IntegrityError

from sync import protocol as P
from sync.district import desk_codes
from sync.district.attachments import Attachments
from sync.district.changes_feed import changes_since
from sync.district.database import (
    APP_NAME,
    AuditHook,
    Database,
    default_db_url,
    normalize_url,
)
from sync.district.departments import Departments
from sync.district.errors import BadEnrollmentCode, NotFound, Refused
from sync.district.ingest import Ingest
from sync.district.matters_rates import Rates
from sync.district.matters_store import count_orders
from sync.district.reconcile import Reconcile
from sync.district.releases import release_key
from sync.district.replacement import lineage
from sync.district.tables import (
    attachment_holders,
    attachment_parts,
    attachments,
    batches,
    case_revisions,
    case_routes,
    cases,
    catalogs,
    changes,
    departments,
    desk_keys,
    desks,
    enroll_codes,
    meta,
    metadata,
    nonces,
    ratings,
    rejections,
)

__all__ = [
    "APP_NAME",
    "STATUS_NEEDS",
    "AuditHook",
    "Storage",
    "attachment_holders",
    "attachment_parts",
    "attachments",
    "batches",
    "case_revisions",
    "case_routes",
    "cases",
    "catalogs",
    "changes",
    "default_db_url",
    "departments",
    "desk_keys",
    "desks",
    "enroll_codes",
    "meta",
    "metadata",
    "nonces",
    "normalize_url",
    "ratings",
    "rejections",
]

STATUS_NEEDS = {"needs_correction": "note", "rejected": "note", "routed": "department"}
ROUTE_NEEDS_NOTE = ("needs_correction", "rejected")
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace(" ", "").encode()).hexdigest()


class Storage(Database):
    """The district database. Thread-safe; one instance per process is enough.

    The engine and transactions are the :class:`~sync.district.database.Database` it is;
    its parts, each with one job, hold it (typed :class:`Database`: they see the engine
    and transactions, not the other parts) and are given the parts they need:

    - :attr:`ingest` — pushed batches (given :attr:`reconcile`: a batch notes what the
      district holds of its desk in its own transaction);
    - :attr:`reconcile` — identity, epochs, what is held per desk, agreement checks, the
      decisions desks report the district lost;
    - :attr:`attachments` — attachments and their resumable uploads;
    - :attr:`rates` — the matters' rates summary's one-time build;
    - :attr:`departments` — the managed list of departments cases are routed to.
    """

    def __init__(self, url: str | None = None) -> None:
        super().__init__(url)
        self.reconcile = Reconcile(self)
        self.ingest = Ingest(self, self.reconcile)
        self.attachments = Attachments(self)
        self.rates = Rates(self)
        self.departments = Departments(self)
        self._nonce_purge_at = 0.0
        self.migrate()
        desk_codes.ensure_constraints(self)  # one active desk per code; receipt numbers

    def migrate(self) -> None:
        """Bring the schema to the migrations' head, then the parts' one-time data work in
        this order: the attachments' holders, the district's identity (and, for a database
        made before ``desk_records``, what it holds), the rates' summary."""
        had_records = self.reconcile.has_records_table()
        super().migrate()
        self.attachments.backfill_holders()
        self.reconcile.ensure_identity(backfill=not had_records)
        self.rates.ensure_built()

    def _serialise_changes(self, conn: Connection) -> None:
        # seq order must be commit order, or a desk could move its cursor past a change
        # that commits later. SQLite has one writer anyway; PostgreSQL takes a table lock
        # that blocks other change writers but not readers.
        if not self.is_sqlite:
            conn.execute(text("LOCK TABLE changes IN EXCLUSIVE MODE"))

    # -- enrollment and desks -------------------------------------------------------------

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
        with self.write() as conn:
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
        with self.read() as conn:
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
        with self.write() as conn:
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
            with self.write() as conn:
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
                _key, release_public = release_key(self, conn)  # issue 19: the desk pins it
        except IntegrityError:  # another laptop enrolled under this code at the same moment
            raise desk_codes.duplicate_enrollment(row["desk_code"] if row else "") from None
        return P.EnrollResponse(desk_id=desk_id, desk_secret=secret, desk_code=row["desk_code"],
                                name=row["name"], enrolled_at=now,
                                replaces=row["replaces"] or "", release_key=release_public,
                                public_url=public_url)

    def desk(self, desk_id: str) -> dict[str, Any] | None:
        """A desk row (with its secret), or None."""
        with self.read() as conn:
            row = conn.execute(select(desks).where(desks.c.desk_id == desk_id)).mappings().first()
        return dict(row) if row else None

    def list_desks(self) -> list[dict[str, Any]]:
        """Every desk, without secrets."""
        cols = [c for c in desks.c if c.name != "secret"]
        with self.read() as conn:
            return [dict(r) for r in conn.execute(
                select(*cols).order_by(desks.c.enrolled_at)).mappings()]

    def revoke_desk(self, desk_id: str, *, audit: AuditHook | None = None) -> None:
        """Refuse every later request from this desk, and forget its PIN key share (a
        stolen desk's PIN can then never open its data)."""
        with self.write() as conn:
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
        """Record a request nonce; False when it was seen before (a replay)."""
        now = time.time()
        with self.write() as conn:
            fresh = conn.execute(self.dialect_insert(nonces).values(
                desk_id=desk_id, nonce=nonce, seen_at=now).on_conflict_do_nothing()
                .returning(nonces.c.nonce)).first() is not None
            if now >= self._nonce_purge_at:
                conn.execute(sa_delete(nonces).where(nonces.c.seen_at < now - 2 * P.MAX_SKEW))
                conn.execute(update(desks).where(desks.c.desk_id == desk_id)
                             .values(last_seen_at=P.utc_now()))
                self._nonce_purge_at = now + 30
        return fresh

    # -- district decisions -------------------------------------------------------------------

    def set_status(self, case_uuid: str, status: str, *, note: str = "",
                   department: str | None = None, actor: str = "admin",
                   audit: AuditHook | None = None) -> dict[str, Any]:
        """A district decision on a case; it becomes a change the case's desk pulls.

        ``needs_correction`` and ``rejected`` need a note (what to correct / why);
        ``routed`` needs a department from the managed list (``storage.departments``). A closed
        case (completed/rejected) is not changed.
        """
        if status not in P.DISTRICT_STATUSES or status == "received":
            raise Refused(f"status: 未知的区级状态 {status}")
        note = note.strip()
        department = (department or "").strip() or None
        need = STATUS_NEEDS.get(status)
        if need == "note" and not note:
            raise Refused("note: 需补正和不予办理必须写明原因")
        if need == "department" and not department:
            raise Refused("department: 转办必须指定部门")
        now = P.utc_now()
        with self.write() as conn:
            if department is not None:
                self.departments.check_known_in(conn, department)
            self._serialise_changes(conn)
            case = conn.execute(select(cases.c.desk_id, cases.c.district_status).where(
                cases.c.uuid == case_uuid).with_for_update()).mappings().first()
            if case is None:
                raise NotFound(f"没有找到案件 {case_uuid}")
            if case["district_status"] in P.CLOSED_STATUSES:
                raise Refused("案件已办结或不予办理，状态不能再改")
            if status in P.CLOSED_STATUSES:
                self._close_routes(conn, case_uuid, case["desk_id"], status, note, actor, now)
            values: dict[str, Any] = {"district_status": status, "district_note": note,
                                      "district_updated_at": now, "updated_at": now}
            if department:
                values["district_department"] = department
            conn.execute(update(cases).where(cases.c.uuid == case_uuid).values(**values))
            seq = conn.execute(changes.insert().values(
                kind="status", desk_id=case["desk_id"], case_uuid=case_uuid, status=status,
                note=note, department=department, actor=actor, at=now
            ).returning(changes.c.seq)).scalar_one()
            out = {"seq": seq, "kind": "status", "case_uuid": case_uuid, "status": status,
                   "note": note, "department": department, "at": now}
            if audit is not None:
                audit(conn, out)
        return out

    # -- bundle routes ------------------------------------------------------------------------

    def set_route(self, case_uuid: str, item_code: str, status: str, *, note: str = "",
                  actor: str = "admin", audit: AuditHook | None = None) -> dict[str, Any]:
        """A department's decision on one route of a bundle (一件事) case; the case's desk
        pulls it. ``rejected`` needs the reason and ``needs_correction`` a note. When every
        route of the case is closed, the case is closed too: completed when any route was
        completed, else rejected (a status change the desk pulls as well)."""
        item_code = item_code.strip().upper()
        note = note.strip()
        if status not in P.ROUTE_STATUSES or status == "pending":
            raise Refused(f"status: 未知的联办事项状态 {status}（可选 "
                          f"{'/'.join(s for s in P.ROUTE_STATUSES if s != 'pending')}）")
        if status in ROUTE_NEEDS_NOTE and not note:
            raise Refused("note: 不予办理须写明理由，需补正须写明补正内容")
        now = P.utc_now()
        with self.write() as conn:
            self._serialise_changes(conn)
            case = conn.execute(select(cases.c.desk_id, cases.c.district_status).where(
                cases.c.uuid == case_uuid).with_for_update()).mappings().first()
            if case is None:
                raise NotFound(f"case: 没有找到案件 {case_uuid}")
            route = conn.execute(select(case_routes).where(
                case_routes.c.case_uuid == case_uuid, case_routes.c.item_code == item_code)
            ).mappings().first()
            if route is None:
                raise NotFound(f"item: 案件 {case_uuid} 没有联办事项 {item_code}")
            if case["district_status"] in P.CLOSED_STATUSES:
                raise Refused("case: 案件已办结或不予办理，联办事项状态不能再改")
            if status not in P.ROUTE_NEXT[route["status"]]:
                raise Refused(f"status: 联办事项 {item_code} 当前为 {route['status']}，"
                              f"不能改为 {status}")
            conn.execute(update(case_routes).where(
                case_routes.c.case_uuid == case_uuid, case_routes.c.item_code == item_code,
                case_routes.c.status == route["status"]).values(
                status=status, note=note, updated_at=now))
            conn.execute(update(cases).where(cases.c.uuid == case_uuid).values(updated_at=now))
            seq = conn.execute(changes.insert().values(
                kind="route", desk_id=case["desk_id"], case_uuid=case_uuid, status=status,
                note=note, department=route["department"], item_code=item_code,
                item_name=route["item_name"], actor=actor, at=now
            ).returning(changes.c.seq)).scalar_one()
            out: dict[str, Any] = {
                "seq": seq, "kind": "route", "case_uuid": case_uuid, "item_code": item_code,
                "item_name": route["item_name"], "department": route["department"],
                "status": status, "note": note, "at": now, "case_status": None}
            left = conn.execute(select(case_routes.c.status).where(
                case_routes.c.case_uuid == case_uuid)).scalars().all()
            if all(s in P.ROUTE_CLOSED for s in left):
                closed = "completed" if "completed" in left else "rejected"
                text_ = ("各联办事项均已办结" if closed == "completed" and all(
                    s == "completed" for s in left) else
                    "各联办事项均已处理完毕" if closed == "completed" else "各联办事项均不予办理")
                conn.execute(update(cases).where(cases.c.uuid == case_uuid).values(
                    district_status=closed, district_note=text_, district_updated_at=now,
                    updated_at=now))
                conn.execute(changes.insert().values(
                    kind="status", desk_id=case["desk_id"], case_uuid=case_uuid,
                    status=closed, note=text_, actor=actor, at=now))
                out["case_status"] = closed
            if audit is not None:
                audit(conn, out)
        return out

    def _close_routes(self, conn: Connection, case_uuid: str, desk_id: str, status: str,
                      note: str, actor: str, now: str) -> None:
        """A bundle case is completed only when every route is closed (each department has
        completed or refused its part): :class:`Refused` naming the open ones otherwise.
        Refusing the whole case (不予办理) refuses its open routes with the same reason,
        each a change the desk pulls."""
        open_ = conn.execute(select(case_routes).where(
            case_routes.c.case_uuid == case_uuid,
            case_routes.c.status.not_in(P.ROUTE_CLOSED)).order_by(case_routes.c.item_code)
        ).mappings().all()
        if not open_:
            return
        if status == "completed":
            names = "、".join(f"{r['item_name']}（{r['department']}）" for r in open_)
            raise Refused(f"status: 一件事案件须各联办事项均办结或不予办理后才能办结，尚未处理完："
                          f"{names}；请在案件的“一件事 · 各部门”中逐项处理")
        conn.execute(update(case_routes).where(
            case_routes.c.case_uuid == case_uuid,
            case_routes.c.status.not_in(P.ROUTE_CLOSED)).values(
            status="rejected", note=note, updated_at=now))
        conn.execute(changes.insert(), [
            {"kind": "route", "desk_id": desk_id, "case_uuid": case_uuid, "status": "rejected",
             "note": note, "department": r["department"], "item_code": r["item_code"],
             "item_name": r["item_name"], "actor": actor, "at": now} for r in open_])

    def routes_of(self, case_uuids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Each case's bundle routes (``item_code``, ``item_name``, ``department``,
        ``status``, ``note``, ``updated_at``), in item-code order."""
        uuids = sorted(set(case_uuids))
        out: dict[str, list[dict[str, Any]]] = {u: [] for u in uuids}
        if not uuids:
            return out
        with self.read() as conn:
            for i in range(0, len(uuids), 500):
                for r in conn.execute(select(case_routes).where(
                        case_routes.c.case_uuid.in_(uuids[i:i + 500])).order_by(
                        case_routes.c.case_uuid, case_routes.c.item_code)).mappings():
                    d = dict(r)
                    out[d.pop("case_uuid")].append(d)
        return out

    # -- departments ----------------------------------------------------------------------------

    def publish_catalog(self, body: dict[str, Any], *, actor: str = "admin",
                        audit: AuditHook | None = None,
                        renumber: Callable[[str | None, set[str]], str] | None = None,
                        ) -> dict[str, Any]:
        """Publish a catalog version (``Catalog.to_json()`` shape) to every desk.

        Publishing the same version again with the same content is a no-op; a version
        published before with other content is refused. Versions are ordered by the
        district's publish sequence (the ``seq`` of their change), never by their text:
        ``2026.11-hanyang.10`` published after ``…hanyang.9`` is the newer one. The
        catalog's departments join the managed department list.

        ``renumber(latest, taken)`` (issue 16, a workbook import): the version is chosen
        inside the publishing transaction from the version published last and every version
        taken, so publishes at the same moment get distinct, consecutive versions; items equal
        (as the model compares them) to the latest version's are not published again
        (``published: False``).
        """
        from forms.catalog import Catalog, CatalogError

        try:
            cat = Catalog.from_json(body)
        except CatalogError as exc:
            raise Refused(f"事项目录无效: {exc}") from None
        body = cat.to_json()
        digest = P.content_hash(body)
        now = P.utc_now()
        with self.write() as conn:
            self._serialise_changes(conn)
            if renumber is not None:
                latest = self.latest_catalog_version(conn)
                held = None if latest is None else conn.execute(select(
                    catalogs.c.body_json).where(catalogs.c.version == latest)).scalar()
                # issue 16: a workbook carries no translation files — those the district
                # published last travel on with the new version
                if held is not None and "translations" not in body and \
                        json.loads(held).get("translations"):
                    body = dict(body, translations=json.loads(held)["translations"])
                    cat = Catalog.from_json(body)
                # equal as data (126800 == 126800.0, as the model compares them)
                # (the items and the local parameters: a changed parameter is a new version)
                if held is not None and json.loads(held).get("items") == body["items"] and \
                        json.loads(held).get("params") == body.get("params") and \
                        json.loads(held).get("translations") == body.get("translations"):
                    seq = conn.execute(select(func.max(changes.c.seq)).where(
                        changes.c.catalog_version == latest)).scalar()
                    return {"version": latest, "seq": seq, "published": False}
                taken = set(conn.execute(select(catalogs.c.version)).scalars())
                body = dict(body, version=renumber(latest, taken))
                cat = cat.with_version(str(body["version"]))
                digest = P.content_hash(body)
            same = conn.execute(select(catalogs.c.content_hash).where(
                catalogs.c.version == cat.version)).scalar()
            if same is not None:
                if same != digest:
                    raise Refused(f"目录版本 {cat.version} 已发布过不同内容，请使用新版本号")
                seq = conn.execute(select(func.max(changes.c.seq)).where(
                    changes.c.catalog_version == cat.version)).scalar()
                out = {"version": cat.version, "seq": seq, "published": False}
            else:
                conn.execute(catalogs.insert().values(
                    version=cat.version, body_json=json.dumps(body, ensure_ascii=False),
                    content_hash=digest, published_at=now, actor=actor))
                seq = conn.execute(changes.insert().values(
                    kind="catalog", desk_id=None, catalog_version=cat.version, actor=actor,
                    at=now, note=f"事项目录 {cat.version}").returning(changes.c.seq)
                ).scalar_one()
                self.departments.seed_in(conn, None, "system")
                self.departments.seed_in(conn, cat.departments(), actor)
                out = {"version": cat.version, "seq": seq, "published": True}
            if audit is not None:
                audit(conn, out)
        return out

    def latest_catalog_version(self, conn: Connection | None = None) -> str | None:
        """The catalog version published last (by publish sequence), or None
        (:func:`sync.district.catalog_import.latest_version`)."""
        from sync.district.catalog_import import latest_version

        if conn is not None:
            return latest_version(conn)
        with self.read() as c:
            return latest_version(c)

    def changes_since(self, desk_id: str, since: int, limit: int = 500,
                      kinds: Iterable[str] = P.CHANGE_KINDS) -> P.ChangesResponse:
        """The desk's changes after ``since`` of the ``kinds`` it understands, oldest first
        (at most ``limit``; :mod:`sync.district.changes_feed`)."""
        return changes_since(self, desk_id, since, limit, kinds)

    # -- receipts ---------------------------------------------------------------------------

    def verify_receipt(self, receipt_no: str, case_uuid: str, code: str
                       ) -> P.ReceiptVerification:
        """Is this receipt genuine? Checks the code with the receipt key of the desk that
        made the case — or, for a case not received yet, of the desks enrolled under the
        desk code the receipt number starts with. Gives nothing personal back."""
        receipt_no = receipt_no.strip().upper()
        case_uuid = case_uuid.strip().lower()
        out = P.ReceiptVerification(valid=False, receipt_no=receipt_no)
        with self.read() as conn:
            row = conn.execute(select(cases.c.desk_id, cases.c.receipt_no, cases.c.item_name,
                                      cases.c.revision, cases.c.desk_created_at).where(
                cases.c.uuid == case_uuid)).first()
            if row is not None:
                if row.receipt_no.upper() != receipt_no:
                    return out  # the district knows this case under another number
                # the case's desk, or a desk it replaced (a reprint of the old desk's receipt)
                keys = [k for k in conn.execute(select(desks.c.receipt_key).where(
                    desks.c.desk_id.in_(lineage(conn, row.desk_id)))).scalars()]
            else:
                desk_code = receipt_no.rsplit("-", 2)[0] if receipt_no.count("-") >= 2 else ""
                keys = list(conn.execute(select(desks.c.receipt_key).where(
                    desks.c.desk_code == desk_code).limit(20)).scalars()) if desk_code else []
            if not any(P.receipt_code_ok(k, receipt_no, case_uuid, code) for k in keys):
                return out
            out.valid = True
            if row is None:
                return out
            payload = conn.execute(select(case_revisions.c.payload_json).where(
                case_revisions.c.case_uuid == case_uuid,
                case_revisions.c.revision == row.revision)).scalar()
        try:
            accepted = json.loads(payload or "{}").get("accepted_date")
        except (ValueError, AttributeError):
            accepted = None
        out.received = True
        out.item_name = row.item_name
        out.accepted_date = str(accepted or row.desk_created_at[:10])[:10]
        return out

    # -- reading (console, command line, tests) -----------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Counts for ``doorstep-district stats --json`` and the console."""
        with self.read() as conn:
            def count(t: Table, *where: Any) -> int:
                return int(conn.execute(select(func.count()).select_from(t).where(*where))
                           .scalar_one())
            by_status = {s: int(n) for s, n in conn.execute(
                select(cases.c.district_status, func.count()).group_by(
                    cases.c.district_status))}
            return {
                "cases": count(cases), "batches": count(batches), "desks": count(desks),
                "desks_active": count(desks, desks.c.revoked_at.is_(None)),
                "revisions": count(case_revisions), "ratings": count(ratings),
                "rejections": count(rejections), "changes": count(changes),
                "catalogs": count(catalogs), "attachments": count(attachments),
                "by_district_status": by_status,
                "matters": count_orders(conn),  # resident matters' work orders (issue 15)
            }

    def get_case(self, case_uuid: str) -> dict[str, Any] | None:
        """A case with its newest payload, revisions, routes, rating and status history."""
        with self.read() as conn:
            row = conn.execute(select(cases).where(cases.c.uuid == case_uuid)).mappings().first()
            if row is None:
                return None
            out = dict(row)
            revs = conn.execute(select(case_revisions).where(
                case_revisions.c.case_uuid == case_uuid).order_by(case_revisions.c.revision)
            ).mappings().all()
            out["payload"] = json.loads(revs[-1]["payload_json"]) if revs else None
            out["revisions"] = [{k: r[k] for k in ("revision", "content_hash", "batch_id",
                                                   "received_at")} for r in revs]
            out["routes"] = [dict(r) for r in conn.execute(select(case_routes).where(
                case_routes.c.case_uuid == case_uuid).order_by(case_routes.c.item_code)
            ).mappings()]
            rating = conn.execute(select(ratings).where(
                ratings.c.case_uuid == case_uuid)).mappings().first()
            out["rating"] = dict(rating) if rating else None
            out["history"] = [dict(r) for r in conn.execute(select(changes).where(
                changes.c.case_uuid == case_uuid).order_by(changes.c.seq)).mappings()]
        return out

    def list_cases(self, *, desk_id: str | None = None, status: str | None = None,
                   limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Case summaries, newest received first."""
        q = select(cases)
        if desk_id:
            q = q.where(cases.c.desk_id == desk_id)
        if status:
            q = q.where(cases.c.district_status == status)
        q = q.order_by(cases.c.received_at.desc(), cases.c.uuid).limit(limit).offset(offset)
        with self.read() as conn:
            rows = [dict(r) for r in conn.execute(q).mappings()]
        routes = self.routes_of(r["uuid"] for r in rows)
        for r in rows:
            r["priority"] = bool(r.get("priority"))
            r["routes"] = routes.get(r["uuid"], [])
        return rows

    def case_uuids(self) -> list[str]:
        """Every case UUID (tests and consistency checks)."""
        with self.read() as conn:
            return [r[0] for r in conn.execute(select(cases.c.uuid).order_by(cases.c.uuid))]

    def list_rejections(self, desk_id: str | None = None,
                        limit: int = 100) -> list[dict[str, Any]]:
        """Records refused or in conflict, newest first."""
        q = select(rejections).order_by(rejections.c.id.desc()).limit(limit)
        if desk_id:
            q = q.where(rejections.c.desk_id == desk_id)
        with self.read() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

