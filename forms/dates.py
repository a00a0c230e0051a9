"""Date arithmetic shared by every rule language of the catalog (issue 16, issue 18).

One implementation, used by the form checks (:mod:`forms.engine`, ``rule: expr``) and the
proactive-service rules (:mod:`forms.proactive`), both through :mod:`forms.expr`.

Age counts full years as Chinese law does (周岁): someone born on 29 February reaches an
age on 1 March in a year without that day. Moving a date by months keeps it within the
month (31 January + 1 month → 28/29 February).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

# the named days a rule may use, relative to the day it is evaluated on
DATE_NAMES = ("today", "first_of_month", "end_of_month", "first_of_next_month",
              "end_of_next_month", "first_of_year", "end_of_year")


def birthday(born: date, year: int) -> date:
    """The day ``born`` has its birthday in ``year`` (29 Feb → 1 Mar in other years)."""
    if born.month == 2 and born.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return born.replace(year=year)


def age_on(born: date, day: date) -> int:
    """Full years (周岁) on ``day``: the birthday is reached on its day, a 29 February
    birthday on 1 March in a year without that day."""
    years = day.year - born.year
    if day < birthday(born, day.year):
        years -= 1
    return years


def add_days(day: date, n: int) -> date:
    """``day`` moved by ``n`` days."""
    return day + timedelta(days=n)


def add_months(day: date, n: int) -> date:
    """``day`` moved by ``n`` months, kept within the month (31 Jan + 1 → 28/29 Feb)."""
    month = day.month - 1 + n
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, n: int) -> date:
    """``day`` moved by ``n`` years (29 Feb → 28 Feb in a year without it)."""
    return add_months(day, 12 * n)


def months_between(start: date, end: date) -> int:
    """Full months from ``start`` to ``end`` (negative when ``end`` is earlier): 31 Jan →
    28 Feb is 0 months, 31 Jan → 1 Mar is 1, like a month's anniversary kept within the
    month (:func:`add_months`)."""
    if end < start:
        return -months_between(end, start)
    n = (end.year - start.year) * 12 + end.month - start.month
    while n > 0 and add_months(start, n) > end:
        n -= 1
    return n


def birthday_between(born: date, start: date, end: date) -> bool:
    """Whether a birthday of ``born`` falls between ``start`` and ``end`` (inclusive)."""
    return any(start <= birthday(born, y) <= end for y in range(start.year, end.year + 1))


def date_env(today: date) -> dict[str, date]:
    """The named days (:data:`DATE_NAMES`) for ``today``."""
    first = today.replace(day=1)
    nxt = add_months(first, 1)
    return {"today": today, "first_of_month": first,
            "end_of_month": nxt - timedelta(days=1), "first_of_next_month": nxt,
            "end_of_next_month": add_months(nxt, 1) - timedelta(days=1),
            "first_of_year": date(today.year, 1, 1), "end_of_year": date(today.year, 12, 31)}
