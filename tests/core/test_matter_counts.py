"""Issue 15 on the desk: the status bar's matter counts (今日 / 待办) and a matter's history
in time order whatever zone each entry was written in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from desk.core import clock
from desk.core.matters import MatterService

LEAK = {"category": "投诉", "subcategory": "漏水", "urgency": "一般", "description": "漏水"}
URGENT = {"category": "求助", "subcategory": "停水", "urgency": "紧急", "description": "停水"}


def test_counts_today_and_todays_list(desk: Any) -> None:
    svc = MatterService(desk.store)
    assert svc.counts() == {"today": 0, "due": 0, "answers": 0, "revisits": 0, "todo": 0}
    svc.record(LEAK, desk.actor())  # due in 7 days: today, not to do today
    urgent = svc.record(URGENT, desk.actor())  # due in 2 hours
    c = svc.counts()
    assert (c["today"], c["todo"]) == (2, len(svc.today()["due"]))
    assert c["due"] == sum(1 for m in svc.today()["due"]) >= 1
    assert urgent["uuid"] in [m["uuid"] for m in svc.today()["due"]]
    # tomorrow: nothing recorded that day; the 7-day one is not due yet either way
    with clock.use(clock.now() + timedelta(days=1)):
        later = MatterService(desk.store).counts()
    assert later["today"] == 0 and later["todo"] == later["due"] == 1


def test_late_in_the_evening_an_urgent_matter_is_still_todays_work(desk: Any) -> None:
    """At 22:07 an urgent matter (2 hours) falls due at 00:07: it belongs on today's list
    and in the 待办 count, not tomorrow's (CI ran at 22:07 Beijing and the list, bounded by
    midnight, left it out)."""
    evening = datetime(2026, 12, 4, 14, 7, tzinfo=UTC)  # 22:07 in Beijing
    with clock.use(evening, zone="Asia/Shanghai"):
        svc = MatterService(desk.store)
        urgent = svc.record(URGENT, desk.actor())
        svc.record(LEAK, desk.actor())  # due in 7 days: not today's work
        assert [m["uuid"] for m in svc.today()["due"]] == [urgent["uuid"]]
        assert svc.counts()["due"] == 1


def test_history_is_in_time_order_across_zones(desk: Any) -> None:
    """The desk writes +08:00, the district UTC: a district step one minute after the
    recording sorted first as text ('2026-…T18:…+00:00' < '2026-…T02:…+08:00' the next
    day)."""
    m = MatterService(desk.store).record(LEAK, desk.actor())
    created = datetime.fromisoformat(m["created_at"])
    step = (created + timedelta(minutes=1)).astimezone(UTC).isoformat(timespec="seconds")
    assert step < m["created_at"] or created.utcoffset() == timedelta(0)
    body = {"kind": "matter", "case_uuid": m["uuid"], "status": "dispatched",
            "department": "物业服务企业", "at": step, "matter": {}}
    with desk.store.transaction() as c:
        c.execute("INSERT INTO district_events(epoch, seq, case_uuid, kind, body_json, at) "
                  "VALUES ('', 1, ?, 'matter', ?, ?)",
                  [m["uuid"], json.dumps(body, ensure_ascii=False), step])
    actions = [e["action"] for e in desk.store.history(m["uuid"])]
    assert actions == ["matter.create", "district.matter"]


def test_a_district_step_in_the_same_second_follows_the_desk_entry(desk: Any) -> None:
    """The district stamps whole seconds (18:27:08Z) and the desk milliseconds
    (02:27:08.592+08:00): a dispatch in the recording's second came before it."""
    m = MatterService(desk.store).record(LEAK, desk.actor())
    created = datetime.fromisoformat(m["created_at"])
    step = created.astimezone(UTC).replace(microsecond=0).isoformat(timespec="seconds")
    body = {"kind": "matter", "case_uuid": m["uuid"], "status": "dispatched", "at": step,
            "matter": {}}
    with desk.store.transaction() as c:
        c.execute("INSERT INTO district_events(epoch, seq, case_uuid, kind, body_json, at) "
                  "VALUES ('', 1, ?, 'matter', ?, ?)",
                  [m["uuid"], json.dumps(body, ensure_ascii=False), step])
    actions = [e["action"] for e in desk.store.history(m["uuid"])]
    assert actions == ["matter.create", "district.matter"]
