"""A replacement laptop takes over the lost desk's resident matters (issue 15 with issue 24's
替换此办事点): at its first sync the new desk receives the old desk's open matters with
their hand-overs and the district's steps, continues them (移交, 当场办结), its revisions are
accepted by the district, the district's later steps reach it, and matter numbers go on
after the old desk's. Real district server (SQLite and PostgreSQL), two real desks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sync_helpers import District, enroll

from desk.core.app import DeskContext
from desk.core.matters import MatterService
from sync.client.desk import enroll_desk, sync_desk
from sync.district import matters_store as M

LEAK = {"category": "投诉", "subcategory": "漏水", "description": "楼上漏水",
        "resident": {"name": "王桂兰", "phone": "13912345678"}, "answer_by": "phone",
        "place": {"compound": "汉阳花园", "building": "5", "room": "302"}}
ASK = {"category": "咨询", "description": "高龄津贴怎么申请"}
LIFT = {"category": "求助", "urgency": "紧急", "description": "电梯困人"}


def test_a_replacement_laptop_takes_over_and_continues_matters(
        district: District, make_desk: Any, tmp_path: Path) -> None:
    old = make_desk("HY-QL07")
    info = enroll(district, old)
    st = district.storage
    svc_old = MatterService(old.store)
    leak = svc_old.record(LEAK, old.actor())
    svc_old.handover(leak["uuid"], "王建国", "他负责五号楼", old.actor())
    ask = svc_old.record(ASK, old.actor())
    lift = svc_old.record(LIFT, old.actor())
    svc_old.close(lift["uuid"], "已联系物业放人", "满意", old.actor())
    assert sync_desk(old)["complete"]
    M.decide(st, leak["uuid"], "dispatch", department="WY")
    M.decide(st, leak["uuid"], "sign")
    assert sync_desk(old)["complete"]
    never_synced = svc_old.record(ASK, old.actor())  # lost with the laptop

    code = st.desks.create_enroll_code("HY-QL07", "七里一村社区流动办事点", replaces=info["desk_id"])
    new = DeskContext.open(str(tmp_path / "new-laptop"))
    try:
        new.settings.desk_code, new.settings.worker_name = "HY-QL07", "刘晓燕"
        new.save_settings()
        enroll_desk(new, district.url, code)
        first = sync_desk(new)
        assert first["complete"], first
        assert first["handover_matters"] == 3
        svc = MatterService(new.store)
        got = {m["uuid"]: m for m in new.store.matters.list_matters()}
        assert set(got) == {leak["uuid"], ask["uuid"], lift["uuid"]}
        mine = new.store.matters.get_matter(leak["uuid"])
        assert (mine["owner"], mine["district_status"], mine["district_department"],
                mine["sync_state"], mine["resident_phone"]) == (
            "王建国", "signed", "物业服务企业", "synced", "13912345678")
        assert [(h["from_owner"], h["to_owner"], h["reason"]) for h in mine["handovers"]] == [
            ("刘晓燕", "王建国", "他负责五号楼")]
        steps = [e["detail"].get("status") for e in new.store.history(leak["uuid"])
                 if e["action"] == "district.matter"]
        assert steps == ["dispatched", "signed"]  # the district's steps, as pulled
        assert new.store.matters.get_matter(lift["uuid"])["status"] == "closed"
        assert [m["uuid"] for m in new.store.matters.list_matters(search="王桂兰")] == [leak["uuid"]]
        # it continues them: 移交 and 当场办结, accepted by the district from the new desk
        svc.handover(leak["uuid"], "刘晓燕", "王建国休假", new.actor())
        svc.close(ask["uuid"], "已讲解申请条件", "基本满意", new.actor())
        second = sync_desk(new)
        assert second["complete"] and second["accepted"] == 2 and second["rejected"] == 0
        orders = {o["uuid"]: o for o in M.list_orders(st)}
        assert orders[leak["uuid"]]["owner"] == "刘晓燕"
        assert orders[ask["uuid"]]["status"] == "closed"
        # the district's next step reaches the new desk
        M.decide(st, leak["uuid"], "answer", text="已修复楼上管道")
        assert sync_desk(new)["complete"]
        assert new.store.matters.get_matter(leak["uuid"])["district_answer"] == "已修复楼上管道"
        # numbering goes on after the old desk's (and after what it may have numbered unsent)
        fresh = svc.record(ASK, new.actor())
        assert fresh["matter_no"] > max(leak["matter_no"], never_synced["matter_no"])
        assert sync_desk(new)["accepted"] == 1
        assert sync_desk(new)["handover"] == 0  # once
    finally:
        new.close()
    assert sync_desk(old)["error"] is not None  # the lost laptop is refused
