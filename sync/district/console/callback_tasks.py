"""The 差评 callback queue: the part of :class:`~sync.district.console.store.ConsoleStore`
reached as ``console.callbacks``.

``console_callbacks`` holds one follow-up task per rating of 1–2 (the read model adds them,
:meth:`~sync.district.console.readmodel.ReadModel.refresh`); staff list them, export the
整改台账 and close each with an outcome and a note — audited in the same transaction. An
outcome of 无法联系到评价人 is an attempt: the task stays open until the
``CONTACT_ATTEMPTS``-th.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select, update

from sync.district.console.audit import Audit
from sync.district.console.schema import (
    Page,
    callbacks,
    ccases,
    local_today,
    now_iso,
    page_number,
)
from sync.district.database import Database
from sync.district.errors import Refused

NO_CONTACT = "无法联系到评价人"  # a callback outcome that is an attempt, not an end
CONTACT_ATTEMPTS = 3  # attempts to reach the resident before the task closes unreached


class Callbacks:
    """The callback tasks (``console.callbacks``). Holds the database and the
    :class:`Audit` part its closing writes to."""

    def __init__(self, db: Database, audit: Audit) -> None:
        self.db = db
        self.audit = audit

    def page(self, state_: str = "open", page: int = 1,
             per_page: int = 50, *, desk: str = "", level: int = 0,
             late: bool = False, outcome: str = "") -> Page:
        """差评 callback tasks, the most urgent first; filtered by desk, rating level,
        overdue (open ones past their due date) and outcome."""
        page = page_number(page)
        where = self._where(state_, desk=desk, level=level, late=late, outcome=outcome)
        q = (select(callbacks, ccases.c.receipt_no, ccases.c.item_name,
                    ccases.c.applicant_name, ccases.c.phone_masked, ccases.c.desk_code,
                    ccases.c.worker)
             .select_from(callbacks.outerjoin(ccases, ccases.c.uuid == callbacks.c.case_uuid))
             .where(*where)
             .order_by(callbacks.c.due_date if state_ == "open"
                       else callbacks.c.handled_at.desc(), callbacks.c.case_uuid)
             .limit(per_page).offset((page - 1) * per_page))
        with self.db.read() as conn:
            rows = [dict(r) for r in conn.execute(q).mappings()]
            total = int(conn.execute(select(func.count()).select_from(callbacks)
                                     .where(*where)).scalar_one())
        return Page(rows, total, False, page, per_page)

    @staticmethod
    def _where(state_: str, *, desk: str = "", level: int = 0, late: bool = False,
               outcome: str = "") -> list[Any]:
        where: list[Any] = [callbacks.c.state == state_] if state_ else []
        if desk:
            where.append(callbacks.c.desk_id == desk)
        if level in (1, 2):
            where.append(callbacks.c.level == level)
        if late:
            where += [callbacks.c.state == "open", callbacks.c.due_date < local_today().isoformat()]
        if outcome:
            where.append(callbacks.c.outcome == outcome)
        return where

    def all(self, state_: str = "", **filters: Any) -> list[dict[str, Any]]:
        """Every callback task matching the filters, oldest rating first (整改台账 export;
        a few a day per district: a list is fine)."""
        q = (select(callbacks, ccases.c.receipt_no, ccases.c.item_name, ccases.c.item_code,
                    ccases.c.phone_masked, ccases.c.desk_code, ccases.c.worker,
                    ccases.c.accepted_date)
             .select_from(callbacks.outerjoin(ccases, ccases.c.uuid == callbacks.c.case_uuid))
             .where(*self._where(state_, **filters))
             .order_by(callbacks.c.rated_at, callbacks.c.case_uuid))
        with self.db.read() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def get(self, case_uuid: str) -> dict[str, Any] | None:
        """One callback task, or None."""
        with self.db.read() as conn:
            row = conn.execute(select(callbacks).where(callbacks.c.case_uuid == case_uuid)
                               ).mappings().first()
        return dict(row) if row else None

    def close(self, case_uuid: str, outcome: str, note: str, actor: str) -> str:
        """Record the callback's outcome and note (the task is then done), audited; for
        无法联系到评价人 an attempt (:meth:`_attempt`). Returns ``"done"`` or
        ``"retry"``."""
        if not outcome.strip():
            raise Refused("请选择回访结果")
        if not note.strip():
            raise Refused("请填写回访情况说明")
        if outcome.strip() == NO_CONTACT:
            return self._attempt(case_uuid, note.strip()[:2000], actor)
        with self.db.write() as conn:
            done = conn.execute(update(callbacks).where(
                callbacks.c.case_uuid == case_uuid, callbacks.c.state == "open").values(
                state="done", outcome=outcome.strip()[:40], note=note.strip()[:2000],
                handled_by=actor, handled_at=now_iso()))
            if done.rowcount != 1:
                raise Refused("该回访任务不存在或已办结")
            self.audit.append_in(conn, actor, "callback.close", case_uuid,
                                 outcome=outcome.strip(), note=note.strip())
        return "done"

    def _attempt(self, case_uuid: str, note: str, actor: str) -> str:
        """无法联系到评价人: one more attempt counted (atomically); the task stays open to
        be tried again until the ``CONTACT_ATTEMPTS``-th, which closes it. Returns
        ``"retry"`` or ``"done"``."""
        now = now_iso()
        with self.db.write() as conn:
            done = conn.execute(update(callbacks).where(
                callbacks.c.case_uuid == case_uuid, callbacks.c.state == "open").values(
                attempts=callbacks.c.attempts + 1, last_attempt_at=now,
                last_attempt_by=actor, last_attempt_note=note,
                state=case((callbacks.c.attempts + 1 >= CONTACT_ATTEMPTS, "done"),
                           else_="open"),
                outcome=case((callbacks.c.attempts + 1 >= CONTACT_ATTEMPTS, NO_CONTACT),
                             else_=""),
                note=case((callbacks.c.attempts + 1 >= CONTACT_ATTEMPTS, note), else_=""),
                handled_by=case((callbacks.c.attempts + 1 >= CONTACT_ATTEMPTS, actor),
                                else_=None),
                handled_at=case((callbacks.c.attempts + 1 >= CONTACT_ATTEMPTS, now),
                                else_=None)))
            if done.rowcount != 1:
                raise Refused("该回访任务不存在或已办结")
            attempts, state_ = conn.execute(select(callbacks.c.attempts, callbacks.c.state)
                                            .where(callbacks.c.case_uuid == case_uuid)).one()
            self.audit.append_in(conn, actor, "callback.close" if state_ == "done"
                                 else "callback.attempt", case_uuid, outcome=NO_CONTACT, note=note,
                                 attempt=int(attempts))
        return "done" if state_ == "done" else "retry"
