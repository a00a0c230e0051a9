"""The resident matters' follow-up work for the console (issue 15): a 办不成事's
coordination and the 民情台账's rectification (整改), saved audited
(:func:`save_followup`); the 办不成事 report by root cause, category and department with
examples (:func:`cannot_report`: 从解决一个问题到解决一类问题); the 民情台账 rows, filtered,
with their rectification (:func:`ledger`). The queue and one order are
:mod:`sync.district.matters_console`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from sync.district.matters_console import (
    CANNOT,
    LIST_COLS,
    RECT_STATES,
    ROOT_CAUSES,
    AuditHook,
    departments,
    local_today,
    now_text,
    refused,
    sla_of,
)
from sync.district.matters_store import OPEN_STATUSES
from sync.district.matters_tables import (
    matter_followups,
    matters,
)

# -- follow-ups: 办不成事 coordination and 整改 ------------------------------------------------

def save_followup(st: Any, uuid: str, what: str, form: dict[str, str], *, actor: str,
                  audit: AuditHook | None = None, today: date | None = None
                  ) -> dict[str, Any]:
    """Save the order's 办不成事 coordination (``what="cannot"``: ``lead``, ``partners``,
    ``root_cause``) or its rectification (``what="rect"``: ``rect_department``,
    ``rect_measure``, ``rect_due``, ``rect_state``). Checked field by field
    (:class:`Refused` naming the field); written with ``audit`` in one transaction."""
    names = {n for _, n in departments(st)}
    codes = dict(departments(st))
    values: dict[str, Any] = {}

    def dept(field: str, text: str, required: bool) -> str | None:
        text = text.strip()
        if not text:
            if required:
                raise refused(field, "required", "请选择部门")
            return None
        name = codes.get(text, text)
        if name not in names:
            raise refused(field, "unknown", f"没有“{text}”这个部门（应为诉求分类配置中的部门）")
        return name

    if what == "cannot":
        cause = form.get("root_cause", "").strip()
        if cause not in ROOT_CAUSES:
            raise refused("root_cause", "choice", f"请选择根本原因：{' / '.join(ROOT_CAUSES)}")
        lead = dept("lead", form.get("lead", ""), True)
        partners = []
        for p in form.get("partners", "").replace("，", "、").replace(",", "、").split("、"):
            if p.strip():
                name = dept("partners", p, False)
                if name and name != lead and name not in partners:
                    partners.append(name)
        values.update(root_cause=cause, lead_department=lead, partners="、".join(partners))
    elif what == "rect":
        state = form.get("rect_state", "open").strip() or "open"
        if state not in RECT_STATES:
            raise refused("rect_state", "choice", "整改状态应为 整改中 / 已整改")
        measure = " ".join(form.get("rect_measure", "").split())
        if not measure:
            raise refused("rect_measure", "required", "请写明整改措施")
        if len(measure) > 500:
            raise refused("rect_measure", "length", "整改措施不超过 500 字")
        due_text = form.get("rect_due", "").strip()
        try:
            due = date.fromisoformat(due_text)
        except ValueError:
            raise refused("rect_due", "format", "整改期限应为日期，如 2026-12-31") from None
        if state == "open" and due < (today or local_today()):
            raise refused("rect_due", "past", "整改期限不能早于今天")
        values.update(rect_state=state, rect_measure=measure, rect_due=due.isoformat(),
                      rect_department=dept("rect_department",
                                           form.get("rect_department", ""), True),
                      rect_done_at=now_text(None) if state == "done" else None)
    else:
        raise refused("what", "choice", "未知的操作")
    stamp = now_text(None)
    with st.write() as conn:
        row = conn.execute(select(matters.c.uuid, matters.c.category).where(
            matters.c.uuid == uuid)).first()
        if row is None:
            raise refused("uuid", "not_found", "没有找到这条诉求工单")
        if what == "cannot" and row.category != CANNOT:
            raise refused("root_cause", "category", "只有“办不成事”工单需要协调部门和根本原因")
        st.upsert(conn, matter_followups,
                   {"uuid": uuid, "updated_at": stamp, "updated_by": actor, **values},
                   ["uuid"], ["updated_at", "updated_by", *values])
        out = {"uuid": uuid, "what": what, **values}
        if audit is not None:
            audit(conn, out)
    return out


# -- 办不成事 report -----------------------------------------------------------------------------

REPORT_GROUPS = {"root_cause": "根本原因", "subcategory": "事项/细类", "department": "牵头部门"}


def cannot_report(st: Any, by: str = "root_cause", examples: int = 3
                  ) -> list[dict[str, Any]]:
    """办不成事 grouped by root cause (untagged: 未归因), sub-category or lead department:
    each group's count, open count and up to ``examples`` examples (newest first)."""
    key = {"root_cause": func.coalesce(matter_followups.c.root_cause, "未归因"),
           "subcategory": func.coalesce(matters.c.subcategory, "（未填细类）"),
           "department": func.coalesce(matter_followups.c.lead_department,
                                       matters.c.department, "（未派单）")}[by]
    q = select(key.label("k"), matters.c.uuid, matters.c.matter_no, matters.c.description,
               matters.c.status, matters.c.received_at).outerjoin(
        matter_followups, matter_followups.c.uuid == matters.c.uuid).where(
        matters.c.category == CANNOT).order_by(matters.c.received_at.desc())
    groups: dict[str, dict[str, Any]] = {}
    with st.read() as conn:
        for r in conn.execute(q).mappings():
            g = groups.setdefault(r["k"], {"key": r["k"], "count": 0, "open": 0,
                                           "examples": []})
            g["count"] += 1
            g["open"] += r["status"] != "closed"
            if len(g["examples"]) < examples:
                g["examples"].append({"uuid": r["uuid"], "matter_no": r["matter_no"],
                                      "description": r["description"][:60]})
    return sorted(groups.values(), key=lambda g: (-g["count"], g["key"]))


