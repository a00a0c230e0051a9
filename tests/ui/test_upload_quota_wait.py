"""Pages held back by the district's daily upload cap (issue 17) are told in the worker's
words — on the sync page's 待上传 row and in the status bar — and are no error."""

from __future__ import annotations

import io
import json
from typing import Any

from desk.core.attachments import normalise
from desk.ui.sync_page import summary_text
from sync.client.attachments import QUOTA_META

HOLD = {"cap": 524288000, "used": 522190848, "day": "2030-03-01",
        "resets_at": "2030-03-01T16:00:00+00:00", "need": 4194304,
        "message": "本办事点今日上传已达上限 500 MB（已用 498 MB），明日 00:00 后自动继续"}


def _page(seed: int) -> Any:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (400, 300), (seed, 90, 160)).save(buf, "JPEG")
    return normalise(buf.getvalue(), f"p{seed}.jpg")


def test_the_sync_page_and_status_bar_say_how_many_pages_wait_for_tomorrow(
        qtbot: Any, win: Any) -> None:
    ctx = win.ctx
    item = ctx.catalog.get("MZ-GLJT")
    case = ctx.cases.submit("MZ-GLJT", dict(item.example), ctx.actor())
    ctx.store.attachments.add_attachments(case["uuid"], item.materials[0].name, [_page(1), _page(2)],
                                          "刘晓燕")
    page = win.page("sync")
    win.stack.setCurrentWidget(page)
    page.refresh()
    qtbot.waitUntil(lambda: not win.tasks.busy)
    assert "等明日" not in page.values["pending"].text()
    ctx.store.set_meta(QUOTA_META, json.dumps(HOLD, ensure_ascii=False))
    page.refresh()
    qtbot.waitUntil(lambda: "材料照片 2 页等明日上传额度（自动上传）" in
                    page.values["pending"].text())
    win.refresh_status()
    qtbot.waitUntil(lambda: "照片 2 页等明日上传" in win.queue_label.text())


def test_the_summary_tells_the_wait_not_an_error() -> None:
    base = {"pushed": 2, "accepted": 2, "pulled": 0, "pending": 0, "error": None,
            "attachments_sent": 0, "attachments_waiting": 3, "attachments_error": None,
            "attachments_quota": HOLD}
    text = summary_text(base)
    assert ("材料照片和扫描件：3 页等明日的上传额度，到时自动上传，无需操作（案件已照常同步）。"
            "本办事点今日上传已达上限 500 MB（已用 498 MB），明日 00:00 后自动继续。") in text
    assert not text.startswith("同步未完成") and "中断" not in text
    assert "已上传 4 页；3 页等明日" in summary_text(dict(base, attachments_sent=4))
