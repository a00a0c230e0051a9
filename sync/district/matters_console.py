"""What the console's resident-matter pages read and the follow-ups they write (issue 15):
the storage side of :mod:`sync.district.console.matters` (decisions on an order go through
:func:`sync.district.matters_store.decide`).

- :func:`queue` — the work-order queue (工单), filtered (status, category, department,
  即将超时/超时, desk, 办不成事), sorted and paged; a department user's scope is a filter
  the caller cannot widen;
- :func:`order` — one order with its desk record (place, masked resident, answer channel,
  hand-overs), its follow-up and its timeline (every ``matter`` change);
- :func:`save_followup` — a 办不成事's lead/partner departments and root cause, and the
  民情台账's rectification item (整改), audited in the same transaction;
- :func:`cannot_report` — 办不成事 grouped by root cause, category and department with
  examples (从解决一个问题到解决一类问题);
- :func:`ledger` — the 民情台账 rows (filtered) with their rectification;
- :func:`rates` — 响应率, 解决率, 满意率 with their numerators and denominators, by
  department, category, desk or month (definitions in :data:`RATE_DEFINITIONS`);
- :func:`board` — the quarter's 好差评 board: matters' satisfaction and cases' ratings per
  worker and per desk.

Times are kept in UTC ISO text (text order is time order); periods are district-local
calendar months/quarters turned into UTC bounds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, func, or_, select

from sync import protocol as P
from sync.district import matters_rates
from sync.district.errors import Refused
from sync.district.matters_store import OPEN_STATUSES, current_config
from sync.district.matters_tables import (
    matter_change_bodies,
    matter_followups,
    matter_revisions,
    matters,
)
from sync.district.tables import changes, ratings

AuditHook = Callable[[Connection, dict[str, Any]], None]
ROOT_CAUSES = ("政策空白", "部门推诿", "材料要求不合理", "系统不通", "其他")
RECT_STATES = {"open": "整改中", "done": "已整改"}
CANNOT = "办不成事"
STATUS_WORDS = {"received": "待派单", "dispatched": "已派单", "signed": "已签收",
                "answered": "已反馈", "redo": "重办中", "closed": "已办结"}
SLA_WORDS = {"normal": "正常", "due_soon": "即将超时", "overdue": "超时", "closed": "—"}
RATE_DEFINITIONS = {
    "response": ("响应率", "期限内签收的工单 ÷ 已派单的工单（签收即承办部门联系居民；"
                 "按当前期限计，延期后的期限为准）"),
    "resolve": ("解决率", "已办结且回访不是“不满意”的工单 ÷ 全部工单"),
    "satisfy": ("满意率", "回访“满意”与“基本满意”的工单 ÷ 有回访结果的工单"),
}
SORTS = {  # sort key → columns (ascending); "-key" sorts descending
    "due": (matters.c.due_at, matters.c.uuid),
    "received": (matters.c.received_at, matters.c.uuid),
    "status": (matters.c.status, matters.c.due_at, matters.c.uuid),
    "department": (matters.c.department, matters.c.due_at, matters.c.uuid),
    "category": (matters.c.category, matters.c.subcategory, matters.c.due_at, matters.c.uuid),
    "desk": (matters.c.desk_code, matters.c.due_at, matters.c.uuid),
}


def _today() -> date:
    from sync.district.config import district_zone

    return datetime.now(district_zone()).date()


def _now(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


def departments(st: Any) -> list[tuple[str, str]]:
    """The departments of the configuration in force: (code, name), 兜底 first."""
    with st.read() as conn:
        cfg = current_config(conn)
    return sorted(((d.code, d.name) for d in cfg.departments),
                  key=lambda d: (d[1] != cfg.fallback_department.name,))


def department_name(st: Any, wanted: str) -> str | None:
    """A department of the configuration in force (by code or name) → its name; else None."""
    wanted = wanted.strip()
    for code, name in departments(st):
        if wanted and wanted in (code, name):
            return name
    return None


def matter_numbers(st: Any, uuids: list[str]) -> dict[str, str]:
    """uuid → matter number, for the work orders among ``uuids`` (the audit log's names)."""
    wanted = sorted({u for u in uuids if len(u) == 36})
    if not wanted:
        return {}
    with st.read() as conn:
        return {r.uuid: r.matter_no for r in conn.execute(
            select(matters.c.uuid, matters.c.matter_no).where(matters.c.uuid.in_(wanted)))}


def categories(st: Any) -> list[str]:
    """The category names of the configuration in force."""
    with st.read() as conn:
        return [c.name for c in current_config(conn).categories]


# -- the queue ---------------------------------------------------------------------------------

@dataclass
class QueueFilter:
    """The queue's filters (each empty: not filtered)."""

    status: str = ""  # a status, or "open"
    category: str = ""
    department: str = ""
    sla: str = ""  # due_soon | overdue
    desk: str = ""  # desk code
    q: str = ""  # matter number (part of it)
    cannot: bool = False  # only 办不成事
    sort: str = "due"

    def active(self) -> dict[str, str]:
        """The filters set, for the audit log and the page."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self)
                if getattr(self, f.name) and f.name != "sort"}


# open = every status but closed (:data:`OPEN_STATUSES`), written so that the partial
# indexes on open orders (matters_tables: matters_open_due, matters_open_counts) serve it
OPEN = matters.c.status != "closed"
assert set(OPEN_STATUSES) == set(P.MATTER_STATUSES) - {"closed"}
COUNT_CAP = 10_000  # the queue counts up to this many, then says "more than" (as cases do)


def _where(f: QueueFilter, scope: str | None, now: str) -> list[Any]:
    w: list[Any] = []
    if scope is not None:
        w.append(matters.c.department == scope)
    if f.status == "open":
        w.append(OPEN)
    elif f.status in P.MATTER_STATUSES:
        w.append(matters.c.status == f.status)
    if f.category:
        w.append(matters.c.category == f.category)
    if f.department:
        w.append(matters.c.department == f.department)
    if f.desk:
        w.append(matters.c.desk_code == f.desk)
    if f.q.strip():
        w.append(number_search(f.q))
    if f.cannot:
        w.append(matters.c.category == CANNOT)
    if f.sla == "overdue":
        w += [OPEN, matters.c.due_at <= now]
    elif f.sla == "due_soon":
        w += [OPEN, matters.c.warn_at <= now,
              matters.c.due_at > now]
    return w


def number_search(q: str) -> Any:
    """The queue's search by matter number (``HY-QL01-M20261203-0001``), as a worker types
    it, each form one range of an index (matters_tables: ``matters_no*``):

    - the number or its beginning (``HY-QL01``, ``HY-QL01-M202612``): a prefix of it;
    - its tail (``0001``, ``-0001``, ``1203-0001``): a prefix of ``no_rev``;
    - its date part on (``M20261203``, ``20261203``, ``M2026``, ``20261203-0001``): a prefix
      of ``no_tail``.

    Upper or lower case alike. Each finds what any part of the number found before, except
    digits that are only inside it: ``1203`` finds the numbers ending in 1203 (and dates
    from a year 1203), not the day 12-03 of every year. Anything else — fewer than 4 digits,
    letters without digits, Chinese — is searched as any part of the number, as before,
    without an index."""
    up = "".join(q.split()).upper()
    if not (up.isascii() and all(ch.isalnum() or ch == "-" for ch in up)
            and any(ch.isdigit() for ch in up)) or (up.isdigit() and len(up) < 4):
        return matters.c.matter_no.contains(q.strip(), autoescape=True)
    top = chr(0x10FFFF)  # sorts after every character (UTF-8 bytes and code points)
    rev = up[::-1]
    if up[:1] == "M" and up[1:2].isdigit():  # only its date part can (a desk code starts
        tail = up[1:]  # with letters, a number ends in digits): one condition, so that
        # matters_due_tail pages the year's thousands in deadline order from its index
        return and_(matters.c.no_tail >= tail, matters.c.no_tail < tail + top)
    tail = up
    return or_(and_(matters.c.matter_no >= up, matters.c.matter_no < up + top),
               and_(matters.c.no_rev >= rev, matters.c.no_rev < rev + top),
               and_(matters.c.no_tail >= tail, matters.c.no_tail < tail + top))


def sla_of(row: Any, now: str) -> str:
    """normal / due_soon / overdue now (closed: closed)."""
    if row["status"] == "closed":
        return "closed"
    if row["due_at"] <= now:
        return "overdue"
    if row["warn_at"] <= now:
        return "due_soon"
    return "normal"


_LIST_COLS = (matters.c.uuid, matters.c.matter_no, matters.c.desk_code, matters.c.category,
              matters.c.subcategory, matters.c.urgency, matters.c.status,
              matters.c.department, matters.c.owner, matters.c.due_at, matters.c.warn_at,
              matters.c.received_at, matters.c.satisfaction, matters.c.redo_count,
              matters.c.escalated_to, matters.c.from_case, matters.c.description)


def queue(st: Any, f: QueueFilter, *, scope: str | None = None, page: int = 1,
          per_page: int = 50, now: datetime | None = None, cap: int | None = None
          ) -> tuple[list[dict[str, Any]], int]:
    """One page of the queue and the number of orders the filter matches. ``scope``: a
    department user's department (only its orders). ``cap``: count no further than
    ``cap`` + 1 (a count past ``cap`` means "more than ``cap``")."""
    at = _now(now)
    w = _where(f, scope, at)
    key = f.sort.lstrip("-")
    cols = SORTS.get(key, SORTS["due"])
    order = [c.desc() for c in cols] if f.sort.startswith("-") else list(cols)
    with st.read() as conn:
        counted = (select(func.count()).select_from(matters).where(*w) if cap is None else
                   select(func.count()).select_from(
                       select(matters.c.uuid).where(*w).limit(cap + 1).subquery()))
        total = int(conn.execute(counted).scalar() or 0)
        if f.q.strip() and total <= COUNT_CAP:
            # a search finding a few: read them by the search's index, then sort them (the
            # planner would otherwise walk the deadline index hoping to meet them early)
            # (only the sort's columns: in the deadline order, from the index alone)
            hits = select(*{c.name: c for c in (matters.c.uuid, *cols)}.values()).where(
                *w).cte("hits").prefix_with("MATERIALIZED")
            picked = select(hits.c.uuid).order_by(*(
                hits.c[c.name].desc() if f.sort.startswith("-") else hits.c[c.name]
                for c in cols)).limit(per_page).offset((max(page, 1) - 1) * per_page
                                                       ).subquery()
            page_q = select(*_LIST_COLS).join(picked, picked.c.uuid == matters.c.uuid
                                              ).order_by(*order)
        else:
            page_q = select(*_LIST_COLS).where(*w).order_by(*order).limit(per_page).offset(
                (max(page, 1) - 1) * per_page)
        rows = [dict(r) for r in conn.execute(page_q).mappings()]
    for r in rows:
        r["sla_state"] = sla_of(r, at)
    return rows, total


def counts(st: Any, *, scope: str | None = None, now: datetime | None = None
           ) -> dict[str, int]:
    """The queue's headline counts: open, 待派单, 即将超时, 超时, 办不成事 open."""
    at = _now(now)
    base = [matters.c.department == scope] if scope is not None else []
    open_ = OPEN
    with st.read() as conn:
        row = conn.execute(select(
            func.count().filter(open_).label("open"),
            func.count().filter(matters.c.status == "received").label("received"),
            func.count().filter(and_(open_, matters.c.warn_at <= at, matters.c.due_at > at)
                                ).label("due_soon"),
            func.count().filter(and_(open_, matters.c.due_at <= at)).label("overdue"),
            func.count().filter(and_(open_, matters.c.category == CANNOT)).label("cannot"),
        ).select_from(matters).where(open_, *base)).mappings().one()  # open: an index
    return {k: int(v or 0) for k, v in row.items()}


# -- one order ---------------------------------------------------------------------------------

def _mask_phone(p: str) -> str:
    p = p.strip()
    return p[:3] + "****" + p[-4:] if len(p) >= 11 else ("*" * len(p))


def _mask_id(n: str) -> str:
    n = n.strip()
    return n[:6] + "*" * max(0, len(n) - 10) + n[-4:] if len(n) > 10 else "*" * len(n)


def _mask_name(name: str) -> str:
    s = name.strip()
    if len(s) <= 1:
        return s
    return s[0] + "*" * (len(s) - 1) if len(s) == 2 else s[0] + "*" * (len(s) - 2) + s[-1]


def timeline(conn: Connection, uuid: str) -> list[dict[str, Any]]:
    """Every decision on the order, oldest first: status, department, actor, time, and what
    it said (answer, reason, deadline, satisfaction)."""
    rows = conn.execute(select(changes.c.seq, changes.c.status, changes.c.note,
                               changes.c.department, changes.c.actor, changes.c.at,
                               matter_change_bodies.c.body_json).outerjoin(
        matter_change_bodies, matter_change_bodies.c.seq == changes.c.seq).where(
        changes.c.kind == "matter", changes.c.case_uuid == uuid).order_by(changes.c.seq))
    out = []
    for r in rows.mappings():
        body = json.loads(r["body_json"]) if r["body_json"] else {}
        out.append({"seq": int(r["seq"]), "status": r["status"], "note": r["note"],
                    "department": r["department"], "actor": r["actor"], "at": r["at"],
                    **{k: body.get(k) for k in ("answer", "reason", "due_at", "satisfaction")}})
    return out


def order(st: Any, uuid: str, *, scope: str | None = None, now: datetime | None = None
          ) -> dict[str, Any] | None:
    """One work order for its page (None: unknown, or outside ``scope``). Personal data is
    masked: the console's matter pages never show a resident's full number."""
    with st.read() as conn:
        row = conn.execute(select(matters).where(matters.c.uuid == uuid)).mappings().first()
        if row is None or (scope is not None and row["department"] != scope):
            return None
        out = dict(row)
        body = conn.execute(select(matter_revisions.c.payload_json).where(
            matter_revisions.c.matter_uuid == uuid,
            matter_revisions.c.revision == row["revision"])).scalar()
        fu = conn.execute(select(matter_followups).where(
            matter_followups.c.uuid == uuid)).mappings().first()
        out["timeline"] = timeline(conn, uuid)
    payload = json.loads(body) if body else {}
    place = _json_obj(payload.get("place_json"))
    resident = _json_obj(payload.get("resident_json"))
    out["place"] = " ".join(str(place[k]) for k in ("compound", "building", "unit", "room",
                                                     "place") if place.get(k))
    out["compound"] = str(place.get("compound") or "")
    out["resident"] = {"name": _mask_name(str(resident.get("name") or "")),
                       "phone": _mask_phone(str(resident.get("phone") or "")),
                       "id_number": _mask_id(str(resident.get("id_number") or ""))
                       } if resident else {}
    out["answer_by"] = payload.get("answer_by", "none")
    out["worker"] = payload.get("worker", "")
    out["handovers"] = payload.get("handovers") or []
    out["result"] = payload.get("result")
    out["followup"] = dict(fu) if fu else {}
    out["sla_state"] = sla_of(out, _now(now))
    return out


def _json_obj(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# -- follow-ups: 办不成事 coordination and 整改 ------------------------------------------------

def _refused(field: str, rule: str, message: str) -> Refused:
    return Refused(f"{field}: {message}", field=field, rule=rule)


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
                raise _refused(field, "required", "请选择部门")
            return None
        name = codes.get(text, text)
        if name not in names:
            raise _refused(field, "unknown", f"没有“{text}”这个部门（应为诉求分类配置中的部门）")
        return name

    if what == "cannot":
        cause = form.get("root_cause", "").strip()
        if cause not in ROOT_CAUSES:
            raise _refused("root_cause", "choice", f"请选择根本原因：{' / '.join(ROOT_CAUSES)}")
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
            raise _refused("rect_state", "choice", "整改状态应为 整改中 / 已整改")
        measure = " ".join(form.get("rect_measure", "").split())
        if not measure:
            raise _refused("rect_measure", "required", "请写明整改措施")
        if len(measure) > 500:
            raise _refused("rect_measure", "length", "整改措施不超过 500 字")
        due_text = form.get("rect_due", "").strip()
        try:
            due = date.fromisoformat(due_text)
        except ValueError:
            raise _refused("rect_due", "format", "整改期限应为日期，如 2026-12-31") from None
        if state == "open" and due < (today or _today()):
            raise _refused("rect_due", "past", "整改期限不能早于今天")
        values.update(rect_state=state, rect_measure=measure, rect_due=due.isoformat(),
                      rect_department=dept("rect_department",
                                           form.get("rect_department", ""), True),
                      rect_done_at=_now(None) if state == "done" else None)
    else:
        raise _refused("what", "choice", "未知的操作")
    stamp = _now(None)
    with st.write() as conn:
        row = conn.execute(select(matters.c.uuid, matters.c.category).where(
            matters.c.uuid == uuid)).first()
        if row is None:
            raise _refused("uuid", "not_found", "没有找到这条诉求工单")
        if what == "cannot" and row.category != CANNOT:
            raise _refused("root_cause", "category", "只有“办不成事”工单需要协调部门和根本原因")
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
    day = (today or _today()).isoformat()
    if f.rect == "any":
        w.append(matter_followups.c.rect_state.is_not(None))
    elif f.rect in RECT_STATES:
        w.append(matter_followups.c.rect_state == f.rect)
    elif f.rect == "overdue":
        w += [matter_followups.c.rect_state == "open", matter_followups.c.rect_due < day]
    q = select(*_LIST_COLS, matters.c.answer, matter_followups.c.rect_state,
               matter_followups.c.rect_department, matter_followups.c.rect_measure,
               matter_followups.c.rect_due, matter_followups.c.rect_done_at,
               matter_followups.c.root_cause).outerjoin(
        matter_followups, matter_followups.c.uuid == matters.c.uuid).where(*w).order_by(
        matters.c.received_at.desc(), matters.c.uuid.desc())
    if limit is not None:
        q = q.limit(limit)
    now = _now(None)
    with st.read() as conn:
        res = conn.execution_options(yield_per=chunk).execute(q).mappings()
        while batch := res.fetchmany(chunk):
            rows = [dict(r) for r in batch]
            for r in rows:
                r["sla_state"] = sla_of(r, now)
                r["rect_overdue"] = (r["rect_state"] == "open" and bool(r["rect_due"])
                                     and r["rect_due"] < day)
            yield rows


# -- the three rates -----------------------------------------------------------------------------

def period_bounds(period: str) -> tuple[str, str, str]:
    """``YYYY-MM`` (a month), ``YYYY-Qn`` (a quarter) or ``YYYY`` (a year) in district local
    time → (UTC start, UTC end, words). :class:`Refused` naming ``period`` otherwise."""
    from sync.district.config import district_zone

    p = period.strip()
    try:
        if len(p) == 7 and p[4] == "-" and p[5] != "Q":
            y, m = int(p[:4]), int(p[5:])
            start, end, words = date(y, m, 1), date(y + m // 12, m % 12 + 1, 1), f"{y} 年 {m} 月"
        elif len(p) == 7 and p[4:6] == "-Q" and p[6] in "1234":
            y, q = int(p[:4]), int(p[6])
            start = date(y, 3 * q - 2, 1)
            end = date(y + (q == 4), (3 * q) % 12 + 1, 1)
            words = f"{y} 年第 {q} 季度"
        elif len(p) == 4:
            y = int(p)
            start, end, words = date(y, 1, 1), date(y + 1, 1, 1), f"{y} 年"
        else:
            raise ValueError
    except ValueError:
        raise _refused("period", "format", "统计期应为月份（2026-11）、季度（2026-Q4）或年份（2026）"
                       ) from None

    def utc(d: date) -> str:
        return datetime(d.year, d.month, d.day, tzinfo=district_zone()).astimezone(UTC).isoformat(
            timespec="seconds")

    return utc(start), utc(end), words


RATE_GROUPS = {"department": "部门", "category": "类别", "desk": "办事点", "month": "月份"}


def period_months(period: str) -> list[str]:
    """The local months (``YYYY-MM``) of a period checked by :func:`period_bounds`."""
    p = period.strip()
    y = int(p[:4])
    if len(p) == 4:
        return [f"{y}-{m:02d}" for m in range(1, 13)]
    if p[5] == "Q":
        q = int(p[6])
        return [f"{y}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]
    return [f"{y}-{int(p[5:]):02d}"]


def rates(st: Any, period: str, by: str = "department") -> dict[str, Any]:
    """The three rates in ``period`` (orders received in it), overall and per group
    (``by``: department, category, desk, month — the month of receipt, district local).
    Each rate as {"num", "den", "pct"} (pct None when den is 0). Summed from the rates'
    summary (:mod:`sync.district.matters_rates`), a few cells per month and group."""
    _lo, _hi, words = period_bounds(period)
    col = {"department": "department", "category": "category", "desk": "desk_code",
           "month": "month"}[by]
    with st.read() as conn:
        groups = matters_rates.sums(conn, period_months(period), col)
    if by == "department" and "" in groups:
        groups["（未派单）"] = groups.pop("")

    def three(g: dict[str, int]) -> dict[str, Any]:
        def rate(num: int, den: int) -> dict[str, Any]:
            return {"num": num, "den": den,
                    "pct": None if den == 0 else round(100.0 * num / den, 1)}
        return {"total": g["total"], "response": rate(g["in_time"], g["dispatched"]),
                "resolve": rate(g["resolved"], g["total"]),
                "satisfy": rate(g["happy"], g["rated"])}

    total = dict.fromkeys(("total", "dispatched", "in_time", "resolved", "rated", "happy"), 0)
    for g in groups.values():
        for c in total:
            total[c] += g[c]
    return {"period": period, "words": words, "by": by, "overall": three(total),
            "rows": [{"key": k, **three(g)} for k, g in sorted(groups.items())]}


def overdue(st: Any, *, scope: str | None = None, limit: int = 20,
            now: datetime | None = None) -> list[dict[str, Any]]:
    """Open orders past their deadline, the longest overdue first."""
    rows, _ = queue(st, QueueFilter(sla="overdue", sort="due"), scope=scope, per_page=limit,
                    now=now, cap=limit)
    return rows


# -- 好差评 board --------------------------------------------------------------------------------

def board(st: Any, quarter: str) -> dict[str, Any]:
    """The quarter's board: per worker and per desk, matters' 回访 satisfaction (matters
    received in the quarter; the owner is the worker) and cases' 好差评 ratings (rated in the
    quarter; the case's worker)."""
    from sync.district.console.schema import ccases

    lo, hi, words = period_bounds(quarter)
    out: dict[str, Any] = {"period": quarter, "words": words}
    with st.read() as conn:
        for who, mcol, ccol in (("worker", "owner", ccases.c.worker),
                                ("desk", "desk_code", ccases.c.desk_code)):
            table: dict[str, dict[str, Any]] = {}
            for k, g in matters_rates.sums(conn, period_months(quarter), mcol,
                                           board=True).items():
                if g["rated"]:
                    t = table.setdefault(k, _board_row(k))
                    t["m_rated"], t["m_happy"] = g["rated"], g["happy"]
            for r in conn.execute(select(
                    ccol.label("k"), func.count().label("n"),
                    func.sum(case((ratings.c.level >= 4, 1), else_=0)).label("good"),
                    func.sum(case((ratings.c.level <= 2, 1), else_=0)).label("bad"),
                    func.avg(ratings.c.level).label("avg")).select_from(
                    ratings.join(ccases, ccases.c.uuid == ratings.c.case_uuid)).where(
                    ratings.c.rated_at >= lo, ratings.c.rated_at < hi).group_by(ccol)
                    ).mappings():
                t = table.setdefault(str(r["k"]), _board_row(str(r["k"])))
                t.update(c_rated=int(r["n"]), c_good=int(r["good"] or 0),
                         c_bad=int(r["bad"] or 0), c_avg=round(float(r["avg"] or 0), 2))
            for t in table.values():
                t["m_pct"] = (round(100.0 * t["m_happy"] / t["m_rated"], 1)
                              if t["m_rated"] else None)
                t["c_pct"] = (round(100.0 * t["c_good"] / t["c_rated"], 1)
                              if t["c_rated"] else None)
            out[who] = sorted(table.values(), key=lambda t: (
                -(t["c_pct"] or 0) - (t["m_pct"] or 0), t["key"]))
    return out


def _board_row(key: str) -> dict[str, Any]:
    return {"key": key, "m_rated": 0, "m_happy": 0, "c_rated": 0, "c_good": 0, "c_bad": 0,
            "c_avg": 0.0}

