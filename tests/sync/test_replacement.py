"""A new laptop for an existing desk (issue 24): enrolled as the replacement of a lost
desk, it takes over that desk's open work at its first sync. Real district server (SQLite
and PostgreSQL), real desks, the replacement protected by a password."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from sqlalchemy import update
from sync_helpers import District, enroll, new_case

from desk.core.app import DeskContext
from desk.core.receipts import render_case_pdf
from desk.core.receipts.verify import verification_code
from sync.client.desk import enroll_desk, sync_desk
from sync.district.storage import cases

NAME = "七里一村社区流动办事点"
PASSWORD = "Qiliyi-2026-desk"


def _text(pdf: bytes) -> str:
    import io

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_replacement_desk_takes_over_open_work(district: District, make_desk: Any,
                                               tmp_path: Path) -> None:
    old = make_desk("HY-QL07")
    old.settings.desk_name = NAME
    old.save_settings()
    info = enroll(district, old)
    st = district.storage
    accepted = new_case(old)
    deferred = new_case(old, materials=["居民身份证", "户口簿"])  # photo and card: 容缺
    assert deferred["status"] == "deferred"
    done_lately = new_case(old)
    done_long_ago = new_case(old)
    assert sync_desk(old)["complete"]
    st.decisions.set_status(accepted["uuid"], "accepted")
    st.decisions.set_status(done_lately["uuid"], "completed")
    st.decisions.set_status(done_long_ago["uuid"], "completed")
    long_ago = (datetime.now(UTC) - timedelta(days=120)).isoformat(timespec="milliseconds")
    with st.write() as conn:
        conn.execute(update(cases).where(cases.c.uuid == done_long_ago["uuid"])
                     .values(district_updated_at=long_ago))
    assert sync_desk(old)["complete"]
    original = render_case_pdf(old, old.store.get_case(accepted["uuid"]))
    never_synced = new_case(old)  # lost with the laptop

    # the laptop is lost: the district issues a code for its replacement
    code = st.desks.create_enroll_code("HY-QL07", NAME, replaces=info["desk_id"])
    new = DeskContext.open(str(tmp_path / "new-laptop"), password=PASSWORD)
    try:
        new.settings.desk_code = "HY-QL07"
        new.settings.worker_name = "刘晓燕"
        new.save_settings()
        enroll_desk(new, district.url, code)
        assert st.desks.get(info["desk_id"])["revoked_at"] is not None  # the old one stops
        first = sync_desk(new)
        assert first["complete"], first
        assert first["handover"] == 3  # open ones and the lately completed, not the old one
        got = {c["uuid"]: c for c in new.store.search.list_cases(limit=100)}
        assert set(got) == {accepted["uuid"], deferred["uuid"], done_lately["uuid"]}
        assert never_synced["uuid"] not in got and done_long_ago["uuid"] not in got
        assert got[done_lately["uuid"]]["district_status"] == "completed"
        assert got[accepted["uuid"]]["district_status"] == "accepted"
        mine = new.store.get_case(deferred["uuid"])
        assert json.loads(mine["materials_json"]) == json.loads(deferred["materials_json"])
        assert mine["promised_date"] == deferred["promised_date"]
        assert mine["status"] == "deferred" and mine["sync_state"] == "synced"
        assert new.store.search.list_cases(search="王桂兰", limit=10)  # searchable like its own
        # a reprint identical in content to the original, verification code included
        reprint = render_case_pdf(new, new.store.get_case(accepted["uuid"]))
        assert _text(reprint) == _text(original)
        key = new.store.handover.case_receipt_key(accepted["uuid"])
        code16 = verification_code(key, accepted["receipt_no"], accepted["uuid"])
        assert st.cases.verify_receipt(accepted["receipt_no"], accepted["uuid"], code16).valid
        # the 容缺 materials arrive: a new revision, accepted from the new desk
        supplied = new.cases.supply_materials(deferred["uuid"], ["近期一寸免冠照片",
                                                                 "社保卡或本人银行卡"],
                                              new.actor())
        assert supplied["status"] == "accepted"
        second = sync_desk(new)
        assert second["complete"] and second["accepted"] == 1 and second["rejected"] == 0
        assert st.cases.get(deferred["uuid"])["desk_status"] == "accepted"
        # numbering continues after the old desk's highest number, without collision
        fresh = new_case(new)
        day = fresh["receipt_no"].rsplit("-", 2)[1]
        known = [c["receipt_no"] for c in (accepted, deferred, done_lately, done_long_ago)
                 if c["receipt_no"].rsplit("-", 2)[1] == day]
        assert fresh["receipt_no"] > max(known)
        # nor a number the lost laptop printed but never sent (a reserve on its last days)
        assert fresh["receipt_no"] > never_synced["receipt_no"]
        third = sync_desk(new)
        assert third["complete"] and third["accepted"] == 1 and third["rejected"] == 0
        # the resident rates the case the old laptop took (好差评 at the new desk)
        new.cases.rate(done_lately["uuid"], 5)
        rated = sync_desk(new)
        assert rated["complete"] and rated["accepted"] == 1 and rated["rejected"] == 0, rated
        assert sync_desk(new)["handover"] == 0  # once
        # stolen-laptop protections hold for what it received: encrypted at rest
        raw = b"".join(p.read_bytes() for p in (tmp_path / "new-laptop").rglob("*.sqlite3*"))
        assert raw and "王桂兰".encode() not in raw and accepted["receipt_no"].encode() not in raw
    finally:
        new.close()
    old_round = sync_desk(old)  # the lost laptop, if it ever comes back, is refused
    assert old_round["error"] is not None
