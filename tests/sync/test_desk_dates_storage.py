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


def test_the_quick_pass_never_passes_what_judge_flags() -> None:
    """flag_desk_dates works the batch's days out once (``_fits``) and sends only the
    cases it cannot pass to ``judge``: every case it passes, ``judge`` passes too —
    around midnight in the zone, on the previous batch's day and the receipt's, for
    clocks in UTC, in other offsets and without one, and for acceptance dates."""
    from zoneinfo import ZoneInfo

    from sync import protocol as P
    from sync.district.desk_dates import _fits, judge

    base = {"uuid": "00000000-0000-4000-8000-000000000001", "receipt_no": "HY-1",
            "item_code": "MZ-GLJT", "item_name": "x", "department": "x",
            "catalog_version": "1", "status": "accepted", "revision": 1,
            "applicant_name": "x", "updated_at": "2026-12-05T00:00:00+00:00",
            "desk_code": "HY", "data_json": "{}", "materials_json": "{}"}
    zone = ZoneInfo("Asia/Shanghai")
    received, previous = "2026-12-05T03:00:00.000+00:00", "2026-12-02T17:00:00.000+00:00"
    stamps = [f"2026-12-{d:02d}T{h:02d}:{m:02d}:00{tz}" for d in range(1, 7)
              for h in (0, 15, 16, 23) for m in (0, 59)
              for tz in ("+00:00", "Z", "+08:00", "-05:00", "")] + ["junk-stamp", "2026-12-03"]
    passed = 0
    for prev in (previous, None, "2026-12-06T01:00:00+00:00"):
        fits = _fits(received, prev, zone)
        for made in stamps:
            for accepted in (None, "2026-12-02", "2026-12-03", "2026-12-05", "2026-12-06",
                             "2026-W49-1", "bad", 20261203):
                extra = {} if accepted is None else {"accepted_date": accepted}
                cp = P.CasePayload.model_validate({**base, "created_at": made, **extra})
                if fits(cp):
                    passed += 1
                    assert judge(cp, received, prev, zone) is None, (prev, made, accepted)
    assert passed > 100  # (the quick pass takes the usual cases)
