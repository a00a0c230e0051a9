"""The resident matters' figures for the console (issue 15): 响应率, 解决率, 满意率 with
their numerators and denominators by department, category, desk or month
(:func:`rates`, definitions in :data:`RATE_DEFINITIONS`), the orders longest overdue
(:func:`overdue`), and the quarter's 好差评 board (:func:`board`: matters' satisfaction
and cases' ratings per worker and per desk). Periods are district-local months, quarters
or years turned into UTC bounds (:func:`period_bounds`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import case, func, select

from sync.district import matters_rates
from sync.district.matters_console import (
    QueueFilter,
    queue,
    refused,
)
from sync.district.tables import ratings

RATE_DEFINITIONS = {
    "response": ("响应率", "期限内签收的工单 ÷ 已派单的工单（签收即承办部门联系居民；"
                 "按当前期限计，延期后的期限为准）"),
    "resolve": ("解决率", "已办结且回访不是“不满意”的工单 ÷ 全部工单"),
    "satisfy": ("满意率", "回访“满意”与“基本满意”的工单 ÷ 有回访结果的工单"),
}

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
        raise refused("period", "format", "统计期应为月份（2026-11）、季度（2026-Q4）或年份（2026）"
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
