"""The retention purge of resident matters' personal data (issue 15): the rules of cases'
purge (closed, synced, closed before the cut-off, every record confirmed by the district in
its current epoch), and afterwards no name, phone, ID number or address of a purged matter
anywhere in the store file — rows, search pieces, outbox, free pages."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

from desk.cli import main
from desk.core import maintenance
from desk.core.app import DeskContext
from desk.core.matters import MatterService

TODAY = date(2026, 11, 23)
NAME, PHONE, IDN = "欧阳娜娜", "15912345678", "440524188001010014"
BUILDING, ROOM = "十七栋", "2308室"
OTHER = "司马光明"


def _matter(svc: MatterService, ctx: DeskContext, name: str, phone: str,
            idn: str = "", building: str = BUILDING, room: str = ROOM) -> dict[str, Any]:
    resident = {"name": name, "phone": phone, **({"id_number": idn} if idn else {})}
    return svc.record({"category": "投诉", "subcategory": "漏水", "urgency": "一般",
                       "description": f"{name}反映{building}{room}楼上漏水，电话{phone}",
                       "resident": resident, "answer_by": "phone",
                       "place": {"compound": "汉阳花园", "building": building, "unit": "2",
                                 "room": room}}, ctx.actor())


def _blob(ctx: DeskContext) -> bytes:
    return b"".join(p.read_bytes() for p in ctx.paths.data_dir.glob("desk.sqlite3*"))


def test_purged_matters_leave_nothing_personal_in_the_store(desk: DeskContext) -> None:
    svc = MatterService(desk.store)
    spot = _matter(svc, desk, NAME, PHONE, IDN)
    svc.close(spot["uuid"], f"已当场联系物业，{NAME}表示满意", "满意", desk.actor())
    by_district = _matter(svc, desk, "欧阳娜", "15912340000")
    still_open = _matter(svc, desk, OTHER, "13700001111", building="三栋", room="101室")
    pending = desk.store.sync.pending_outbox()
    desk.store.sync.mark_outbox([{"id": p["id"], "result": "accepted"} for p in pending], "b")
    desk.store.sync.apply_changes([
        {"seq": 1, "kind": "matter", "case_uuid": by_district["uuid"], "status": "closed",
         "note": "", "department": "物业服务企业", "at": "2026-01-05T10:00:00+00:00",
         "matter": {"answer": f"已为{BUILDING}{ROOM}修复管道", "satisfaction": "满意"}}],
        "1")
    # not before the district has confirmed holding every record (its current epoch)
    assert maintenance.purge_expired_matters(desk.store, days=0, today=date(2999, 1, 1)) == 0
    desk.store.reconcile.start_epoch("district-1", "e1", 1, changed=False)
    desk.store.reconcile.confirm_agreement("e1", desk.store.reconcile.acked()["acked_max"])
    # not before the cut-off: closed on the spot today, so not at 180 days
    assert maintenance.purge_expired_matters(desk.store, days=180, today=TODAY) == 1
    assert maintenance.purge_expired_matters(desk.store, days=0, today=date(2999, 1, 1)) == 1
    assert maintenance.purge_expired_matters(desk.store, days=0, today=date(2999, 1, 1)) == 0
    m = desk.store.matters.get_matter(spot["uuid"])
    assert (m["resident_name"], m["resident_phone"], m["resident_id"]) == ("欧***", "", "")
    assert json.loads(m["resident_json"]) == {"purged": True}
    assert json.loads(m["place_json"]) == {"compound": "汉阳花园"}
    assert (m["matter_no"], m["category"], m["status"], m["satisfaction"]) == (
        spot["matter_no"], "投诉", "closed", "满意")
    assert m["result"] is None and NAME not in m["description"]
    assert desk.store.matters.get_matter(by_district["uuid"])["district_answer"] is None
    for q in (NAME, "娜娜", PHONE[-4:], ROOM, BUILDING):
        assert desk.store.matters.list_matters(search=q) == [], q
    assert [x["uuid"] for x in desk.store.matters.list_matters(search=OTHER)] == [still_open["uuid"]]
    audit = desk.store._read("SELECT case_uuid FROM audit WHERE action = 'matter.purge'")
    assert sorted(r["case_uuid"] for r in audit) == sorted([spot["uuid"], by_district["uuid"]])
    desk.store.close()
    blob = _blob(desk)
    for secret in (NAME, "欧阳娜", PHONE, "15912340000", IDN, BUILDING, ROOM):
        assert secret.encode() not in blob, secret
    assert OTHER.encode() in blob  # the open matter keeps its resident
    # and as strings in the database itself (not only the bytes of the file)
    conn = sqlite3.connect(desk.paths.db)
    dump = "\n".join(conn.iterdump())
    conn.close()
    for secret in (NAME, PHONE, IDN, BUILDING, ROOM):
        assert secret not in dump, secret
    desk.store = desk.store.open(desk.paths.db)


def test_the_purge_command_reports_matters(data_dir: Path, capsys: Any) -> None:
    ctx = DeskContext.open(str(data_dir))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    svc = MatterService(ctx.store)
    m = _matter(svc, ctx, NAME, PHONE)
    ctx.store.sync.mark_outbox([{"id": p["id"], "result": "accepted"}
                                for p in ctx.store.sync.pending_outbox()], "b")
    ctx.store.sync.apply_changes([
        {"seq": 1, "kind": "matter", "case_uuid": m["uuid"], "status": "closed", "note": "",
         "department": "物业服务企业", "at": "2026-01-05T10:00:00+00:00", "matter": {}}], "1")
    ctx.store.reconcile.start_epoch("district-1", "e1", 1, changed=False)
    ctx.store.reconcile.confirm_agreement("e1", ctx.store.reconcile.acked()["acked_max"])
    ctx.close()
    assert main(["--data-dir", str(data_dir), "purge"]) == 0  # closed more than 180 days ago
    assert json.loads(capsys.readouterr().out) == {"purged": 0, "purged_matters": 1}
    ctx = DeskContext.open(str(data_dir))
    assert ctx.store.matters.get_matter(m["uuid"])["resident_phone"] == ""
    ctx.close()
