"""Issue 23 end to end: two desks, the same resident, the same once-item (高龄津贴, one per
lifetime) → both cases flagged at the district, both desks see the note after a pull, the
console's 重复申请 filter lists both, each case page links the other, and a reviewer's
已核实非重复 (audited) reaches both desks. Real district server, real desks."""

from __future__ import annotations

import re
from typing import Any

from console_helpers import new_case

from sync.client.desk import sync_desk
from sync.district.console.store import ConsoleStore


def test_two_desks_flagged_noted_filtered_and_cleared(server: Any, make_desk: Any,
                                                      web: Any) -> None:
    a = make_desk("HY-QL01", name="七里一村社区流动办事点")
    b = make_desk("HY-YH02", name="永和社区流动办事点")
    ca, cb = new_case(a), new_case(b)  # the example's resident at both desks
    other = new_case(a, "MZ-DB")  # another item: never listed
    assert sync_desk(a)["complete"] and sync_desk(b)["complete"]
    assert sync_desk(a)["complete"]  # desk A pulls what desk B's batch found

    # both desks have the note on their case; the case status is left alone
    for ctx, mine, theirs, desk_name in ((a, ca, cb, "永和社区流动办事点"),
                                         (b, cb, ca, "七里一村社区流动办事点")):
        (note,) = ctx.store.sync.duplicate_notes(mine["uuid"])
        assert note["state"] == "flagged" and note["other_receipt_no"] == theirs["receipt_no"]
        assert desk_name in note["note"] and "重复申请" in note["note"]
        assert ctx.store.sync.duplicate_flagged([mine["uuid"], other["uuid"]]) == {mine["uuid"]}
        assert ctx.store.get_case(mine["uuid"])["district_status"] in (None, "", "received")

    w = web("reviewer")
    listed = w.get("/console/cases?dup=1")
    assert listed.status_code == 200
    assert ca["receipt_no"] in listed.text and cb["receipt_no"] in listed.text
    assert other["receipt_no"] not in listed.text
    assert "重复申请（待核实）" in listed.text
    assert other["receipt_no"] in w.get("/console/cases").text

    page = w.get(f"/console/cases/{ca['uuid']}")
    assert page.status_code == 200 and "重复申请（待核实）" in page.text
    link = re.search(r'<a href="(/console/cases/[0-9a-f-]+)" class="dup-link">', page.text)
    assert link is not None and link.group(1) == f"/console/cases/{cb['uuid']}"
    assert cb["receipt_no"] in w.get(link.group(1)).text  # one click to the other case

    # a viewer cannot clear; a reviewer clears with the finding, audited
    v = web("viewer")
    v.get(f"/console/cases/{ca['uuid']}")
    refused = v.post(f"/console/cases/{ca['uuid']}/duplicates/{cb['uuid']}/clear",
                     {"note": "不是重复"})
    assert refused.status_code in (303, 403)
    assert w.get("/console/cases?dup=1").text.count(ca["receipt_no"]) >= 1
    empty = w.post(f"/console/cases/{ca['uuid']}/duplicates/{cb['uuid']}/clear", {"note": ""})
    assert empty.status_code == 303
    assert "核实情况" in w.get(f"/console/cases/{ca['uuid']}").text
    done = w.post(f"/console/cases/{ca['uuid']}/duplicates/{cb['uuid']}/clear",
                  {"note": "居民原申请已在永和撤回"})
    assert done.status_code == 303
    page = w.get(f"/console/cases/{ca['uuid']}")
    assert "已核实非重复" in page.text and "居民原申请已在永和撤回" in page.text
    assert "重复申请（待核实）" not in page.text
    after = w.get("/console/cases?dup=1").text
    assert ca["receipt_no"] not in after and cb["receipt_no"] not in after
    cs = ConsoleStore(server.storage)
    (entry,) = cs.audit.entries(action="duplicate.clear")
    assert entry["actor"] == "reviewer" and entry["target"] == ca["uuid"]
    assert entry["detail"]["note"] == "居民原申请已在永和撤回"
    assert entry["detail"]["desks_told"] == 2

    # both desks learn it at their next sync
    for ctx, mine in ((a, ca), (b, cb)):
        assert sync_desk(ctx)["complete"]
        (note,) = ctx.store.sync.duplicate_notes(mine["uuid"])
        assert note["state"] == "cleared" and "居民原申请已在永和撤回" in note["note"]
        assert ctx.store.sync.duplicate_flagged([mine["uuid"]]) == set()
