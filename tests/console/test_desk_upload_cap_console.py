"""The console's 办事点 page shows each desk's photo uploads today against its daily cap,
and an admin sets a desk's own cap there, audited like the command line's (issue 17)."""

from __future__ import annotations

import random
from typing import Any

from sync.client.desk import client_for


def test_admin_sets_a_desks_daily_upload_cap(server: Any, make_desk: Any, web: Any) -> None:
    desk = make_desk("HY-QL01")
    with client_for(desk) as c:
        assert c.upload_attachment(random.Random(1).randbytes(300 * 1024)).complete
    viewer = web("viewer")
    page = viewer.get("/console/desks").text
    assert "今日上传" in page and "300 KB / 500 MB" in page
    assert "/console/desks/HY-QL01/upload-cap" not in page  # a viewer sees, never sets
    assert viewer.post("/console/desks/HY-QL01/upload-cap", {"cap": "1GB"}).status_code == 403
    admin = web("admin")
    admin.get("/console/desks")
    r = admin.post("/console/desks/HY-QL01/upload-cap", {"cap": "800MB"})
    assert r.status_code == 303
    page = admin.get("/console/desks").text
    assert "HY-QL01 的每日上传上限：800 MB" in page
    assert "300 KB / 800 MB" in page and "（单独设置）" in page
    entry = server.console.audit.entries(action="desk.upload_cap")[0]
    assert (entry["actor"], entry["target"], entry["detail"]) == (
        "admin", "HY-QL01", {"cap": 800 * 1024 ** 2, "previous": None})
    admin.post("/console/desks/HY-QL01/upload-cap", {"cap": "很多"})
    assert "不是大小" in admin.get("/console/desks").text
    admin.post("/console/desks/HY-QL01/upload-cap", {"cap": ""})  # back to the default
    page = admin.get("/console/desks").text
    assert "300 KB / 500 MB" in page and "（单独设置）" not in page
    assert server.console.audit.entries(action="desk.upload_cap")[0]["detail"] == {
        "cap": None, "previous": 800 * 1024 ** 2}
