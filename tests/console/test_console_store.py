"""The console's storage layer on SQLite and PostgreSQL: the read model follows changes
made anywhere, filters and searches, the dashboard, 差评 callbacks, exports' keyset walk."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from forms.workdays import add_working_days
from sync.district.console.store import (
    CaseFilter,
    ConsoleStore,
    local_date,
    local_today,
)
from sync.district.storage import Storage


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def cs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ConsoleStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        name = "c_" + uuid.uuid4().hex[:10]
        cluster.admin(f"CREATE DATABASE {name}")
        url = cluster.url(name)
    st = Storage(url)
    try:
        yield ConsoleStore(st)
    finally:
        st.close()


def _record(i: int, item: str = "MZ-GLJT", accepted: date | None = None,
            idn: str = "420105194501010017", phone: str = "13871234567") -> dict[str, Any]:
    u = str(uuid.uuid4())
    day = accepted or local_today()
    payload = {
        "uuid": u, "receipt_no": f"HY-QL01-{day:%Y%m%d}-{i:04d}", "item_code": item,
        "item_name": "高龄津贴申领", "department": "民政", "catalog_version": "t",
        "status": "accepted", "revision": 1, "applicant_name": f"王{i}",
        "created_at": f"{day}T08:00:00.000+00:00", "updated_at": f"{day}T08:00:00.000+00:00",
        "desk_code": "HY-QL01", "worker": "刘晓燕", "accepted_date": day.isoformat(),
        "promised_date": (day + timedelta(days=14)).isoformat(),
        "data_json": json.dumps({"fields": {"applicant_name": f"王{i}", "applicant_id": idn,
                                            "applicant_phone": phone}}),
        "materials_json": "{}"}
    return {"id": i, "kind": "case", "case_uuid": u, "revision": 1, "payload": payload}


def _push(cs: ConsoleStore, records: list[dict[str, Any]]) -> None:
    st = cs.db
    with st.write() as conn:
        from sync.district.storage import desks

        if not conn.execute(desks.select()).first():
            conn.execute(desks.insert().values(desk_id="desk-1", desk_code="HY-QL01",
                                               name="七里一村", secret="s", receipt_key="k",
                                               enrolled_at="2026-01-01T00:00:00+00:00"))
    for i in range(0, len(records), 500):
        st.ingest.batch("desk-1", str(uuid.uuid4()), records[i:i + 500])


def test_read_model_follows_changes_made_anywhere(cs: ConsoleStore) -> None:
    recs = [_record(i) for i in range(620)]  # > 500: the COPY path on PostgreSQL
    old = _record(999, accepted=local_today() - timedelta(days=40))
    _push(cs, [*recs, old])
    assert cs.readmodel.refresh() == 621 and cs.readmodel.refresh() == 0
    page = cs.caselist.list_cases(CaseFilter())
    assert page.total == 621 and len(page.rows) == 50
    row = page.rows[0]
    assert row["id_masked"] == "420105********0017" and row["phone_masked"] == "138****4567"
    assert row["worker"] == "刘晓燕"
    # a status set outside the console (the command line) shows after the next refresh
    u = recs[3]["case_uuid"]
    cs.db.decisions.set_status(u, "routed", department="公安", actor="cli")
    assert cs.readmodel.refresh() == 1
    [r] = cs.caselist.case_summary([u])
    assert (r["district_status"], r["department"]) == ("routed", "公安")
    assert cs.caselist.list_cases(CaseFilter(department="公安")).total == 1
    assert cs.caselist.list_cases(CaseFilter(status="open")).total == 621
    assert cs.caselist.list_cases(CaseFilter(overdue="overdue")).total == 1  # the 40-day-old one
    # searches: full ID, phone, receipt prefix, name prefix, uuid
    assert cs.caselist.list_cases(CaseFilter(q="420105194501010017")).total == 621
    assert cs.caselist.list_cases(CaseFilter(q="13871234567")).total == 621
    assert cs.caselist.list_cases(CaseFilter(q="138712")).total == 0  # never a partial phone search
    assert cs.caselist.list_cases(CaseFilter(q=recs[7]["payload"]["receipt_no"])).total == 1
    assert cs.caselist.list_cases(CaseFilter(q="王61")).total == 11  # 王61, 王610..王619
    assert cs.caselist.list_cases(CaseFilter(q=u)).total == 1
    # the export walk sees every row once, newest first
    seen = [r["uuid"] for chunk in cs.caselist.iter_cases(CaseFilter(), chunk=100) for r in chunk]
    assert len(seen) == len(set(seen)) == 621


def test_dashboard_and_callbacks(cs: ConsoleStore) -> None:
    recs = [_record(i) for i in range(6)]
    _push(cs, recs)
    for r, level in zip(recs, (5, 4, 3, 2, 1, 1), strict=True):
        rating = {"uuid": r["case_uuid"], "level": level, "reason": "慢" if level < 3 else "",
                  "rated_at": "2026-11-20T08:00:00.000+00:00"}
        _push(cs, [{"id": 100, "kind": "rating", "case_uuid": r["case_uuid"], "revision": 1,
                    "payload": rating}])
    cs.readmodel.refresh()
    d = cs.dashboard()
    assert sum(r[-2] for r in d["by_item"]) == 6 and sum(r[-1] for r in d["by_item"]) == 6
    assert d["by_worker"] == [("HY-QL01", "刘晓燕", 6, 6)]
    assert d["backlog"] == {"received": 6}
    assert d["ratings"] == {5: 1, 4: 1, 3: 1, 2: 1, 1: 2}
    assert d["callbacks_open"] == 3
    tasks = cs.callbacks.page("open").rows
    assert {t["level"] for t in tasks} == {1, 2}
    received = local_date(tasks[0]["received_at"])
    assert tasks[0]["due_date"] == add_working_days(received, 1).day.isoformat()
    cs.callbacks.close(tasks[0]["case_uuid"], "已解释说明", "已电话联系", "reviewer")
    assert cs.dashboard()["callbacks_open"] == 2
    assert cs.callbacks.get(tasks[0]["case_uuid"])["state"] == "done"  # type: ignore[index]
    assert cs.audit.verify() is None
