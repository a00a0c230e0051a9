"""Working days follow the official holiday and make-up-workday calendar."""

from __future__ import annotations

from datetime import date

from forms.workdays import add_working_days, is_workday, working_days_between


def test_national_day_2026() -> None:
    # 2026-09-30 (Wed) + 1 working day skips the National Day holiday to Thursday 10-08
    assert add_working_days(date(2026, 9, 30), 1).day == date(2026, 10, 8)


def test_make_up_workday_counts() -> None:
    # Saturday 2026-10-10 is a make-up working day
    assert is_workday(date(2026, 10, 10)) == (True, True)
    assert add_working_days(date(2026, 10, 9), 1).day == date(2026, 10, 10)


def test_spring_festival_2026() -> None:
    # 2026-02-13 (Fri) → Saturday 02-14 is a make-up workday, then the holiday to 02-23
    assert add_working_days(date(2026, 2, 13), 1).day == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 14), 1).day == date(2026, 2, 24)


def test_ordinary_weeks() -> None:
    assert add_working_days(date(2026, 11, 20), 5).day == date(2026, 11, 27)
    assert add_working_days(date(2026, 11, 21), 0).day == date(2026, 11, 21)
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 27)) == 5


def test_unknown_year_is_flagged_and_skips_fixed_holidays() -> None:
    res = add_working_days(date(2026, 12, 30), 2)
    assert not res.exact
    assert res.day == date(2027, 1, 4)  # 12-31 (Thu), 01-01 holiday, 01-02/03 weekend, 01-04
