"""Resident matters' district data and time-limit clock (issue 15, part 1)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from forms.calendar import WorkCalendar
from forms.matters import (
    MatterConfigError,
    Sla,
    default_config,
    due_at,
    parse_config,
    sla_state,
)

CST = timezone(timedelta(hours=8))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST)


def test_defaults_follow_the_issue() -> None:
    cfg = default_config()
    assert [c.name for c in cfg.categories] == ["咨询", "求助", "投诉", "建议", "纠纷调解",
                                                "办不成事", "其他"]
    assert cfg.sla_for("投诉", "噪音", "紧急") == Sla(2, "hours")
    assert cfg.sla_for("投诉", "停水", "一般") == Sla(24, "hours")  # utilities
    assert cfg.sla_for("投诉", "噪音", "一般") == Sla(7, "days")
    assert cfg.sla_for("建议", None, "复杂") == Sla(15, "days")
    assert cfg.sla_for("咨询", None, "一般") == Sla(3, "workdays")
    assert cfg.sla_for("求助", "漏水", "一般") == Sla(3, "workdays")
    assert cfg.fallback_department.code == "JD-BGS"
    with pytest.raises(KeyError):
        cfg.sla_for("不存在", None, "一般")
    body = cfg.to_json()
    assert body["categories"][0]["sla"]["一般"] == {"amount": 3, "unit": "workdays",
                                                   "label": "3个工作日"}


def test_a_published_config_is_checked_field_by_field() -> None:
    body = dict(default_config().body)
    body["categories"] = [{"name": "咨询", "sla": {"特急": {"amount": 1, "unit": "hours"}},
                           "subcategories": [{"name": "x", "department": "NOPE"}]}]
    body["departments"] = [{"code": "A", "name": "甲"}]
    with pytest.raises(MatterConfigError) as exc:
        parse_config(body)
    fields = {(p["field"], p["rule"]) for p in exc.value.problems}
    assert ("categories[0].sla.特急", "choice") in fields
    assert ("categories[0].subcategories[0].department", "unknown") in fields
    assert ("departments", "fallback") in fields
    body2 = dict(default_config().body, version="d-2", default_sla={
        "紧急": {"amount": 1, "unit": "hours"}, "一般": {"amount": 5, "unit": "workdays"},
        "复杂": {"amount": 0, "unit": "days"}})
    with pytest.raises(MatterConfigError) as exc:
        parse_config(body2)
    assert exc.value.problems[0]["field"] == "default_sla.复杂.amount"


CAL = WorkCalendar()  # the shipped 2026 arrangement (国务院办公厅通知)


@pytest.mark.parametrize(("received", "sla", "due"), [
    # working days across a weekend: Friday → Wednesday, same time of day
    ("2026-11-13T16:00", Sla(3, "workdays"), "2026-11-18T16:00"),
    # a Saturday received: Monday is the first working day
    ("2026-11-14T09:30", Sla(1, "workdays"), "2026-11-16T09:30"),
    # National Day 2026: Oct 1-7 off, Saturday Oct 10 a make-up working day
    ("2026-09-30T15:00", Sla(3, "workdays"), "2026-10-10T15:00"),
    # Friday Sep 18 → the make-up Sunday Sep 20 counts, Sep 25-27 (中秋) do not
    ("2026-09-18T10:00", Sla(7, "workdays"), "2026-09-29T10:00"),
    # hours and calendar days run through weekends and holidays alike
    ("2026-09-30T23:00", Sla(2, "hours"), "2026-10-01T01:00"),
    ("2026-11-13T16:00", Sla(24, "hours"), "2026-11-14T16:00"),
    ("2026-09-30T15:00", Sla(7, "days"), "2026-10-07T15:00"),
])
def test_due_at_under_the_official_calendar(received: str, sla: Sla, due: str) -> None:
    assert due_at(at(received), sla, CAL) == at(due)


def test_due_at_needs_a_time_zone() -> None:
    with pytest.raises(ValueError, match="time zone"):
        due_at(datetime(2026, 11, 13, 16), Sla(1, "hours"), CAL)


def test_sla_state_under_a_fixed_clock() -> None:
    received = at("2026-09-30T15:00")
    due = due_at(received, Sla(3, "workdays"), CAL)  # 2026-10-10T15:00 (240 h window)
    assert sla_state(received, due, at("2026-10-05T12:00")) == "normal"
    assert sla_state(received, due, at("2026-10-08T16:00")) == "due_soon"  # < 60 h left
    assert sla_state(received, due, at("2026-10-10T15:00")) == "overdue"
    assert sla_state(received, due, at("2026-10-12T09:00")) == "overdue"
