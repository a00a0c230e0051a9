"""The console's 主动服务 page (issue 18) in a real headless Chromium: per item and
compound, eligible / contacted / confirmed / declined / unreachable / home visits / paid
(a confirmed resident's 免申 case completed at the district), and the roster corrections
desks reported — ID numbers masked."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from console_helpers import PASSWORD, ConsoleServer, new_case, shot

from forms.catalog import CATALOG_FILE, ITEMS_DIR, Catalog, parse_item
from forms.ids import id_check_digit
from forms.params import parse_params
from sync import protocol as P
from sync.client.desk import sync_desk
from sync.district import proactive, roster

pytestmark = pytest.mark.browser


def _catalog() -> Catalog:
    params = parse_params(yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))["params"])
    return Catalog("t.1", [parse_item(yaml.safe_load((ITEMS_DIR / f"{c}.yaml").read_text(
        encoding="utf-8")), c) for c in ("MZ-GLJT", "CL-KNBT", "YB-JMCB")], params)


def ident(birth: str, n: int) -> str:
    first17 = f"420105{birth}{n:02d}1"
    return first17 + id_check_digit(first17)


def test_coverage_per_item_and_compound(server: ConsoleServer, make_desk: Any, page: Any,
                                        tmp_path: Path) -> None:
    st = server.storage
    born = (date.today().replace(day=1) - timedelta(days=80 * 366)).strftime("%Y%m%d")
    path = tmp_path / "roster.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "身份证号", "现住址", "小区", "低保", "残疾"])
        for i in range(5):
            w.writerow([f"居民{'甲乙丙丁戊'[i]}", ident(born, i), f"七里一村{i}栋", "七里一村", "",
                        ""])
        w.writerow(["残疾甲", ident("19900101", 7), "七里二村1栋", "七里二村", "是", "是"])
    roster.import_roster(st, path, actor="t")
    proactive.set_compounds(st, "HY-QL01", ["七里一村", "七里二村"])
    proactive.run(st, _catalog(), day=date.today(), actor="t")
    with st.read() as conn:
        ids = {r.name: r.id for r in conn.execute(proactive.entries.select())}
    desk = make_desk("HY-QL01")
    case = new_case(desk, "MZ-GLJT", applicant_name="居民甲", applicant_id=ident(born, 0))
    assert sync_desk(desk)["error"] is None
    st.decisions.set_status(case["uuid"], "completed", actor="admin")
    now = P.utc_now()
    proactive.record_outcomes(st, {"desk_code": "HY-QL01"}, P.ProactiveOutcomesRequest(
        outcomes=[P.ProactiveOutcome(entry_id=ids["居民甲"], outcome="confirmed",
                                     case_uuid=case["uuid"], at=now),
                  P.ProactiveOutcome(entry_id=ids["居民乙"], outcome="declined",
                                     note="子女已办", at=now),
                  P.ProactiveOutcome(entry_id=ids["居民丙"], outcome="unreachable", at=now),
                  P.ProactiveOutcome(entry_id=ids["居民丁"], outcome="deceased", at=now)]))
    base = server.url
    page.goto(f"{base}/console/login")
    page.fill("input[name=username]", "viewer")
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/console/")
    page.get_by_role("link", name="主动服务", exact=True).click()
    page.wait_for_url("**/console/proactive")

    def cells(selector: str) -> dict[str, str]:
        row = page.locator(selector)
        return {k: row.locator(f"td[data-k={k}]").inner_text()
                for k in ("eligible", "contacted", "confirmed", "declined", "unreachable",
                          "home_visit", "paid")}

    assert cells("#coverage-items tr[data-item=MZ-GLJT]") == {
        "eligible": "5", "contacted": "4", "confirmed": "1", "declined": "1",
        "unreachable": "1", "home_visit": "0", "paid": "1"}
    assert cells("#coverage-compounds tr[data-item=CL-KNBT][data-compound=七里二村]")[
        "eligible"] == "1"
    fixes = page.locator("#corrections").inner_text()
    assert "已故" in fixes and "*" in fixes and ident(born, 3) not in page.content()
    assert "HY-QL01：七里一村、七里二村" in page.locator("#runs").inner_text()
    shot(page, "proactive-coverage")
