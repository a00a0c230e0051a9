"""Date arithmetic in rules (issue 16): the shared date functions (forms/dates.py) and the
form checks' ``rule: expr`` — across month and year ends and leap days, on fixed days."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from forms import dates, proactive
from forms.catalog import Catalog, load_catalog
from forms.checker import check_item
from forms.engine import validate
from forms.model import Item


def test_one_implementation_for_forms_and_proactive_rules() -> None:
    """The proactive rules use the very same functions (not a copy)."""
    assert proactive.age_on is dates.age_on
    assert proactive.add_months is dates.add_months


@pytest.mark.parametrize(("born", "day", "age"), [
    (date(1946, 2, 28), date(2026, 2, 27), 79), (date(1946, 2, 28), date(2026, 2, 28), 80),
    # 29 February reached on 1 March in a year without it, on the day in a leap year
    (date(1944, 2, 29), date(2024, 2, 28), 79), (date(1944, 2, 29), date(2024, 2, 29), 80),
    (date(1948, 2, 29), date(2028, 2, 28), 79), (date(1948, 2, 29), date(2028, 2, 29), 80),
    (date(1944, 2, 29), date(2025, 2, 28), 80), (date(1945, 2, 28), date(2025, 2, 28), 80),
    (date(1947, 2, 28), date(2027, 3, 1), 80), (date(1946, 2, 29 - 1), date(2026, 3, 1), 80),
    (date(1946, 12, 31), date(2026, 12, 30), 79), (date(1946, 12, 31), date(2026, 12, 31), 80),
    (date(1947, 1, 1), date(2026, 12, 31), 79), (date(1947, 1, 1), date(2027, 1, 1), 80),
])
def test_age_on_zhousui(born: date, day: date, age: int) -> None:
    assert dates.age_on(born, day) == age


def test_age_on_29_february_in_a_year_without_it() -> None:
    born = date(1944, 2, 29)
    assert dates.age_on(born, date(2025, 2, 28)) == 80  # 2025 has no 29 Feb: not yet…
    assert dates.age_on(born, date(2023, 2, 28)) == 78
    assert dates.age_on(born, date(2023, 3, 1)) == 79  # …reached on 1 March


def test_age_on_leap_day_boundaries() -> None:
    born = date(1944, 2, 29)
    assert [dates.age_on(born, d) for d in (date(2027, 2, 28), date(2027, 3, 1))] == [82, 83]


@pytest.mark.parametrize(("day", "n", "out"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)), (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 1, 15), -1, date(2025, 12, 15)), (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)), (date(2026, 5, 31), -18, date(2024, 11, 30)),
])
def test_add_months_kept_within_the_month(day: date, n: int, out: date) -> None:
    assert dates.add_months(day, n) == out


def test_add_days_and_years() -> None:
    assert dates.add_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert dates.add_days(date(2024, 2, 28), 1) == date(2024, 2, 29)
    assert dates.add_days(date(2026, 3, 1), -1) == date(2026, 2, 28)
    assert dates.add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert dates.add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


@pytest.mark.parametrize(("a", "b", "n"), [
    (date(2026, 1, 31), date(2026, 2, 27), 0), (date(2026, 1, 31), date(2026, 2, 28), 1),
    (date(2026, 1, 31), date(2026, 3, 30), 1), (date(2026, 1, 31), date(2026, 3, 31), 2),
    (date(2025, 12, 15), date(2026, 1, 14), 0), (date(2025, 12, 15), date(2026, 1, 15), 1),
    (date(2024, 2, 29), date(2025, 2, 28), 12), (date(2026, 6, 1), date(2026, 5, 1), -1),
    (date(2026, 5, 20), date(2026, 11, 19), 5), (date(2026, 5, 20), date(2026, 11, 20), 6),
])
def test_months_between(a: date, b: date, n: int) -> None:
    assert dates.months_between(a, b) == n


def test_named_days_across_year_end_and_february() -> None:
    env = dates.date_env(date(2026, 12, 31))
    assert env["first_of_next_month"] == date(2027, 1, 1)
    assert env["end_of_next_month"] == date(2027, 1, 31)
    env = dates.date_env(date(2028, 1, 10))
    assert env["end_of_next_month"] == date(2028, 2, 29)
    assert dates.date_env(date(2026, 2, 3))["end_of_month"] == date(2026, 2, 28)


# -- rule: expr in an item's checks --------------------------------------------------------

def _item(checks: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> Item:
    base = load_catalog().get("MZ-GLJT").model_dump(mode="json", by_alias=True,
                                                     exclude_none=True)
    base["fields"].append({"key": "marriage_date", "label": "结婚登记日期", "type": "date"})
    base["checks"] = checks
    base.pop("proactive", None)
    base.update(extra or {})
    return Item.model_validate(base)


def _warned(item: Item, today: date, **values: Any) -> list[str]:
    res = validate(item, dict(item.example, **values), today=today)
    assert res.ok, res.errors
    return [w.field for w in res.warnings]


@pytest.mark.parametrize(("married", "today", "warned"), [
    ("2026-05-20", date(2026, 11, 19), False),  # 5 months and 30 days
    ("2026-05-20", date(2026, 11, 20), True),  # 6 months
    ("2025-08-31", date(2026, 2, 27), False), ("2025-08-31", date(2026, 2, 28), True),
    ("2023-08-29", date(2024, 2, 28), False), ("2023-08-29", date(2024, 2, 29), True),
    ("2025-12-31", date(2026, 6, 29), False), ("2025-12-31", date(2026, 6, 30), True),
])
def test_married_within_the_last_six_months(married: str, today: date, warned: bool) -> None:
    item = _item([{"rule": "expr", "expr": "months_between(marriage_date, today) < 6",
                   "level": "warning", "message": "结婚登记已满6个月"}])
    assert _warned(item, today, marriage_date=married) == (["marriage_date"] if warned else [])
    # not checked while the field is empty
    assert _warned(item, today) == []


def _turns_80(shipped: Catalog) -> Item:
    return shipped.get("MZ-GLJT")


@pytest.mark.parametrize(("id_number", "today", "hint"), [
    ("420105194611150010", date(2026, 11, 23), True),  # born 15 Nov 1946: 80 this month
    ("420105194611150010", date(2026, 11, 1), True),  # …before the birthday too
    ("420105194611150010", date(2026, 12, 1), False),  # next month: already 80
    ("420105194612310012", date(2026, 12, 1), True),  # 31 Dec, across the year end
    ("420105194612310012", date(2027, 1, 2), False),
    ("420105194701010011", date(2026, 12, 31), False),  # 80 next month, in the next year
    ("420105194701010011", date(2027, 1, 1), True),
    ("420105194402290017", date(2024, 2, 1), True),  # 29 Feb 1944, leap 2024: this month
    ("420105194502280019", date(2025, 2, 10), True),
])
def test_turns_80_this_month(id_number: str, today: date, hint: bool) -> None:
    item = _turns_80(load_catalog())
    res = validate(item, dict(item.example, applicant_id=id_number), today=today)
    assert res.ok, res.errors
    hints = [w for w in res.warnings if w.rule == "expr"]
    assert bool(hints) == hint, (today, [w.message for w in res.warnings])
    if hint:
        assert hints[0].message.startswith("老人本月年满80周岁") and hints[0].field == "applicant_id"


def test_turns_80_this_month_for_a_29_february_birthday_without_that_day() -> None:
    """Born 29 Feb 1948: in 2028 (leap) the birthday is in February; 80 is reached then."""
    item = _turns_80(load_catalog())
    for today, hint in [(date(2028, 2, 15), True), (date(2028, 3, 1), False)]:
        res = validate(item, dict(item.example, applicant_id="420105194802290016"),
                       today=today)
        assert res.ok, res.errors
        assert any(w.rule == "expr" for w in res.warnings) == hint, today



def test_turns_the_districts_age_this_month_uses_the_parameter_everywhere() -> None:
    """A district whose 高龄津贴 starts at 70: the 'turns N this month' rule fires for a
    70th birthday this month (not an 80th) and says 年满70周岁 — its expression, its message
    and the item's other age texts all follow gljt_min_age; nothing says 80."""
    body = load_catalog().to_json()
    body["params"]["gljt_min_age"]["value"] = 70
    item = Catalog.from_json(body).get("MZ-GLJT")
    today = date(2026, 11, 23)

    def hints(id_number: str) -> list[str]:
        res = validate(item, dict(item.example, applicant_id=id_number), today=today)
        assert res.ok, res.errors
        return [w.message for w in res.warnings if w.rule == "expr"]

    assert hints("420105195611150015") == [  # born 15 Nov 1956: 70 this month
        "老人本月年满70周岁：生日当天起可以申请，津贴自满龄次月起发放"]
    assert hints("420105194611150010") == []  # 80 this month: long past 70
    assert hints("420105195612010014") == []  # 70 next month
    said = [c.message for c in item.checks] + item.notice.conditions + item.eligibility
    assert all("80周岁" not in t for t in said if "分档" not in t), said
    assert item.proactive is not None and "年满70周岁" in item.proactive.reason


