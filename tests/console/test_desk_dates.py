"""The district flags cases whose desk date offline work cannot explain (issue 24): on the
case page and in a filter of the cases list. Real district server, real desks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import update
from sync_helpers import resident_unless_taken

from desk.core import clock
from sync import protocol as P
from sync.client.desk import sync_desk
from sync.district.desk_dates import judge
from sync.district.storage import batches


def _payload(accepted: str, created: str) -> P.CasePayload:
    return P.CasePayload.model_validate({
        "uuid": str(uuid4()), "receipt_no": "HY-QL01-20261204-0001", "item_code": "MZ-GLJT",
        "item_name": "高龄津贴", "department": "民政", "catalog_version": "1", "status": "accepted",
        "revision": 1, "applicant_name": "王桂兰", "created_at": created, "updated_at": created,
        "desk_code": "HY-QL01", "data_json": "{}", "materials_json": "{}",
        "accepted_date": accepted})


def test_judge_offline_work_explains_late_arrival_only() -> None:
    got = "2026-12-04T02:00:00.000+00:00"  # 10:00 Beijing time on 12-04
    # made offline ten days ago, received today: fine
    assert judge(_payload("2026-11-24", "2026-11-24T09:00:00+08:00"), got,
                 "2026-11-20T01:00:00+00:00") is None
    # 07:30 Beijing on 12-04 stored by a UTC laptop as 23:30 on 12-03: the same day, fine
    assert judge(_payload("2026-12-04", "2026-12-03T23:30:00+00:00"), got, None) is None
    ahead = judge(_payload("2027-06-01", "2027-06-01T09:00:00+08:00"), got, None)
    assert ahead is not None and ahead["kind"] == "after_receipt"
    assert "2027-06-01" in ahead["message"] and "2026-12-04" in ahead["message"]
    behind = judge(_payload("2024-03-01", "2024-03-01T09:00:00+08:00"), got,
                   "2026-12-02T02:00:00+00:00")
    assert behind is not None and behind["kind"] == "before_previous_batch"
    assert behind["reference_day"] == "2026-12-02"
    # a confirmed date on a clock still reading 2024: the clock's day is what gives it away
    confirmed = judge(_payload("2026-12-04", "2024-03-01T09:00:00+08:00"), got,
                      "2026-12-02T02:00:00+00:00")
    assert confirmed is not None and "办事点时钟 2024-03-01" in confirmed["message"]


def _submit(ctx: Any, when: datetime, day: date) -> dict[str, Any]:
    """A case saved by a desk whose clock reads ``when`` (the worker confirmed ``day``)."""
    example = resident_unless_taken(ctx, ctx.catalog.get("MZ-GLJT"),
                                    dict(ctx.catalog.get("MZ-GLJT").example))  # issue 23
    with clock.use(when):
        case: dict[str, Any] = ctx.cases.submit("MZ-GLJT", example, ctx.actor(), today=day)
    return case


def test_flagged_on_the_case_and_in_the_filter(server: Any, make_desk: Any, web: Any) -> None:
    desk = make_desk()
    now = datetime.now(UTC)
    today = now.astimezone(clock.current().zone).date()
    good = _submit(desk, now, today)
    assert sync_desk(desk)["complete"]
    # the first batch was received two days ago (time passes between two sync rounds)
    earlier = (now - timedelta(days=2)).isoformat(timespec="milliseconds")
    with server.storage.write() as conn:
        conn.execute(update(batches).values(received_at=earlier))
    back = now - timedelta(days=700)
    behind = _submit(desk, back, back.astimezone(clock.current().zone).date())
    fwd = now + timedelta(days=90)
    ahead = _submit(desk, fwd, fwd.astimezone(clock.current().zone).date())
    assert sync_desk(desk)["complete"]

    w = web("reviewer")
    listed = w.get("/console/cases?dates=1")
    assert listed.status_code == 200
    assert behind["receipt_no"] in listed.text and ahead["receipt_no"] in listed.text
    assert good["receipt_no"] not in listed.text
    assert "日期存疑（时钟可能有误）" in listed.text
    everything = w.get("/console/cases")
    assert good["receipt_no"] in everything.text
    page = w.get(f"/console/cases/{behind['uuid']}")
    assert "日期存疑：办事点日期早于该办事点上一批次" in page.text
    page = w.get(f"/console/cases/{ahead['uuid']}")
    assert "日期存疑：办事点日期晚于区级接收日期" in page.text
    assert "日期存疑" not in w.get(f"/console/cases/{good['uuid']}").text
