"""The proactive list reaches the desk and the answers flow back (issue 18), with a real
district server and a real desk: the run's entries for the desk's compounds come down with
the next sync (name, masked ID, address, item, reason, due — nothing more of the roster);
已确认 files a 免申 case prefilled from the list, 不需要 / 联系不上 / 已迁出 / 已故 / 上门服务
go back to the district (已迁出 and 已故 as roster corrections); an old desk that does not
name the kind never receives it; another desk's entry is refused."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from sync_helpers import District, enroll, new_case

from desk.core.errors import ValidationFailed
from desk.core.proactive import prefill
from forms.catalog import CATALOG_FILE, ITEMS_DIR, Catalog, parse_item
from forms.ids import id_check_digit, mask_id
from forms.params import parse_params
from sync import protocol as P
from sync.client.desk import client_for, sync_desk
from sync.district import proactive, roster

HEADER = ["姓名", "身份证号", "现住址", "小区", "网格", "低保", "残疾", "已领高龄津贴", "联系电话"]


def ident(birth: str, n: int) -> str:
    first17 = f"420105{birth}{n:02d}1"
    return first17 + id_check_digit(first17)


def _catalog() -> Catalog:
    params = parse_params(yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))["params"])
    return Catalog("t.1", [parse_item(yaml.safe_load((ITEMS_DIR / f"{c}.yaml").read_text(
        encoding="utf-8")), c) for c in ("MZ-GLJT", "CL-KNBT", "YB-JMCB")], params)


def _roster(tmp: Path) -> dict[str, str]:
    """Six residents who turn 80 by next month in 七里一村 (desk HY-QL01), one in 七里二村
    (HY-QL02); the 联系电话 column is never kept."""
    import csv

    born = (date.today().replace(day=1) - timedelta(days=80 * 366)).strftime("%Y%m%d")
    people = {f"居民{c}": ident(born, i) for i, c in enumerate("甲乙丙丁戊己")}
    path = tmp / "roster.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i, (name, number) in enumerate(people.items()):
            w.writerow([name, number, f"七里一村{i + 1}栋10{i}", "七里一村", "三网格", "", "",
                        "", "13812345678"])
        w.writerow(["别村民", ident(born, 9), "七里二村1栋", "七里二村", "一网格", "", "", "",
                    ""])
    return people


def _list_run(st: Any, tmp: Path) -> dict[str, str]:
    """The roster imported, 七里一村 given to HY-QL01 and the day's list run: the people."""
    people = _roster(tmp)
    roster.import_roster(st, tmp / "roster.csv", actor="t")
    proactive.set_compounds(st, "HY-QL01", ["七里一村"])
    proactive.run(st, _catalog(), day=date.today(), actor="t")
    return people


