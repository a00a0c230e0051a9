"""容缺 due reminders on the desk (issue 18): a deferred case's resident appears on the
reminder list from three days before the materials are due (and while overdue), with an
SMS-ready text to copy or print; supplying the materials takes them off."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any


def test_a_deferred_case_is_reminded_from_three_days_before_its_due_date(desk: Any) -> None:
    item = desk.catalog.get("MZ-GLJT")
    sub = dict(item.example)
    sub["materials"] = [m for m in sub["materials"] if m != "近期一寸免冠照片"]
    day = date(2026, 12, 1)  # a Tuesday
    case = desk.cases.submit("MZ-GLJT", sub, desk.actor(), today=day)
    assert case["status"] == "deferred"
    due = date.fromisoformat(json.loads(desk.store.get_case(case["uuid"])["materials_json"])[
        "defer_due"])
    assert due > day + timedelta(days=3)
    assert desk.store.proactive.due_reminders(due - timedelta(days=4)) == []
    first = desk.store.proactive.due_reminders(due - timedelta(days=3))
    assert [r["receipt_no"] for r in first] == [case["receipt_no"]]
    r = first[0]
    assert r["materials"] == ["近期一寸免冠照片"] and r["due"] == due.isoformat()
    assert case["receipt_no"] in r["text"] and "近期一寸免冠照片" in r["text"]
    assert f"{due.isoformat()}前" in r["text"] and "SMS" not in r["text"]
    assert desk.store.proactive.due_reminders(due)[0]["when"] == "今天到期"
    assert desk.store.proactive.due_reminders(due + timedelta(days=5))[0]["when"] == "已过期"
    desk.cases.supply_materials(case["uuid"], ["近期一寸免冠照片"], desk.actor(),
                                today=due - timedelta(days=1))
    assert desk.store.proactive.due_reminders(due) == []
