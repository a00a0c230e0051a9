"""District decisions: the part of :class:`~sync.district.storage.Storage` reached as
``storage.decisions``.

A decision on a case (:meth:`Decisions.set_status`) or on one department's route of a
bundle (一件事) case (:meth:`Decisions.set_route`) changes the case and writes a change its
desk pulls, in one transaction with the caller's audit entry (an :data:`AuditHook`). Change
writers take turns (:meth:`Database.serialise_changes`), so a change's ``seq`` order is its
commit order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from sync import protocol as P
from sync.district.database import AuditHook, Database
from sync.district.departments import Departments
from sync.district.errors import NotFound, Refused
from sync.district.tables import case_routes, cases, changes

STATUS_NEEDS = {"needs_correction": "note", "rejected": "note", "routed": "department"}
ROUTE_NEEDS_NOTE = ("needs_correction", "rejected")


class Decisions:
    """The district's decisions on cases and their routes (``storage.decisions``). Holds the
    database; given :attr:`departments` (a case is routed to one of the managed list)."""

    def __init__(self, db: Database, departments: Departments) -> None:
        self.db = db
        self.departments = departments

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
        with self.db.write() as conn:
            if department is not None:
                self.departments.check_known_in(conn, department)
            self.db.serialise_changes(conn)
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
        with self.db.write() as conn:
            self.db.serialise_changes(conn)
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
