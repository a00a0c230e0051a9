"""Issue 25: next year's official holidays reach every desk as data.

A district publishes 2027's arrangement; a desk pulls it at sync, counts new promises with
it, recomputes the open promises counted before it arrived (the worker's list, a new
revision the district sees, a reprint saying so), follows a corrected version, and the
district's 差评 callback timer counts with the same published year. Dates are injected:
nothing depends on today.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import date
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sync_helpers import District, enroll, resident_unless_taken

from desk.core.recalendar import calendar_listing
from desk.core.receipts import render_case_pdf
from sync.client.desk import sync_desk
from sync.district.calendars import calendar_versions, publish_calendar
from sync.district.changes_feed import changes_since
from sync.district.console.store import ConsoleStore, callbacks, ccases
from sync.district.storage import ratings
from tests.forms.calendar_2027 import (
    FESTIVALS_2027,
    SOURCE_2027,
    notice_2027,
    package_without_2027,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.usefixtures("package_without_2027")

ACCEPTED = date(2026, 12, 28)


def _submit(ctx: Any, item: str, today: date = ACCEPTED) -> dict[str, Any]:
    it = ctx.catalog.get(item)  # a resident of its own once the example's holds it (issue 23)
    case: dict[str, Any] = ctx.cases.submit(item, resident_unless_taken(ctx, it,
                                                                        dict(it.example)),
                                            ctx.actor(), today=today)
    return case


def _pdf_text(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "")


def test_published_calendar_reaches_the_desk_and_moves_inexact_promises(
        district: District, make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    # before the notice: 2027 is counted with the lunar fallback, marked inexact
    listing = {r["year"]: r for r in calendar_listing(ctx, today=ACCEPTED)}
    assert listing[2027]["source"] == "fallback" and not listing[2027]["exact"]
    assert listing[2026]["source"] == "shipped" and listing[2026]["exact"]
    ten = _submit(ctx, "MZ-GLJT")  # 10 working days
    thirty = _submit(ctx, "MZ-DB")  # 30 working days: into the Spring Festival
    assert (ten["promised_date"], ten["promised_exact"]) == ("2027-01-12", 0)
    assert (thirty["promised_date"], thirty["promised_exact"]) == ("2027-02-11", 0)
    first = sync_desk(ctx)
    assert first["complete"] and first["promise_updates"] == []

    cs = ConsoleStore(district.storage)
    res = publish_calendar(cs, notice_2027(), actor="admin")
    assert (res["year"], res["version"], res["published"]) == (2027, 1, True)

    summary = sync_desk(ctx)
    assert summary["complete"], summary
    # the 30-day promise moved past the holiday; the 10-day one is now exact, unchanged
    lines = summary["promise_updates"]
    assert [(u["receipt_no"], u["old"], u["new"]) for u in lines] == [
        (thirty["receipt_no"], "2027-02-11", "2027-02-16")]
    assert lines[0]["message"].startswith("承诺日期已按国务院通知更新：")
    assert "2027-02-11 → 2027-02-16" in lines[0]["message"]
    moved = ctx.store.get_case(thirty["uuid"])
    assert (moved["promised_date"], moved["promised_exact"], moved["revision"]) == (
        "2027-02-16", 1, 2)
    kept = ctx.store.get_case(ten["uuid"])
    assert (kept["promised_date"], kept["promised_exact"]) == ("2027-01-12", 1)
    assert [(r["old_date"], r["new_date"]) for r in
            ctx.store.calendar.promise_updates(unseen_only=True)] == [("2027-02-11", "2027-02-16")]
    assert ctx.store.calendar.calendar_recompute_pending() == []
    # a reprint shows the new date and says it was updated
    text = _pdf_text(render_case_pdf(ctx, moved))
    assert "2027年2月16日" in text and "已按国务院放假通知更新" in text
    # the district sees the change: the case's new revision, in the console's read model
    cs.readmodel.refresh()
    with district.storage.read() as conn:
        row = conn.execute(select(ccases.c.promised_date, ccases.c.revision).where(
            ccases.c.uuid == thirty["uuid"])).one()
    assert (row.promised_date, row.revision) == ("2027-02-16", 2)
    # a case accepted now is counted with the published year, exactly
    again = _submit(ctx, "MZ-GLJT")
    assert (again["promised_date"], again["promised_exact"]) == ("2027-01-12", 1)
    listing = {r["year"]: r for r in calendar_listing(ctx, today=ACCEPTED)}
    assert listing[2027]["source"] == "district" and listing[2027]["version"] == 1
    assert listing[2027]["notice"] == SOURCE_2027
    # another round changes nothing more
    assert sync_desk(ctx)["promise_updates"] == []


def test_a_corrected_version_replaces_the_year_and_desks_follow(
        district: District, make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    cs = ConsoleStore(district.storage)
    publish_calendar(cs, notice_2027(), actor="admin")
    assert sync_desk(ctx)["complete"]
    thirty = _submit(ctx, "MZ-DB")
    assert (thirty["promised_date"], thirty["promised_exact"]) == ("2027-02-16", 1)
    # the same notice again is not a new version
    assert publish_calendar(cs, notice_2027(), actor="admin")["published"] is False
    # the correction: the Spring Festival ends on 02-11 and 02-20 is no make-up day
    fixed = [dict(f) for f in FESTIVALS_2027]
    fixed[1] = {"name": "春节", "start": "2027-02-05", "end": "2027-02-11",
                "workdays": ["2027-01-31"]}
    from forms.calendar import notice_from_festivals

    res = publish_calendar(cs, notice_from_festivals(2027, SOURCE_2027 + "（更正）", fixed),
                           actor="admin")
    assert (res["version"], res["published"]) == (2, True)
    assert [v["version"] for v in calendar_versions(district.storage, 2027)] == [2, 1]
    summary = sync_desk(ctx)
    assert summary["complete"]
    assert [(u["old"], u["new"]) for u in summary["promise_updates"]] == [
        ("2027-02-16", "2027-02-15")]  # Friday 02-12 is a working day again
    assert ctx.store.calendar.district_calendars()[2027].version == 2
    assert ctx.store.get_case(thirty["uuid"])["promised_date"] == "2027-02-15"


def test_district_callback_timer_counts_with_the_published_year(district: District) -> None:
    st = district.storage
    cs = ConsoleStore(st)

    def callback_due(received_at: str) -> str:
        case_uuid = str(uuid.uuid4())
        with st.write() as conn:
            conn.execute(ratings.insert().values(
                case_uuid=case_uuid, level=1, reason="等了很久", rated_at=received_at,
                received_at=received_at, desk_id="d1", content_hash="0" * 64))
        cs.readmodel.refresh()
        with st.read() as conn:
            due = conn.execute(select(callbacks.c.due_date).where(
                callbacks.c.case_uuid == case_uuid)).scalar_one()
        return str(due)

    # received Thursday 2027-02-04 (Beijing): one working day later
    assert callback_due("2027-02-04T02:00:00.000+00:00") == "2027-02-09"  # fallback: 除夕–初三
    publish_calendar(cs, notice_2027(), actor="admin")
    assert callback_due("2027-02-04T02:10:00.000+00:00") == "2027-02-15"  # the notice: to 02-13


def test_calendar_change_is_on_the_wire_with_its_version(district: District,
                                                        make_desk: Any) -> None:
    ctx = make_desk()
    info = enroll(district, ctx)
    publish_calendar(ConsoleStore(district.storage), notice_2027(), actor="admin")
    resp = changes_since(district.storage, info["desk_id"], 0)
    cal = [c for c in resp.changes if c.kind == "calendar"]
    assert len(cal) == 1 and cal[0].calendar is not None
    body = cal[0].calendar
    assert (body["year"], body["version"], body["source"]) == (2027, 1, SOURCE_2027)
    assert "2027-02-05" in body["holidays"] and "2027-01-31" in body["workdays"]
    assert json.loads(json.dumps(body)) == body


def test_cli_publish_refuses_a_malformed_notice_naming_field_and_rule(
        tmp_path: Any, capsys: Any) -> None:
    import getpass

    from sync.district.cli import main
    from sync.district.console.store import verify_audit_at

    db = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(notice_2027(year=2027, workdays=["2027-02-15", "2027-02-06"],
                                          holidays=["2027-02-06", "2028-01-01"], source="")),
                   encoding="utf-8")
    assert main(["--db", db, "calendar", "publish", "--file", str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "workdays: [weekend] workdays（调休上班日期）2027-02-15 是星期一，调休上班日应在" \
           "周六或周日" in err
    assert any(e.startswith("holidays[1]: [in_year]") and "不在 2027 年内" in e for e in err)
    assert any(e.startswith("holidays: [both]") and "2027-02-06" in e for e in err)
    assert any(e.startswith("source: [required]") for e in err)
    assert main(["--db", db, "calendar", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # nothing half-saved
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps(notice_2027(holidays=["2027-01-01"]), ensure_ascii=False),
                   encoding="utf-8")
    assert main(["--db", db, "calendar", "publish", "--file", str(odd)]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["version"] == 1
    assert "warning: 2027 年放假 1 天" in out.err  # unusual, shown, still published
    good = tmp_path / "2027.json"
    good.write_text(json.dumps(notice_2027(), ensure_ascii=False), encoding="utf-8")
    assert main(["--db", db, "calendar", "publish", "--file", str(good)]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == 2  # the correction
    from sync.district.storage import Storage

    st = Storage(db)
    try:
        entries = ConsoleStore(st).audit.entries(action="calendar.publish")
    finally:
        st.close()
    assert [(e["actor"], e["detail"]["version"]) for e in entries] == [
        (f"cli:{getpass.getuser()}", 2), (f"cli:{getpass.getuser()}", 1)]
    assert entries[0]["detail"]["corrects"] == 1
    assert verify_audit_at(db).ok


def test_deferred_materials_due_date_is_recomputed_too(district: District,
                                                       make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    example = dict(ctx.catalog.get("MZ-DB").example)
    example["materials"] = [m for m in example["materials"] if m != "收入证明"]
    case = ctx.cases.submit("MZ-DB", example, ctx.actor(), today=date(2027, 1, 25))
    assert case["status"] == "deferred"
    mats = json.loads(case["materials_json"])
    # 10 working days: the fallback skips 除夕 02-05 and 初三 02-08, knows no make-up day
    assert (mats["defer_due"], mats["defer_exact"]) == ("2027-02-10", False)
    publish_calendar(ConsoleStore(district.storage), notice_2027(), actor="admin")
    summary = sync_desk(ctx)
    assert summary["complete"]
    got = {u["field"]: (u["old"], u["new"]) for u in summary["promise_updates"]}
    # Sunday 01-31 is a make-up working day; 02-05 … 02-13 are off
    assert got["defer_due"] == ("2027-02-10", "2027-02-15")
    assert "补交材料期限 2027-02-10 → 2027-02-15" in " ".join(
        u["message"] for u in summary["promise_updates"])
    mats = json.loads(ctx.store.get_case(case["uuid"])["materials_json"])
    assert (mats["defer_due"], mats["defer_exact"]) == ("2027-02-15", True)
    assert [m["due_date"] for m in mats["missing"] if m["name"] == "收入证明"] == ["2027-02-15"]


def test_fifty_concurrent_publishes_get_distinct_versions(district: District) -> None:
    from concurrent.futures import ThreadPoolExecutor

    cs = ConsoleStore(district.storage)

    def publish(i: int) -> dict[str, Any]:
        return publish_calendar(cs, notice_2027(source=f"{SOURCE_2027} 第{i}稿"),
                                actor=f"admin{i}")

    def same(_: int) -> dict[str, Any]:
        return publish_calendar(cs, notice_2027(), actor="admin")

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(publish, range(50)))
    assert sorted(r["version"] for r in results) == list(range(1, 51))
    with ThreadPoolExecutor(max_workers=50) as pool:
        again = list(pool.map(same, range(50)))
    assert sum(r["published"] for r in again) == 1  # the same notice: one new version
    assert {r["version"] for r in again} == {51}
    versions = calendar_versions(district.storage, 2027)
    assert [v["version"] for v in versions] == list(range(51, 0, -1))
    assert len(cs.audit.entries(action="calendar.publish", limit=500)) == 51
    assert cs.audit.verify() is None
