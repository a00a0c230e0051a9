"""The console's desks page: a code held by an active desk is refused with the explicit
choice of replacing that desk; a revoked desk shows its last sync and what the district
received (issues 21 item 2, 24)."""

from __future__ import annotations

from typing import Any

from sync.client.desk import sync_desk


def test_code_in_use_offers_the_replacement(server: Any, make_desk: Any, web: Any) -> None:
    desk = make_desk("HY-QL01")
    old_id = desk.store.get_meta("desk_id")
    w = web("admin")
    w.get("/console/desks")
    r = w.post("/console/desks/codes", {"desk_code": "hy-ql01", "name": "七里一村新电脑"})
    assert r.status_code == 409
    assert "正由在用的办事点" in r.text and "替换此办事点" in r.text
    assert f'name="replaces" value="{old_id}"' in r.text
    bad = w.post("/console/desks/codes", {"desk_code": "汉阳 01", "name": "汉阳"})
    assert bad.status_code == 303  # back to the page with the rule in the flash message
    page = w.get("/console/desks")
    assert "格式不对" in page.text
    r = w.post("/console/desks/codes", {"desk_code": "HY-QL01", "name": "七里一村新电脑",
                                        "replaces": old_id})
    assert r.status_code == 200 and "注册码（只显示这一次）" in r.text
    assert 'id="replaces-note"' in r.text
    audit = server.console.audit.entries(limit=10)
    assert any(a["action"] == "desk.enroll_code" and a["detail"].get("replaces") == old_id
               for a in audit)


def test_revoked_desk_says_what_the_district_received(server: Any, make_desk: Any,
                                                      web: Any) -> None:
    desk = make_desk("HY-QL02")
    case = desk.cases.submit("MZ-GLJT", dict(desk.catalog.get("MZ-GLJT").example),
                             desk.actor())
    assert sync_desk(desk)["complete"]
    desk_id = desk.store.get_meta("desk_id")
    server.storage.desks.revoke(desk_id)
    w = web("viewer")
    page = w.get("/console/desks").text
    assert "最后同步" in page and "区级共收到 1 件" in page
    assert f"最后一件 {case['receipt_no']}" in page
    assert "未同步的案件已随电脑丢失" in page
