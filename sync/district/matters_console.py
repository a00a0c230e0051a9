"""What the console's resident-matter pages read (issue 15): the storage side of
:mod:`sync.district.console.matters` (decisions on an order go through
:func:`sync.district.matters_store.decide`). This module has the work-order queue and one
order, and what the others share (the departments and categories in force, the words);
:mod:`sync.district.matters_ledger` the follow-ups, the 办不成事 report and the 民情台账;
:mod:`sync.district.matters_reports` the three rates and the 好差评 board.

- :func:`queue` — the work-order queue (工单), filtered (status, category, department,
  即将超时/超时, desk, 办不成事), sorted and paged; a department user's scope is a filter
  the caller cannot widen;
- :func:`order` — one order with its desk record (place, masked resident, answer channel,
  hand-overs), its follow-up and its timeline (every ``matter`` change).

Times are kept in UTC ISO text (text order is time order); periods are district-local
calendar months/quarters turned into UTC bounds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from forms.matters import place_words
from sync import protocol as P
from sync.district.errors import Refused
from sync.district.matters_store import OPEN_STATUSES, current_config
from sync.district.matters_tables import (
    matter_change_bodies,
    matter_followups,
    matter_revisions,
    matters,
)
from sync.district.tables import changes

AuditHook = Callable[[Connection, dict[str, Any]], None]
ROOT_CAUSES = ("政策空白", "部门推诿", "材料要求不合理", "系统不通", "其他")
RECT_STATES = {"open": "整改中", "done": "已整改"}
CANNOT = "办不成事"
STATUS_WORDS = {"received": "待派单", "dispatched": "已派单", "signed": "已签收",
                "answered": "已反馈", "redo": "重办中", "closed": "已办结"}
SLA_WORDS = {"normal": "正常", "due_soon": "即将超时", "overdue": "超时", "closed": "—"}
SORTS = {  # sort key → columns (ascending); "-key" sorts descending
    "due": (matters.c.due_at, matters.c.uuid),
    "received": (matters.c.received_at, matters.c.uuid),
    "status": (matters.c.status, matters.c.due_at, matters.c.uuid),
    "department": (matters.c.department, matters.c.due_at, matters.c.uuid),
    "category": (matters.c.category, matters.c.subcategory, matters.c.due_at, matters.c.uuid),
    "desk": (matters.c.desk_code, matters.c.due_at, matters.c.uuid),
}


def local_today() -> date:
    from sync.district.config import district_zone

    return datetime.now(district_zone()).date()


def now_text(now: datetime | None) -> str:
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


LIST_COLS = (matters.c.uuid, matters.c.matter_no, matters.c.desk_code, matters.c.category,
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
    at = now_text(now)
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
            page_q = select(*LIST_COLS).join(picked, picked.c.uuid == matters.c.uuid
                                              ).order_by(*order)
        else:
            page_q = select(*LIST_COLS).where(*w).order_by(*order).limit(per_page).offset(
                (max(page, 1) - 1) * per_page)
        rows = [dict(r) for r in conn.execute(page_q).mappings()]
    for r in rows:
        r["sla_state"] = sla_of(r, at)
    return rows, total


def counts(st: Any, *, scope: str | None = None, now: datetime | None = None
           ) -> dict[str, int]:
    """The queue's headline counts: open, 待派单, 即将超时, 超时, 办不成事 open."""
    at = now_text(now)
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
    out["place"] = place_words(place)
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
    out["sla_state"] = sla_of(out, now_text(now))
    return out


def _json_obj(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def refused(field: str, rule: str, message: str) -> Refused:
    """A refusal naming the field (``field: message``)."""
    return Refused(f"{field}: {message}", field=field, rule=rule)
