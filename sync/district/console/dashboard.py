"""The dashboard's queries, one step each (:meth:`ConsoleStore.dashboard
<sync.district.console.store.ConsoleStore.dashboard>` puts them together in one read
transaction). Each takes the open connection and returns its part of the page's figures."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from forms.catalog import load_catalog
from sync.district.console.schema import OPEN_STATUSES, ccases, counts
from sync.district.storage import desks

RATE_GROUPS = {"rd": "desk", "rw": "worker", "ri": "item"}  # console_counts' 差评率 rows



def intake(conn: Any, t: str, ws: str) -> dict[str, Any]:
    """The period's intake and today's by item, by desk and by desk and worker, from
    console_counts' days (issue 21: grouping a week's cases took ~90 ms at 1M)."""
    desk_codes = dict(conn.execute(select(desks.c.desk_id, desks.c.desk_code)).all())
    names = {it.code: it.name for it in load_catalog().items}
    k = counts.c
    grouped: dict[str, list[tuple[Any, ...]]] = {"ii": [], "id": [], "iw": []}
    for kind, a, b, n, tn in conn.execute(
            select(k.kind, k.a, k.b, func.sum(k.n),
                   func.sum(case((k.day == t, k.n), else_=0)))
            .where(k.kind.in_(tuple(grouped)), k.day >= ws, k.day <= t)
            .group_by(k.kind, k.a, k.b)):
        grouped[kind].append((a, n, tn) if kind != "iw" else (a, b, n, tn))
    out: dict[str, Any] = {}
    out["by_item"] = [(item, names.get(item, item), int(n), int(tn or 0))
                      for item, n, tn in grouped["ii"] if n]
    out["by_desk"] = [(desk, desk_codes.get(desk, desk), int(n), int(tn or 0))
                      for desk, n, tn in grouped["id"] if n]
    by_worker: dict[tuple[str, str], list[int]] = {}
    for desk, worker, n, tn in grouped["iw"]:
        acc = by_worker.setdefault((desk_codes.get(desk, desk), worker), [0, 0])
        acc[0] += int(n)
        acc[1] += int(tn or 0)
    out["by_worker"] = [(*key, *v) for key, v in by_worker.items() if v[0]]
    return out


def backlog(conn: Any, t: str, near_end: str, spot: Any) -> dict[str, Any]:
    """The backlog by status, 已超承诺期, 临近, 区级未确认 and 绿色通道 from console_counts
    (issue 21), kept with the read model: the same figures as the list's filters count.
    当场办结 items have no promised date: never overdue, 区级未确认 while open. 已超承诺期 =
    open promised cases with a date, less those due today or later (a few weeks of "due"
    rows, not every day since the start)."""
    k = counts.c
    out: dict[str, Any] = {}
    out["backlog"], out["overdue"], out["unconfirmed"], out["near_due"] = {}, 0, 0, 0
    out["priority_open"] = 0
    for status, item, flags, n in conn.execute(
            select(k.a, k.b, k.c, k.n).where(k.kind == "open", k.day == "")):
        out["backlog"][status] = out["backlog"].get(status, 0) + int(n)
        out["priority_open"] += int(n) if flags[0] == "1" else 0
        if item in spot:
            out["unconfirmed"] += int(n)
        elif flags[1] == "1":
            out["overdue"] += int(n)
    out["backlog"] = {s_: n for s_, n in out["backlog"].items() if n}
    for day, item, n in conn.execute(select(k.day, k.a, k.n).where(
            k.kind == "due", k.day >= t)):
        if item not in spot:
            out["overdue"] -= int(n)
            out["near_due"] += int(n) if day <= near_end else 0
    return out


def most_overdue(conn: Any, near_end: str, spot: Any) -> list[dict[str, Any]]:
    """The eight open promised cases nearest to (or furthest past) their date."""
    c = ccases.c
    promised = c.item_code.not_in(sorted(spot))
    rows = [dict(r) for r in conn.execute(
        select(c.uuid, c.receipt_no, c.item_name, c.desk_code, c.promised_date,
               c.district_status).where(c.district_status.in_(OPEN_STATUSES),
                                        promised, c.promised_date < near_end)
        .order_by(c.district_status, c.promised_date).limit(200)).mappings()]
    rows.sort(key=lambda r: r["promised_date"] or "")
    return rows[:8]


def ratings(conn: Any, since: str) -> dict[str, Any]:
    """The ratings by level since ``since``, and the 差评 share by desk, worker and item."""
    k = counts.c
    levels: dict[int, int] = {}
    rates: dict[str, dict[str, list[int]]] = {"desk": {}, "worker": {}, "item": {}}
    for kind, a, b, c_, n in conn.execute(  # the period's days summed by the database
            select(k.kind, k.a, k.b, k.c, func.sum(k.n))
            .where(k.kind.in_(("rl", "rd", "rw", "ri")), k.day >= since)
            .group_by(k.kind, k.a, k.b, k.c)):
        if kind == "rl":
            levels[int(a)] = levels.get(int(a), 0) + int(n)
            continue
        # rd: (desk code, 差评?); rw: (worker, desk code, 差评?); ri: (item, 差评?)
        group, bad = (f"{a or '未填'}（{b}）", c_) if kind == "rw" else (a, b)
        tally = rates[RATE_GROUPS[kind]].setdefault(group, [0, 0])
        tally[0] += int(n)
        tally[1] += int(n) if bad == "1" else 0
    return {"ratings": {lv: n for lv, n in levels.items() if n},
            "bad_rates": {g: sorted(((name, n, bad) for name, (n, bad) in v.items() if n),
                                    key=lambda r: (-r[2] / r[1], -r[1], r[0]))
                          for g, v in rates.items()}}
