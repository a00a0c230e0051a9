"""The desk's own case view marks a case filed from the proactive list (issue 18) the way
the district's case page does: 免申即享 beside the status, 无需签字 when the item's
proactive block says no signature is needed, and which list entry it came from and why;
a case the resident applied for shows none of it."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from desk.ui.case_html import summary_html
from forms.ids import id_check_digit, mask_id

REASON = "下月起年满80周岁，尚未领取高龄津贴"


def _ident(birth: str, n: int) -> str:
    first17 = f"420105{birth}{n:02d}1"
    return first17 + id_check_digit(first17)


def _listed(desk: Any, entries: list[tuple[int, str, bool]]) -> None:
    """The list as a sync stores it: (entry id, ID number, no signature) per resident."""
    due = (date.today() + timedelta(days=40)).isoformat()
    desk.store.sync.apply_changes([
        {"seq": 100 + n, "kind": "proactive", "case_uuid": None, "status": "listed",
         "note": "", "department": None, "at": "2026-12-01T01:00:00+00:00",
         "item_code": "MZ-GLJT", "item_name": "高龄津贴申领",
         "proactive": {"entry_id": n, "item_code": "MZ-GLJT", "item_name": "高龄津贴申领",
                       "name": f"居民{n}", "id_masked": mask_id(number),
                       "address": "七里一村12栋502", "compound": "七里一村", "due": due,
                       "no_signature": no_sig, "reason": REASON}}
        for n, number, no_sig in entries], "200")


def _shown(qtbot: Any, win: Any, uuid: str) -> str:
    win.show_case(uuid)
    detail = win.page("detail")
    qtbot.waitUntil(lambda: detail.case is not None and detail.case["uuid"] == uuid,
                    timeout=10_000)
    return str(detail.body.toPlainText())


def _status(text: str) -> str:
    """The 办理状态 row (a table's cells come out one per line)."""
    return text.split("办理状态", 1)[1].split("受理日期", 1)[0]


def test_the_case_view_marks_a_mianshen_case(qtbot: Any, win: Any, desk: Any) -> None:
    quiet, signed, plain = (_ident("19461101", 1), _ident("19461115", 2),
                            _ident("19461120", 3))
    _listed(desk, [(1, quiet, True), (2, signed, False)])
    example = dict(desk.catalog.get("MZ-GLJT").example)
    cases = {key: desk.cases.submit("MZ-GLJT", {**example, "applicant_id": number, **extra},
                                    desk.actor())["uuid"]
             for key, number, extra in (
                 ("quiet", quiet, {"proactive": {"entry_id": 1}}),
                 ("signed", signed, {"proactive": {"entry_id": 2}}),
                 ("plain", plain, {}))}

    text = _shown(qtbot, win, cases["quiet"])
    status = _status(text)
    assert "免申即享" in status and "无需签字" in status, status
    assert f"主动服务名单第 1 号：{REASON}" in text

    # an item whose proactive block does not waive the signature (none in the shipped
    # catalog does so far): 免申即享 without 无需签字
    case = dict(desk.store.get_case(cases["signed"]))
    data = json.loads(case["data_json"])
    assert data["proactive"]["entry_id"] == 2
    data["proactive"]["no_signature"] = False
    html = summary_html(desk, {**case, "data_json": json.dumps(data, ensure_ascii=False)})
    assert "免申即享" in html and "无需签字" not in html
    assert f"主动服务名单第 2 号：{REASON}" in html

    text = _shown(qtbot, win, cases["plain"])
    assert "免申即享" not in text and "主动服务名单" not in text and "无需签字" not in text