# -- 民情台账 ----------------------------------------------------------------------------------

@dataclass
class LedgerFilter:
    """The ledger's filters."""

    category: str = ""
    status: str = ""  # a status, or open
    urgency: str = ""
    owner: str = ""
    desk: str = ""
    date_from: str = ""  # YYYY-MM-DD, received (district local)
    date_to: str = ""
    rect: str = ""  # any | open | done | overdue

    def active(self) -> dict[str, str]:
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)}


def _local_bounds(day_from: str, day_to: str) -> tuple[str | None, str | None]:
    from sync.district.config import district_zone

    def start(d: date) -> str:
        return datetime(d.year, d.month, d.day, tzinfo=district_zone()).astimezone(UTC).isoformat(
            timespec="seconds")

    lo = start(date.fromisoformat(day_from)) if day_from else None
    hi = start(date.fromisoformat(day_to) + timedelta(days=1)) if day_to else None
    return lo, hi


def check_ledger_filter(f: LedgerFilter) -> list[str]:
    """Problems with the filter's dates, each naming the field."""
    out = []
    for name in ("date_from", "date_to"):
        v = getattr(f, name)
        if v:
            try:
                date.fromisoformat(v)
            except ValueError:
                out.append(f"{'起始日期' if name == 'date_from' else '截止日期'}：应为日期，如 2026-11-01")
    return out


def ledger(st: Any, f: LedgerFilter, *, scope: str | None = None, limit: int | None = None,
           today: date | None = None, chunk: int = 1000) -> Iterator[list[dict[str, Any]]]:
    """The ledger's rows (received order, newest first), in chunks."""
    w: list[Any] = []
    if scope is not None:
        w.append(matters.c.department == scope)
    for col, v in ((matters.c.category, f.category), (matters.c.urgency, f.urgency),
                   (matters.c.owner, f.owner), (matters.c.desk_code, f.desk)):
        if v:
            w.append(col == v)
    if f.status == "open":
        w.append(matters.c.status.in_(OPEN_STATUSES))
    elif f.status:
        w.append(matters.c.status == f.status)
    lo, hi = _local_bounds(f.date_from, f.date_to)
    if lo:
        w.append(matters.c.received_at >= lo)
    if hi:
        w.append(matters.c.received_at < hi)
    day = (today or local_today()).isoformat()
    if f.rect == "any":
        w.append(matter_followups.c.rect_state.is_not(None))
    elif f.rect in RECT_STATES:
        w.append(matter_followups.c.rect_state == f.rect)
    elif f.rect == "overdue":
        w += [matter_followups.c.rect_state == "open", matter_followups.c.rect_due < day]
    q = select(*LIST_COLS, matters.c.answer, matter_followups.c.rect_state,
               matter_followups.c.rect_department, matter_followups.c.rect_measure,
               matter_followups.c.rect_due, matter_followups.c.rect_done_at,
               matter_followups.c.root_cause).outerjoin(
        matter_followups, matter_followups.c.uuid == matters.c.uuid).where(*w).order_by(
        matters.c.received_at.desc(), matters.c.uuid.desc())
    if limit is not None:
        q = q.limit(limit)
    now = now_text(None)
    with st.read() as conn:
        res = conn.execution_options(yield_per=chunk).execute(q).mappings()
        while batch := res.fetchmany(chunk):
            rows = [dict(r) for r in batch]
            for r in rows:
                r["sla_state"] = sla_of(r, now)
                r["rect_overdue"] = (r["rect_state"] == "open" and bool(r["rect_due"])
                                     and r["rect_due"] < day)
            yield rows
