"""Proactive-service rules (issue 18): the expression language district staff write —
ages across month ends and leap days under fixed dates, flags, parameters, and every
mistake refused with a sentence."""

from __future__ import annotations

from datetime import date

import pytest

from forms.proactive import Person, RuleError, add_months, age_on, parse_rule

GLJT = "age_on(first_of_next_month) >= gljt_min_age and not 已领高龄津贴"


def person(born: str, *flags: str, compound: str = "七里一村") -> Person:
    return Person(date.fromisoformat(born), "女", compound, "第三网格", frozenset(flags))


@pytest.mark.parametrize("born,today,listed", [
    ("1946-12-01", date(2026, 11, 30), True),   # turns 80 on the 1st of next month
    ("1946-12-02", date(2026, 11, 30), False),  # a day later: next month's list
    ("1946-12-31", date(2026, 12, 1), True),    # this month's run sees next month's first
    ("1947-01-01", date(2026, 12, 31), True),   # across the year end
    ("1947-01-02", date(2026, 12, 31), False),
    ("1948-02-29", date(2028, 1, 31), False),   # leap-day born: 79 on 1 Feb 2028
    ("1948-02-29", date(2028, 2, 29), True),    # 80 on 29 Feb 2028, so on 1 Mar too
    ("1947-02-28", date(2027, 1, 31), False),
    ("1947-02-28", date(2027, 2, 28), True),
])
def test_gljt_rule_across_month_ends_and_leap_days(born: str, today: date,
                                                   listed: bool) -> None:
    rule = parse_rule(GLJT, {"gljt_min_age": 80})
    assert rule.holds(person(born), today) is listed


def test_age_counts_full_years_and_leap_day_birthdays() -> None:
    born = date(1948, 2, 29)
    assert age_on(born, date(2027, 2, 28)) == 78  # 29 Feb has not come: still 78
    assert age_on(born, date(2027, 3, 1)) == 79
    assert age_on(born, date(2028, 2, 29)) == 80
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    leap = parse_rule("birthday_in(first_of_month, end_of_month)")
    assert leap.holds(person("1948-02-29"), date(2027, 3, 10))  # 1 Mar in 2027
    assert not leap.holds(person("1948-02-29"), date(2027, 2, 10))
    assert leap.holds(person("1948-02-29"), date(2028, 2, 10))


def test_flags_parameters_and_places() -> None:
    rule = parse_rule(GLJT, {"gljt_min_age": 70})  # another city's threshold: one cell
    assert rule.holds(person("1956-06-01"), date(2026, 6, 15))
    assert not rule.holds(person("1956-06-01", "已领高龄津贴"), date(2026, 6, 15))
    poor = parse_rule('(低保 or 特困) and age >= 60 and compound in ["七里一村", "七里二村"]')
    assert poor.holds(person("1960-01-01", "低保"), date(2026, 12, 3))
    assert not poor.holds(person("1960-01-01", "低保", compound="琴台"), date(2026, 12, 3))
    assert not poor.holds(person("1960-01-01"), date(2026, 12, 3))
    soon = parse_rule("age_on(add_days(today, 30)) >= 60 and age < 60")
    assert soon.holds(person("1966-12-20"), date(2026, 12, 3))


@pytest.mark.parametrize("text,words", [
    ("age >= min_age", "“min_age”不认识"),
    ("age >=", "写法有误"),
    ("__import__('os').system('x')", "不能这样写"),
    ("open('x') == 1", "函数“open”不认识"),
    ("birth_date.year > 1950", "不能这样写"),
    ("age_on(today, today, today) > 1", "需要 1或2 个参数"),
    ("compound in [grid]", "只能写常量"),
    ("age ** 2 > 1", "不能这样写"),
])
def test_mistakes_are_refused_in_words(text: str, words: str) -> None:
    with pytest.raises(RuleError, match=words):
        parse_rule(text)
