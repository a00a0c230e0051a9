"""The official arrangement as data: shipped years, notices checked, the lunar fallback,
and the order district → shipped → package → fallback."""

from __future__ import annotations

import json
from datetime import date, timedelta

import chinese_calendar
import pytest
from chinese_calendar import constants

from forms.calendar import (
    DATA_DIR,
    CalendarError,
    WorkCalendar,
    fallback_holidays,
    load_folder,
    notice_from_festivals,
    parse_notice,
    shipped,
)
from forms.workdays import add_working_days, is_workday
from tests.forms.calendar_2027 import (
    FESTIVALS_2027,
    SOURCE_2027,
    notice_2027,
    package_without_2027,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.usefixtures("package_without_2027")

ACCEPTED = date(2026, 12, 28)


def test_every_package_year_is_shipped_as_data_and_matches_the_package() -> None:
    years = sorted({d.year for d in constants.holidays})
    assert sorted(shipped()) == years  # 2004 … 2026 with chinesecalendar 1.11
    for y in years:
        day = date(y, 1, 1)
        while day.year == y:
            assert shipped()[y].is_workday(day) == chinese_calendar.is_workday(day), day
            day += timedelta(days=1)


def test_each_shipped_file_is_a_notice_named_by_its_year() -> None:
    for p in DATA_DIR.glob("*.json"):
        cal, _ = parse_notice(json.loads(p.read_text(encoding="utf-8")))
        assert p.name == f"{cal.year}.json"


def test_lunar_fallback_places_the_festivals() -> None:
    fb = fallback_holidays(2027)
    # 2027: 除夕 02-05, 正月初一 02-06 … 初三 02-08; 清明 04-05; 端午 06-09; 中秋 09-15
    assert {date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)} <= fb
    assert {date(2027, 4, 5), date(2027, 6, 9), date(2027, 9, 15)} <= fb
    assert date(2027, 2, 9) not in fb and date(2027, 2, 4) not in fb
    # the 2024 amendment (除夕 a holiday) holds for 2025 and 2026: every festival day the
    # fallback computes is a day off in the official arrangement
    for y in (2025, 2026):
        assert fallback_holidays(y) <= shipped()[y].holidays, y


def test_next_year_is_inexact_without_a_notice_and_the_fallback_knows_spring_festival() -> None:
    res = add_working_days(ACCEPTED, 10)
    assert res == type(res)(date(2027, 1, 12), False)
    # 30 working days run into the Spring Festival: the fallback skips 02-05 … 02-08
    res30 = add_working_days(ACCEPTED, 30)
    assert not res30.exact
    assert res30.day == date(2027, 2, 11)
    # (weekends and fixed-date holidays alone said 2027-02-09, two days early)
    assert is_workday(date(2027, 2, 8)) == (False, False)
    assert is_workday(date(2027, 2, 9)) == (True, False)


def test_a_published_year_comes_first_and_is_exact() -> None:
    cal2027, warnings = parse_notice(notice_2027())
    assert warnings == []
    wc = WorkCalendar({2027: cal2027})
    res = add_working_days(ACCEPTED, 10, wc)
    assert res.exact and res.day == date(2027, 1, 12)
    res30 = add_working_days(ACCEPTED, 30, wc)
    assert res30.exact
    # 01-31 (Sun) is a make-up day, 02-05 … 02-13 off
    assert res30.day == date(2027, 2, 16)
    assert wc.year(2027).origin == "district"
    assert wc.year(2026).origin == "shipped"
    assert wc.year(2031).origin == "fallback"


def test_a_year_file_in_a_folder_is_a_one_file_change(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "2027.json").write_text(json.dumps(notice_2027(), ensure_ascii=False),
                                        encoding="utf-8")
    (tmp_path / "2028.json").write_text("{not json", encoding="utf-8")
    found = load_folder(tmp_path, "local")
    assert list(found) == [2027] and found[2027].origin == "local"


def _problems(body: object) -> list[tuple[str, str]]:
    with pytest.raises(CalendarError) as info:
        parse_notice(body)
    for p in info.value.problems:
        assert p["field"].split("[")[0].split(".")[0] in p["message"] or p["field"] == "notice"
    return [(p["field"], p["rule"]) for p in info.value.problems]


def test_malformed_notices_are_refused_naming_field_and_rule() -> None:
    assert _problems([1, 2]) == [("notice", "type")]
    assert ("year", "range") in _problems(notice_2027(year="明年"))
    got = _problems(notice_2027(holidays=["2027-01-01", "2026-12-31", "2027-13-01",
                                          "2027-01-01"], workdays=["2027-01-04"],
                                source=""))
    assert ("holidays[1]", "in_year") in got
    assert ("holidays[2]", "date") in got
    assert ("holidays[3]", "duplicate") in got
    assert ("workdays", "weekend") in got  # 2027-01-04 is a Monday
    assert ("source", "required") in got
    both = _problems(notice_2027(workdays=["2027-02-06"]))  # a Saturday already off
    assert both == [("holidays", "both")]
    with pytest.raises(CalendarError) as info:
        parse_notice(notice_2027(workdays=["2027-01-04"]))
    assert "2027-01-04 是星期一，调休上班日应在周六或周日" in info.value.problems[0]["message"]


def test_unusual_holiday_count_is_a_warning_not_a_refusal() -> None:
    cal, warnings = parse_notice(notice_2027(holidays=["2027-01-01"]))
    assert cal.holidays == {date(2027, 1, 1)}
    assert len(warnings) == 1 and "放假 1 天" in warnings[0]


def test_the_form_rows_make_a_notice() -> None:
    body = notice_from_festivals(2027, SOURCE_2027, FESTIVALS_2027)
    cal, _ = parse_notice(body)
    assert len(cal.holidays) == 29 and len(cal.workdays) == 6
    # February: 20 weekdays, 6 of them off (02-05, 02-08 … 02-12), Saturday 02-20 worked
    assert cal.working_days_by_month()[1] == 15
    with pytest.raises(CalendarError) as info:
        notice_from_festivals(2027, SOURCE_2027, [{"name": "春节", "start": "2027-02-13",
                                                   "end": "2027-02-05"}])
    assert info.value.problems[0]["field"] == "festivals[0].end"
