"""Issue 21 items 3 and 8 on the read model (SQLite and PostgreSQL): 当场办结 items are never
overdue and have their own 区级未确认 state; the case list sorts by whitelisted columns
(default newest accepted first), clamps pages past the end, filters by 经办人; the export
walk follows the list's order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from test_console_store import _push, _record, cs  # noqa: F401  (the fixture)

from sync.district.console.store import CaseFilter, ConsoleStore, local_today


def _spot(i: int, days_ago: int) -> dict[str, Any]:
    """A 当场办结 item as the desk sends it: its promised date is its acceptance date."""
    rec = _record(i, item="YB-JMCB", accepted=local_today() - timedelta(days=days_ago))
    p = rec["payload"]
    p.update(item_name="城乡居民基本医疗保险参保登记", promised_date=p["accepted_date"])
    return rec


def test_on_the_spot_items_are_not_overdue(cs: ConsoleStore) -> None:  # noqa: F811
    today = local_today()
    late = [_record(i, accepted=today - timedelta(days=30)) for i in range(2)]  # +14 d: past
    fresh = [_record(10 + i) for i in range(3)]  # promised in 14 days
    spot = [_spot(20 + i, days_ago=5 + i) for i in range(4)]
    _push(cs, [*late, *fresh, *spot])
    cs.readmodel.refresh()
    d = cs.dashboard()
    assert d["overdue"] == 2, d["overdue"]  # not 6: 当场办结 items have no promised date
    assert d["unconfirmed"] == 4
    assert {r["uuid"] for r in d["most_overdue"]} == {r["case_uuid"] for r in late}
    assert cs.caselist.list_cases(CaseFilter(overdue="overdue")).total == 2
    assert cs.caselist.list_cases(CaseFilter(overdue="unconfirmed")).total == 4
    # confirmed at the district: no longer 区级未确认
    cs.db.decisions.set_status(spot[0]["case_uuid"], "completed", actor="t")
    cs.readmodel.refresh()
    assert cs.dashboard()["unconfirmed"] == 3
    assert cs.caselist.list_cases(CaseFilter(overdue="unconfirmed")).total == 3


def test_sorting_paging_and_worker_filter(cs: ConsoleStore) -> None:  # noqa: F811
    today = local_today()
    # received in one order, accepted on dates in another (offline desks send late)
    recs = [_record(i, accepted=today - timedelta(days=(i * 7) % 60)) for i in range(120)]
    for i, r in enumerate(recs):
        r["payload"]["worker"] = "刘晓燕" if i % 3 else "张伟"
        if i % 5 == 0:  # no promised date (补正 at the desk): after every date ascending
            r["payload"]["promised_date"] = None
    _push(cs, recs)
    cs.readmodel.refresh()
    rows = cs.caselist.list_cases(CaseFilter()).rows
    dates = [r["accepted_date"] for r in rows]
    assert dates == sorted(dates, reverse=True)  # newest accepted first by default
    asc = cs.caselist.list_cases(CaseFilter(sort="receipt")).rows
    assert [r["receipt_no"] for r in asc] == sorted(r["receipt_no"] for r in asc)
    assert asc[0]["receipt_no"] == min(r["payload"]["receipt_no"] for r in recs)
    desc = cs.caselist.list_cases(CaseFilter(sort="-applicant")).rows
    names = [r["applicant_name"] for r in desc]
    assert names == sorted(names, reverse=True)
    # an unknown sort key is the default order, never a column name passed through
    assert [r["uuid"] for r in cs.caselist.list_cases(CaseFilter(sort="uuid; drop")).rows] == \
        [r["uuid"] for r in rows]
    # pages: 120 rows = 3 pages of 50; page 999 is the last page, not "第 999 / 3 页"
    last = cs.caselist.list_cases(CaseFilter(), page=999)
    assert (last.page, last.pages, len(last.rows)) == (3, 3, 20)
    assert cs.caselist.list_cases(CaseFilter(q="没有这个人"), page=5).page == 1
    # 经办人
    assert cs.caselist.list_cases(CaseFilter(worker="张伟")).total == 40
    assert "张伟" in cs.caselist.worker_choices() and "刘晓燕" in cs.caselist.worker_choices()
    # the export walk follows the list's order, every row once
    by_promised = cs.caselist.list_cases(CaseFilter(sort="promised"), page=3).rows
    assert by_promised[-1]["promised_date"] is None
    assert cs.caselist.list_cases(CaseFilter(sort="-promised")).rows[0]["promised_date"] is None
    for sort in ("", "promised", "-promised", "-worker", "status"):
        walked = [r["uuid"] for ch in cs.caselist.iter_cases(CaseFilter(sort=sort), chunk=7) for r in ch]
        listed = [r["uuid"] for p in (1, 2, 3)
                  for r in cs.caselist.list_cases(CaseFilter(sort=sort), page=p).rows]
        assert walked == listed and len(set(walked)) == 120, sort
