"""The district's desk-date flag in the batch's transaction, on SQLite and PostgreSQL
(issue 24); the console side is in tests/console/test_desk_dates.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sync_helpers import District, enroll, resident_unless_taken

from desk.core import clock
from sync.client.desk import sync_desk
from sync.district.desk_dates import desk_date_flag, desk_date_flag_count


def test_a_case_dated_after_its_receipt_is_flagged(district: District, make_desk: Any) -> None:
    desk = make_desk("HY-QL09")
    enroll(district, desk)
    example = dict(desk.catalog.get("MZ-GLJT").example)
    fine = desk.cases.submit("MZ-GLJT", example, desk.actor())
    ahead = datetime.now(UTC) + timedelta(days=3)  # the laptop's clock ran ahead, unnoticed
    example = resident_unless_taken(desk, desk.catalog.get("MZ-GLJT"), example)  # issue 23
    with clock.use(ahead):
        odd = desk.cases.submit("MZ-GLJT", example, desk.actor())
    assert sync_desk(desk)["complete"]
    flag = desk_date_flag(district.storage, odd["uuid"])
    assert flag is not None and flag["kind"] == "after_receipt"
    assert flag["desk_day"] == odd["accepted_date"]
    assert desk_date_flag(district.storage, fine["uuid"]) is None
    assert desk_date_flag_count(district.storage) == 1
    assert sync_desk(desk)["complete"]  # a resend changes nothing
    assert desk_date_flag_count(district.storage) == 1
