"""Working-day arithmetic with China's official holiday and make-up-workday calendar.

Which days are working days comes from a :class:`forms.calendar.WorkCalendar`: the
district's published arrangement for the year, else the one shipped with the program (from
the ``chinesecalendar`` package), else the package itself, else a fallback that knows the
statutory festival days (lunar ones computed) but not the notice's make-up days — a result
that counted such a year is marked inexact, so a promised date is never silently wrong.
Every function takes ``calendar=``; without it, the shipped data, package and fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from forms.calendar import WorkCalendar, default_calendar


@dataclass(frozen=True)
class WorkdayResult:
    """A computed date and whether the official calendar covered every day counted."""

    day: date
    exact: bool


def is_workday(day: date, calendar: WorkCalendar | None = None) -> tuple[bool, bool]:
    """(is it a working day, was the official calendar known for it)."""
    return (calendar or default_calendar()).is_workday(day)


def add_working_days(start: date, days: int,
                     calendar: WorkCalendar | None = None) -> WorkdayResult:
    """The date ``days`` working days after ``start`` (the day of acceptance not counted).

    ``add_working_days(d, 0)`` is ``d`` itself.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    cal = calendar or default_calendar()
    day = start
    exact = True
    left = days
    while left > 0:
        day += timedelta(days=1)
        work, known = cal.is_workday(day)
        exact = exact and known
        if work:
            left -= 1
    return WorkdayResult(day, exact)


def working_days_between(start: date, end: date,
                         calendar: WorkCalendar | None = None) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
    if end < start:
        return -working_days_between(end, start, calendar)
    cal = calendar or default_calendar()
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if cal.is_workday(day)[0]:
            count += 1
    return count
