"""Working-day arithmetic with China's official holiday and make-up-workday calendar.

The calendar comes from the maintained ``chinesecalendar`` package (State Council
notices, updated yearly). For a year it does not know yet (the notice for next year is
usually published in November), weekends alone are used and the result says so, so a
promised date is never silently wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar


@dataclass(frozen=True)
class WorkdayResult:
    """A computed date and whether the official calendar covered every day counted."""

    day: date
    exact: bool


# Statutory fixed-date holidays (全国年节及纪念日放假办法, as amended 2024): used only for a
# year the official calendar does not cover yet; lunar holidays and make-up days are then
# unknown, so such results are marked inexact.
_FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}


def is_workday(day: date) -> tuple[bool, bool]:
    """(is it a working day, was the official calendar known for it)."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5 and (day.month, day.day) not in _FIXED_HOLIDAYS, False


def add_working_days(start: date, days: int) -> WorkdayResult:
    """The date ``days`` working days after ``start`` (the day of acceptance not counted).

    ``add_working_days(d, 0)`` is ``d`` itself.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    exact = True
    left = days
    while left > 0:
        day += timedelta(days=1)
        work, known = is_workday(day)
        exact = exact and known
        if work:
            left -= 1
    return WorkdayResult(day, exact)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_workday(day)[0]:
            count += 1
    return count
