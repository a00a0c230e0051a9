"""Resident matters at the district (issue 15): the work-order flow, the published matter
configuration and what desks pull — the storage side (only this module and
:mod:`sync.district.matters_ingest` write the matter tables).

Flow of a work order (工单), each step one decision (:func:`decide`)::

    received ──dispatch──▶ dispatched ──sign──▶ signed ──answer──▶ answered
        │                     │ (dispatch again: another department)   │
        └──close (no order)   ▼                                         ├─revisit 满意/基本满意─▶ closed
                                                                        └─revisit 不满意─▶ redo ─sign/answer…

``extend`` moves an open order's deadline (a reason and a later deadline, before the old
one has passed). Every decision is one transaction: the order's row moves only from a
status the step allows (``UPDATE … WHERE status IN …``: two people deciding at once cannot
both move it), a ``matter`` change for the matter's desk (with the answer, deadline and
satisfaction in ``matter_change_bodies``) and the caller's audit entry (the hash-chained
log) — whichever door the decision came through.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select, update

from sync import protocol as P
from sync.district import matters_rates
from sync.district.errors import NotFound, Refused
from sync.district.matters_tables import (
    matter_change_bodies,
    matter_configs,
    matter_schedule_runs,
    matters,
)
from sync.district.tables import changes

AuditHook = Callable[[Connection, dict[str, Any]], None]
OPEN_STATUSES = tuple(s for s in P.MATTER_STATUSES if s != "closed")
ACTIONS = ("dispatch", "sign", "answer", "extend", "revisit", "close")
# action → (statuses it starts from, the status it leads to; None: decided by the input)
_STEPS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "dispatch": (("received", "dispatched"), "dispatched"),
    "sign": (("dispatched", "redo"), "signed"),
    "answer": (("signed", "redo"), "answered"),
    "extend": (OPEN_STATUSES, None),
    "revisit": (("answered",), None),
    "close": (("received", "answered"), "closed"),
}
_WORDS = {"received": "已接收", "dispatched": "已派单", "signed": "已签收", "answered": "已反馈",
          "redo": "重办中", "closed": "已办结"}


def change_extras(conn: Connection, rows: Iterable[Any]
                  ) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """What a desk pulls beside the change rows: matter bodies and matter configurations,
    each by change seq."""
    rows = list(rows)
    mseqs = [int(r["seq"]) for r in rows if r["kind"] == "matter"]
    cseqs = [int(r["seq"]) for r in rows if r["kind"] == "matter_config"]
    bodies = {int(r.seq): json.loads(r.body_json) for r in conn.execute(
        select(matter_change_bodies).where(matter_change_bodies.c.seq.in_(mseqs)))} \
        if mseqs else {}
    configs = {int(r.change_seq): json.loads(r.body_json) for r in conn.execute(
        select(matter_configs.c.change_seq, matter_configs.c.body_json).where(
            matter_configs.c.change_seq.in_(cseqs)))} if cseqs else {}
    return bodies, configs


def current_config(conn: Connection) -> Any:
    """The configuration published last (:class:`forms.matters.MatterConfig`), else the
    shipped defaults."""
    from forms.matters import default_config, parse_config

    body = conn.execute(select(matter_configs.c.body_json).order_by(
        matter_configs.c.change_seq.desc()).limit(1)).scalar()
    return parse_config(json.loads(body)) if body else default_config()


def publish_config(st: Any, body: Any, *, actor: str = "admin",
                   audit: AuditHook | None = None) -> dict[str, Any]:
    """Publish a matter configuration to every desk (checked; the same version again with
    the same content is a no-op, with other content refused)."""
    from forms.matters import MatterConfigError, parse_config

    try:
        cfg = parse_config(body)
    except MatterConfigError as exc:
        raise _refused("invalid", f"config: 诉求分类配置无效：{exc}") from None
    clean = dict(cfg.body)
    digest = P.content_hash(clean)
    now = P.utc_now()
    with st.write() as conn:
        st.serialise_changes(conn)
        row = conn.execute(select(matter_configs.c.content_hash, matter_configs.c.change_seq)
                           .where(matter_configs.c.version == cfg.version)).first()
        if row is not None:
            if row.content_hash != digest:
                raise _refused("published", f"version: 诉求分类配置版本 {cfg.version} 已发布过不同内容，"
                              "请使用新版本号")
            return {"version": cfg.version, "seq": int(row.change_seq), "published": False}
        seq = conn.execute(changes.insert().values(
            kind="matter_config", desk_id=None, actor=actor, at=now,
        ).returning(changes.c.seq)).scalar_one()
        conn.execute(matter_configs.insert().values(
            version=cfg.version, body_json=json.dumps(clean, ensure_ascii=False),
            content_hash=digest, change_seq=seq, published_at=now))
        out = {"version": cfg.version, "seq": seq, "published": True}
        if audit is not None:
            audit(conn, out)
    return out


def _refused(rule: str, message: str) -> Refused:
    """A refusal naming the field (the message's ``field:`` prefix) and the rule."""
    field = message.split(":", 1)[0] if ": " in message else "config"
    return Refused(message, field=field, rule=rule)


def _department(conn: Connection, wanted: str) -> str:
    """A department of the configuration in force, by code or name; empty: 兜底."""
    cfg = current_config(conn)
    wanted = wanted.strip()
    if not wanted:
        return str(cfg.fallback_department.name)
    for d in cfg.departments:
        if wanted in (d.code, d.name):
            return str(d.name)
    raise _refused("unknown", f"department: 没有“{wanted}”这个部门（应为诉求分类配置中的部门编码或名称）")


def _iso(text: str, field: str) -> str:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _refused("format", f"{field}: 应为带时区的 ISO 时间，如 2026-10-12T18:00:00+08:00") from None
    if value.tzinfo is None:
        raise _refused("format", f"{field}: 应带时区，如 2026-10-12T18:00:00+08:00")
    return value.astimezone(UTC).isoformat(timespec="seconds")


def decide(st: Any, uuid: str, action: str, *, department: str = "", text: str = "",
           satisfaction: str = "", due_at: str = "", actor: str = "admin",
           scope_department: str | None = None, now: datetime | None = None,
           audit: AuditHook | None = None) -> dict[str, Any]:
    """One step of a work order (see the module's docstring). ``text`` is the answer
    (answer), the reason (extend, revisit 不满意, close). A ``department`` user
    (``scope_department``) acts only on orders dispatched to its department. Raises
    :class:`Refused` naming the field, :class:`NotFound` for an unknown (or out of scope)
    order."""
    if action not in _STEPS:
        raise _refused("choice", f"action: 应为 {' / '.join(ACTIONS)}")
    text = text.strip()
    at = (now or datetime.now(UTC)).astimezone(UTC)
    stamp = at.isoformat(timespec="seconds")
    values, body = _request(action, text, satisfaction, due_at, stamp)
    with st.write() as conn:
        st.serialise_changes(conn)
        row = conn.execute(select(matters).where(matters.c.uuid == uuid)).mappings().first()
        scope = _department(conn, scope_department) if scope_department else None
        if row is None or (scope is not None and row["department"] != scope):
            raise NotFound(f"没有找到诉求工单 {uuid}")  # out of scope: says nothing more
        _check(conn, row, action, values, department, at)
        status = _next_status(row, action, satisfaction, values, stamp)
        _move(conn, row, uuid, action, values)
        if action == "extend":  # 即将超时 counts again from the new deadline
            _rearm_warning(conn, row, values)
        matters_rates.move(st, conn, row, {**row, **{k: v for k, v in values.items()
                                                     if k in matters_rates.NEEDS}})
        out = _record(conn, row, uuid, action, status, text, body, values, actor, stamp)
        if audit is not None:
            audit(conn, out)
    return out


def _request(action: str, text: str, satisfaction: str, due_at: str,
             stamp: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the step asks, checked before the transaction: the columns it sets
    (``values``) and the change's body."""
    values: dict[str, Any] = {"updated_at": stamp}
    body: dict[str, Any] = {}
    if action == "answer":
        if not text:
            raise _refused("required", "answer: 请填写答复内容（办事台将转告居民）")
        values["answer"] = body["answer"] = text
    elif action == "extend":
        if not text:
            raise _refused("required", "reason: 延期必须说明原因")
        body["reason"] = text
        values["due_at"] = body["due_at"] = _iso(due_at, "due_at")
    elif action == "revisit":
        if satisfaction not in P.MATTER_SATISFACTION:
            raise _refused("choice", f"satisfaction: 应为 {' / '.join(P.MATTER_SATISFACTION)}")
        if satisfaction == "不满意" and not text:
            raise _refused("required", "reason: 回访不满意必须写明原因（退回重办）")
        values["satisfaction"] = body["satisfaction"] = satisfaction
        if text:
            body["reason"] = text
    elif action == "close" and not text:
        raise _refused("required", "reason: 请说明办结情况")
    elif action == "close":
        body["reason"] = text
    return values, body


def _check(conn: Any, row: Any, action: str, values: dict[str, Any], department: str,
           at: datetime) -> None:
    """The checks that need the order: the department to dispatch to, a later deadline
    asked before the current one passed."""
    if action == "dispatch":
        values["department"] = _department(conn, department)
    if action == "extend":
        if values["due_at"] <= row["due_at"]:
            raise _refused("later", f"due_at: 新的期限应晚于原期限 {row['due_at']}")
        if datetime.fromisoformat(row["due_at"]) <= at:
            raise _refused("passed", "due_at: 原期限已过，不能再延期（延期须在期限届满前申请）")


def _next_status(row: Any, action: str, satisfaction: str, values: dict[str, Any],
                 stamp: str) -> str:
    """The order's status after the step (put in ``values`` with what comes with it)."""
    status = _STEPS[action][1] or row["status"]
    if action == "revisit":
        status = "redo" if satisfaction == "不满意" else "closed"
        if status == "redo":
            values["redo_count"] = matters.c.redo_count + 1
    values["status"] = status
    if action == "sign" and row["signed_at"] is None:  # 响应率: the first 签收
        values["signed_at"] = stamp
    return str(status)


def _move(conn: Any, row: Any, uuid: str, action: str, values: dict[str, Any]) -> None:
    """Update the order if it is still in the status it was read in and one the step
    allows; else refuse naming the status."""
    moved = conn.execute(update(matters).where(
        matters.c.uuid == uuid, matters.c.status.in_(_STEPS[action][0]),
        matters.c.status == row["status"]).values(**values)).rowcount
    if not moved:
        raise _refused("transition", f"status: 工单{_WORDS.get(row['status'], row['status'])}，"
                      f"不能{_ACTION_WORDS[action]}")


def _rearm_warning(conn: Any, row: Any, values: dict[str, Any]) -> None:
    """After an extension: 即将超时 from the new deadline, not escalated."""
    fraction = current_config(conn).warn_fraction
    start, end = (datetime.fromisoformat(row["desk_created_at"]),
                  datetime.fromisoformat(values["due_at"]))
    values["warn_at"] = (end - (end - start) * fraction).astimezone(UTC).isoformat(
        timespec="seconds")
    values["sla_state"] = "normal"
    values["escalated_to"] = None


def _record(conn: Any, row: Any, uuid: str, action: str, status: str, text: str,
            body: dict[str, Any], values: dict[str, Any], actor: str,
            stamp: str) -> dict[str, Any]:
    """The change the desks receive (and its body); returns the step's result."""
    body["due_at"] = values.get("due_at", row["due_at"])
    dept = values.get("department", row["department"])
    seq = conn.execute(changes.insert().values(
        kind="matter", desk_id=row["desk_id"], case_uuid=uuid, status=status,
        note=text if action != "answer" else "", department=dept, actor=actor, at=stamp,
    ).returning(changes.c.seq)).scalar_one()
    conn.execute(matter_change_bodies.insert().values(
        seq=seq, body_json=json.dumps(body, ensure_ascii=False, sort_keys=True)))
    return {"seq": seq, "kind": "matter", "uuid": uuid, "matter_no": row["matter_no"],
            "action": action, "status": status, "department": dept, "at": stamp,
            "matter": body}


_ACTION_WORDS = {"dispatch": "派单", "sign": "签收", "answer": "反馈", "extend": "延期",
                 "revisit": "回访", "close": "办结"}


def list_orders(st: Any, *, status: str | None = None, overdue: bool = False,
                department: str | None = None, now: datetime | None = None,
                limit: int = 1000) -> list[dict[str, Any]]:
    """Work orders, the most urgent deadline first; ``overdue``: open ones past their
    deadline. Each with ``sla_state`` computed now. (Deadlines are kept in UTC, so their
    text order is their time order.)"""
    from forms.matters import sla_state

    at = (now or datetime.now(UTC)).astimezone(UTC)
    q = select(matters.c.uuid, matters.c.matter_no, matters.c.desk_code, matters.c.category,
               matters.c.subcategory, matters.c.urgency, matters.c.status,
               matters.c.department, matters.c.owner, matters.c.due_at,
               matters.c.desk_created_at, matters.c.received_at, matters.c.answer,
               matters.c.satisfaction, matters.c.redo_count, matters.c.escalated_to,
               matters.c.from_case, matters.c.desk_status)
    if status:
        q = q.where(matters.c.status == status)
    if department:
        with st.read() as conn:
            q = q.where(matters.c.department == _department(conn, department))
    if overdue:
        q = q.where(matters.c.status.in_(OPEN_STATUSES),
                    matters.c.due_at < at.isoformat(timespec="seconds"))
    with st.read() as conn:
        warn = current_config(conn).warn_fraction
        rows = [dict(r) for r in conn.execute(
            q.order_by(matters.c.due_at, matters.c.uuid).limit(limit)).mappings()]
    for r in rows:
        r["sla_state"] = ("closed" if r["status"] == "closed" else sla_state(
            datetime.fromisoformat(r["desk_created_at"]), datetime.fromisoformat(r["due_at"]),
            at, warn))
    return rows


def count_orders(conn: Connection) -> int:
    """How many work orders the district holds."""
    return int(conn.execute(select(func.count()).select_from(matters)).scalar() or 0)


# -- the deadline schedule -----------------------------------------------------------------------

SCHEDULE_SECONDS = 60.0  # the schedule's slot: every process may try; one runs each slot
KEEP_RUNS = timedelta(days=7)  # how long the record of past slots is kept


def run_schedule(st: Any, *, now: datetime | None = None, runner: str = "",
                 seconds: float = SCHEDULE_SECONDS,
                 audit: AuditHook | None = None) -> dict[str, Any]:
    """Mark open work orders 即将超时 (``due_soon``) or 超时 (``overdue``) and escalate each
    newly overdue one to the supervisor role of the configuration in force — exactly once
    per ``seconds``-long slot however many server processes try: the first to insert the
    slot's row in ``matter_schedule_runs`` (its primary key is the lock; a concurrent
    insert of the same key waits for that transaction and then finds it taken) does the
    work in the same transaction. ``audit`` is called once per escalation.

    Returns ``{"ran", "slot", "due_soon", "overdue", "escalated"}``."""
    at = (now or datetime.now(UTC)).astimezone(UTC)
    start = int(at.timestamp() * 1000) // int(seconds * 1000) * int(seconds * 1000)
    slot = datetime.fromtimestamp(start / 1000, UTC).isoformat(timespec="milliseconds")
    stamp = at.isoformat(timespec="seconds")
    out: dict[str, Any] = {"ran": False, "slot": slot, "due_soon": 0, "overdue": 0,
                           "escalated": 0}
    with st.write() as conn:
        claimed = conn.execute(st.dialect_insert(matter_schedule_runs).values(
            slot=slot, ran_at=stamp, runner=runner[:80] or "server",
        ).on_conflict_do_nothing().returning(matter_schedule_runs.c.slot)).first()
        if claimed is None:
            return out
        conn.execute(matter_schedule_runs.delete().where(  # the record of old slots
            matter_schedule_runs.c.slot < (at - KEEP_RUNS).isoformat(timespec="milliseconds")))
        cfg = current_config(conn)
        soon = conn.execute(update(matters).where(
            matters.c.status.in_(OPEN_STATUSES), matters.c.sla_state == "normal",
            matters.c.warn_at <= stamp, matters.c.due_at > stamp,
        ).values(sla_state="due_soon")).rowcount
        late = conn.execute(update(matters).where(
            matters.c.status.in_(OPEN_STATUSES), matters.c.sla_state != "overdue",
            matters.c.due_at <= stamp,
        ).values(sla_state="overdue")).rowcount
        escalate = conn.execute(select(matters.c.uuid, matters.c.matter_no,
                                       matters.c.department, matters.c.due_at).where(
            matters.c.status.in_(OPEN_STATUSES), matters.c.sla_state == "overdue",
            matters.c.escalated_to.is_(None)).order_by(matters.c.due_at)).all()
        for r in escalate:
            conn.execute(update(matters).where(matters.c.uuid == r.uuid).values(
                escalated_to=cfg.supervisor_role, updated_at=stamp))
            if audit is not None:
                audit(conn, {"uuid": r.uuid, "matter_no": r.matter_no,
                             "department": r.department, "due_at": r.due_at,
                             "escalated_to": cfg.supervisor_role, "at": stamp})
        out.update(ran=True, due_soon=int(soon or 0), overdue=int(late or 0),
                   escalated=len(escalate))
        conn.execute(update(matter_schedule_runs).where(
            matter_schedule_runs.c.slot == slot).values(
            due_soon=out["due_soon"], overdue=out["overdue"], escalated=out["escalated"]))
    return out


class ScheduleThread(threading.Thread):
    """The server's deadline schedule: :func:`run_schedule` every ``interval`` seconds in
    this process (every server process runs one; each slot is still run once). Escalations
    are audited as ``matter.escalate`` by ``schedule``. Stopped by :meth:`stop`."""

    def __init__(self, storage: Any, *, interval: float = 60.0,
                 now: Callable[[], datetime] | None = None,
                 audit: AuditHook | None = None) -> None:
        super().__init__(name="matter-schedule", daemon=True)
        self.storage, self.interval, self.now, self.audit = storage, interval, now, audit
        self._stop_event = threading.Event()
        self.runs = 0

    def run(self) -> None:
        import logging

        log = logging.getLogger(__name__)
        audit = self.audit
        while not self._stop_event.wait(self.interval):  # the first run after one interval
            try:
                audit = audit or _console_audit(self.storage)
                run_schedule(self.storage, now=self.now() if self.now else None,
                             runner=f"pid{os.getpid()}", seconds=self.interval, audit=audit)
            except Exception:  # a failed run is retried at the next tick, never fatal
                log.exception("the matter deadline schedule failed; retried next time")
            self.runs += 1

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the current run."""
        self._stop_event.set()
        self.join(timeout)


def _console_audit(storage: Any, console: Any = None) -> AuditHook:
    """The audit hook of an escalation: the app's console store (else a new one)."""
    if console is None:
        from sync.district.console.store import ConsoleStore

        console = ConsoleStore(storage)
    cs = console

    def hook(conn: Connection, row: dict[str, Any]) -> None:
        cs.audit.append_in(conn, "schedule", "matter.escalate", str(row["uuid"]), **row)

    return hook


def start_schedule(storage: Any, console: Any = None, *,
                   interval: float = 60.0) -> ScheduleThread | None:
    """Start the server's schedule thread, a run every ``interval`` seconds
    (``DOORSTEP_MATTER_SCHEDULE``, default 60) unless it is ``0``; escalations are audited
    through the app's ``console`` store when given."""
    if interval <= 0:
        return None
    thread = ScheduleThread(storage, interval=interval,
                            audit=_console_audit(storage, console) if console else None)
    thread.start()
    return thread