def test_the_list_reaches_the_desk_and_every_answer_flows_back(
        district: District, make_desk: Any, tmp_path: Path) -> None:
    st = district.storage
    people = _roster(tmp_path)
    roster.import_roster(st, tmp_path / "roster.csv", actor="t")
    proactive.set_compounds(st, "HY-QL01", ["七里一村"])
    proactive.set_compounds(st, "HY-QL02", ["七里二村"])
    ran = proactive.run(st, _catalog(), day=date.today(), actor="t")
    assert ran["by_item"]["MZ-GLJT"] == 7
    desk = make_desk("HY-QL01")
    other = make_desk("HY-QL02", "王芳")
    enroll(district, desk)
    enroll(district, other)
    out = sync_desk(desk)
    assert out["error"] is None and out["complete"], out
    listed = desk.store.proactive.proactive_list()
    assert sorted(e["name"] for e in listed) == sorted(people)  # not 别村民 (another desk's)
    first = listed[0]
    assert set(first) >= {"entry_id", "name", "id_masked", "address", "item_code", "reason",
                          "due", "no_signature"}
    assert "*" in first["id_masked"] and first["no_signature"] and first["item_code"] == "MZ-GLJT"
    assert "13812345678" not in json.dumps(listed, ensure_ascii=False)
    assert all(len(v) == 18 and v not in json.dumps(listed) for v in people.values())
    assert desk.store.proactive.proactive_counts() == {
        f"七里一村 {i + 1}栋": 1 for i in range(6)}
    # 已确认: the worker reads the card; a different person is refused, the right one fills
    # the form (免申), which is filed as a case and named in the answer
    by_name = {e["name"]: e for e in listed}
    e0 = by_name["居民甲"]
    item = desk.catalog.get("MZ-GLJT")
    with pytest.raises(ValidationFailed, match="不符"):
        prefill(item, e0, ident("19450101", 55))
    values = prefill(item, e0, people["居民甲"])
    assert values == {"applicant_name": "居民甲", "applicant_id": people["居民甲"],
                      "hukou_address": "七里一村1栋100"}
    case = new_case(desk, "MZ-GLJT", **values)
    desk.store.proactive.record_proactive_outcome(e0["entry_id"], "confirmed", worker="刘晓燕",
                                                  case_uuid=case["uuid"])
    with pytest.raises(ValidationFailed) as bad:  # every problem at once, nothing saved
        desk.store.proactive.record_proactive_outcome(by_name["居民乙"]["entry_id"], "declined",
                                                      worker="刘晓燕")
    assert "原因" in str(bad.value)
    with pytest.raises(ValidationFailed, match="上门日期"):
        desk.store.proactive.record_proactive_outcome(by_name["居民己"]["entry_id"], "home_visit",
                                                      worker="刘晓燕")
    visit = (date.today() + timedelta(days=3)).isoformat()
    answers = {"居民乙": ("declined", {"note": "子女已代为申请"}), "居民丙": ("unreachable", {}),
               "居民丁": ("moved", {"note": "已迁往武昌"}), "居民戊": ("deceased", {}),
               "居民己": ("home_visit", {"visit_date": visit})}
    for name, (outcome, kw) in answers.items():
        desk.store.proactive.record_proactive_outcome(by_name[name]["entry_id"], outcome,
                                                      worker="刘晓燕", **kw)
    left = {e["name"]: e["outcome_words"] for e in desk.store.proactive.proactive_list()}
    assert left == {"居民丙": "联系不上", "居民己": "上门服务"}  # still to go to
    out = sync_desk(desk)
    assert out["error"] is None and out["proactive_sent"] == 6, out
    assert desk.store.proactive.unsent_proactive_outcomes() == []
    with st.read() as conn:
        got = {r["name"]: r for r in conn.execute(select(proactive.entries)).mappings()}
        fixes = {r["kind"] for r in conn.execute(select(proactive.corrections)).mappings()}
    assert got["居民甲"]["outcome"] == "confirmed" and got["居民甲"]["case_uuid"] == case["uuid"]
    assert got["居民乙"]["outcome_note"] == "子女已代为申请"
    assert got["居民己"]["visit_date"] == visit and got["居民丙"]["outcome"] == "unreachable"
    assert fixes == {"moved", "deceased"}
    assert {c["id_number"] for c in proactive.roster_corrections(st)} == {
        mask_id(people["居民丁"]), mask_id(people["居民戊"])}
    # sending again changes nothing; the next run lists nobody again
    assert sync_desk(desk)["proactive_sent"] == 0
    again = proactive.run(st, _catalog(), day=date.today() + timedelta(days=1), actor="t")
    assert again["listed"] == 0
    # another desk cannot answer for this desk's residents (and learns nothing of them)
    with client_for(other) as c:
        resp = c.proactive_outcomes(P.ProactiveOutcomesRequest(outcomes=[P.ProactiveOutcome(
            entry_id=n, outcome="deceased", at=P.utc_now()) for n in (e0["entry_id"], 99999)]))
    theirs, nobodys = resp.results  # the same answer as for no entry at all
    assert theirs.result == nobodys.result == "rejected" and theirs.reason == nobodys.reason
    with st.read() as conn:
        assert conn.execute(select(proactive.entries.c.outcome).where(
            proactive.entries.c.id == e0["entry_id"])).scalar() == "confirmed"


def test_an_old_desk_never_receives_the_new_kind(district: District, make_desk: Any,
                                                 tmp_path: Path) -> None:
    st = district.storage
    _list_run(st, tmp_path)
    desk = make_desk("HY-QL01")
    enroll(district, desk)
    old_kinds = [k for k in P.CHANGE_KINDS if k != P.PROACTIVE_CHANGE]
    with client_for(desk) as c:
        resp = c._call(P.ChangesResponse, "GET", P.PATH_CHANGES,
                       params={"since": 0, "limit": 500, "kinds": ",".join(old_kinds)})
        assert all(ch.kind != P.PROACTIVE_CHANGE for ch in resp.changes)
        base = c._call(P.ChangesResponse, "GET", P.PATH_CHANGES,
                       params={"since": 0, "limit": 500})  # a protocol-1 desk names none
        assert {ch.kind for ch in base.changes} <= set(P.BASE_CHANGE_KINDS)
    with st.read() as conn:  # nothing was even told: the entries wait for a desk that asks
        assert conn.execute(select(proactive.entries.c.change_seq).where(
            proactive.entries.c.change_seq.is_not(None))).first() is None


def test_a_replacement_laptop_is_told_the_entries_still_open(
        district: District, make_desk: Any, tmp_path: Path) -> None:
    from sync.client.desk import enroll_desk

    st = district.storage
    people = _list_run(st, tmp_path)
    old = make_desk("HY-QL01")
    info = enroll(district, old)
    assert sync_desk(old)["error"] is None
    by_name = {e["name"]: e for e in old.store.proactive.proactive_list()}
    old.store.proactive.record_proactive_outcome(by_name["居民甲"]["entry_id"], "deceased",
                                                 worker="刘晓燕")
    old.store.proactive.record_proactive_outcome(by_name["居民乙"]["entry_id"], "unreachable",
                                                 worker="刘晓燕")
    assert sync_desk(old)["proactive_sent"] == 2
    new = make_desk("HY-QL01", "王芳")
    enroll_desk(new, district.url, st.desks.create_enroll_code(
        "HY-QL01", "七里一村社区流动办事点", replaces=info["desk_id"]))
    assert sync_desk(new)["error"] is None
    names = sorted(e["name"] for e in new.store.proactive.proactive_list())
    assert names == sorted(n for n in people if n != "居民甲")  # the open ones, 居民乙 too
