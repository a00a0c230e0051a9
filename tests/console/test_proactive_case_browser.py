"""The district's page of a 免申 case (issue 18) in a real headless Chromium at 1366×768
and a 390×844 phone: the 免申即享 and 无需签字 tags and the list entry read whole, and the
page does not scroll sideways; the list entry with the rule's reason (a sentence) takes
the facts' whole width, its first line 免申即享，无需签字 as the tags say. Screenshots in /work/shots/proactive/ (looked at)."""

from __future__ import annotations

import csv
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from console_helpers import ConsoleServer
from test_console_browser import _sign_in

from desk.core.proactive import prefill
from forms.catalog import load_catalog
from forms.ids import id_check_digit
from sync.client.desk import sync_desk
from sync.district import proactive, roster

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("PROACTIVE_SHOTS", "/work/shots/proactive"))
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


def _mianshen_case(server: ConsoleServer, make_desk: Any, tmp_path: Path) -> str:
    """A resident turning 80 on the list, confirmed at the desk: the 免申 case's uuid."""
    born = (date.today().replace(day=1) - timedelta(days=80 * 366)).strftime("%Y%m%d")
    first17 = f"420105{born}001"
    number = first17 + id_check_digit(first17)
    path = tmp_path / "roster.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "身份证号", "现住址", "小区", "网格", "低保", "残疾", "已领高龄津贴"])
        w.writerow(["居民甲", number, "七里一村1栋", "七里一村", "三网格", "", "", ""])
    st = server.storage
    roster.import_roster(st, path, actor="t")
    proactive.set_compounds(st, "HY-QL01", ["七里一村"])
    proactive.run(st, load_catalog(), day=date.today(), actor="t")
    desk = make_desk()
    assert sync_desk(desk)["complete"]
    (entry,) = desk.store.proactive.proactive_list()
    item = desk.catalog.get("MZ-GLJT")
    saved = desk.cases.submit("MZ-GLJT", {**item.example, **prefill(item, entry, number),
                                          "proactive": {"entry_id": entry["entry_id"]}},
                              desk.actor())
    out = sync_desk(desk)
    assert out["error"] is None and out["complete"], out
    return str(saved["uuid"])


def test_the_mianshen_case_page_at_desktop_and_phone(server: ConsoleServer, make_desk: Any,
                                                     browser: Any, tmp_path: Path) -> None:
    uuid = _mianshen_case(server, make_desk, tmp_path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, (w, h) in SIZES.items():
        phone = size == "phone"
        ctx = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", is_mobile=phone,
                                  has_touch=phone)
        ctx.set_default_timeout(45_000)
        try:
            page = ctx.new_page()
            _sign_in(page, server.url, "viewer")
            page.goto(f"{server.url}/console/cases/{uuid}")
            page.wait_for_load_state("load")
            page.screenshot(path=str(SHOTS / f"{size}-case.png"), full_page=True)
            for tag, words in (("#mianshen", "免申即享"), ("#no-signature", "无需签字")):
                box = page.locator(tag)
                assert box.inner_text() == words
                b = box.bounding_box()
                assert b is not None and b["x"] >= 0 and b["x"] + b["width"] <= w, (size, b)
                # one line: a tag broken over two lines reads as two tags
                assert b["height"] < 2 * float(page.evaluate(
                    f"parseFloat(getComputedStyle(document.querySelector('{tag}'))"
                    ".fontSize)")), (size, tag, b)
            # the list entry and the rule's reason (a sentence) take the facts' whole width
            entry, facts = page.locator("#proactive-entry").bounding_box(), \
                page.locator("dl.facts").bounding_box()
            assert entry is not None and facts is not None
            assert entry["width"] >= 0.95 * facts["width"], (size, entry, facts)
            lines = page.locator("#proactive-entry dd").inner_text().splitlines()
            assert lines[0] == "免申即享，无需签字", lines  # then the entry, in its own line
            assert lines[1].startswith("主动服务名单第 "), lines
            over = page.evaluate("Math.max(document.documentElement.scrollWidth, "
                                 "window.innerWidth)") - w
            assert over <= 0, f"the {size} page is {over}px wider than the screen"
        finally:
            ctx.close()