def test_burial_subsidy_deadline_is_a_parameter_and_months_are_calendar_months() -> None:
    shipped = load_catalog()
    item = shipped.get("MZ-BZBZ")
    for cremated, today, late in [("2026-05-31", date(2026, 11, 30), False),
                                  ("2026-05-31", date(2026, 12, 1), True),
                                  ("2025-08-31", date(2026, 2, 28), False),
                                  ("2025-08-31", date(2026, 3, 1), True)]:
        sub = dict(item.example, death_date="2025-08-28", cremation_date=cremated)
        sub.pop("burial_date", None)
        res = validate(item, sub, today=today)
        late_msgs = [w.message for w in res.warnings if w.rule == "expr"]
        assert bool(late_msgs) == late, (cremated, today, res.errors)
        if late:
            assert late_msgs[0].startswith("火化已超过6个月")
    body = shipped.to_json()
    body["params"]["burial_apply_months"]["value"] = 12
    twelve = Catalog.from_json(body).get("MZ-BZBZ")
    sub = dict(item.example, death_date="2025-08-28", cremation_date="2025-08-31")
    sub.pop("burial_date", None)
    res = validate(twelve, sub, today=date(2026, 3, 1))
    assert [w for w in res.warnings if w.rule == "expr"] == []


def test_a_mistaken_rule_is_refused_in_words() -> None:
    for text, words in [("months_between(marriage_date) < 6", "需要 2 个参数"),
                        ("marriage_date.year > 2000", "不能这样写"),
                        ("age_on(today) >= ", "写法有误")]:
        raw = _item([]).model_dump(mode="json", by_alias=True, exclude_none=True)
        raw["checks"] = [{"rule": "expr", "expr": text, "message": "x"}]
        _, problems = check_item(raw)
        assert len(problems) == 1 and words in problems[0][1], problems
        assert problems[0][0][:2] == ("checks", 0)
