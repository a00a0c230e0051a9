"""Issue 21 item 11: the backlog bar shows every status even when one dominates; the
by-item chart shows the top 10 and one 其他 bar; a period picker; 差评率 by desk, worker and
item — checked on the charts' SVG in a real Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from console_helpers import ConsoleServer, new_case, shot
from test_console_browser import _sign_in

from sync.client.desk import sync_desk
from sync.district.console.charts import Bar, stacked

pytestmark = pytest.mark.browser

ITEMS = ["MZ-GLJT", "MZ-DB", "GA-JZZ", "YB-JMCB", "RS-ZGRZ", "WJ-JTYS", "MZ-LNYD", "CL-HLBT",
         "CL-KNBT", "CL-YLDJ", "GA-SFZ", "GA-JZZQZ"]


def test_a_small_status_still_shows_beside_a_large_one() -> None:
    svg = str(stacked([Bar("待审核", 900, tone="t-new"), Bar("需补正", 3, tone="t-warn")],
                      title="t", width=600))
    import re

    widths = [float(w) for w in re.findall(r'width="([\d.]+)" height="30"', svg)]
    assert len(widths) == 2 and min(widths) >= 0.05 * 600 and abs(sum(widths) - 600) < 1


def test_dashboard_charts(server: ConsoleServer, make_desk: Any, page: Any) -> None:
    a = make_desk("HY-QL01", "刘晓燕")
    b = make_desk("HY-ZJ02", "张敏", "郑家台社区流动办事点")
    cases = [new_case(a, code) for code in ITEMS]
    other = new_case(b, "MZ-GLJT", applicant_id="42010519520308002X")
    a.cases.rate(cases[0]["uuid"], 1, "慢")
    a.cases.rate(cases[1]["uuid"], 5, "")
    b.cases.rate(other["uuid"], 4, "")
    assert sync_desk(a)["complete"] and sync_desk(b)["complete"]
    _sign_in(page, server.url)
    item_chart = page.locator("section.panel").filter(has_text="受理 · 按事项").locator("svg")
    labels = item_chart.locator("text.lbl").evaluate_all("els => els.map(e => e.textContent)")
    assert len(labels) == 11 and labels[-1] == "其他（2 项）"
    # the period picker
    page.get_by_role("navigation", name="统计期间").get_by_role("link", name="近 90 天").click()
    page.wait_for_url("**/console/?period=90")
    assert "近 90 天受理 · 按事项" in page.locator("main").inner_text()
    # 差评率 by desk, worker and item
    rates = page.locator("#bad-rates")
    desk_rows = rates.locator("table[data-kind=desk] tbody tr").all_inner_texts()
    assert desk_rows[0].split("\t")[0] == "HY-QL01" and desk_rows[0].endswith("50.0%")
    assert desk_rows[1].startswith("HY-ZJ02") and desk_rows[1].endswith("0.0%")
    assert "刘晓燕（HY-QL01）" in rates.locator("table[data-kind=worker]").inner_text()
    items = rates.locator("table[data-kind=item] tbody tr").all_inner_texts()
    assert items[0].split("\t") == ["高龄津贴申领", "2", "1", "50.0%"]  # two desks' cases
    shot(page, "80-dashboard-period-rates")
