"""``doorstep-district proactive run`` (issue 18): the items' rules over the roster, the list
per desk's compounds (who, item, why, by when), once per slot however many runs start at
once, idempotent, a handled resident not listed again; SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select, update

from forms.catalog import CATALOG_FILE, ITEMS_DIR, Catalog, CatalogError, parse_item
from forms.ids import id_check_digit
from forms.params import parse_params
from sync.district import proactive, roster
from sync.district.console.store import ConsoleStore
from sync.district.storage import Storage

HEADER = ["姓名", "身份证号", "现住址", "小区", "网格", "低保", "残疾", "已领高龄津贴", "联系电话"]
SHIPPED_PARAMS = parse_params(yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))["params"])
DAY = date(2026, 12, 1)  # first_of_next_month 2027-01-01, end_of_next_month 2027-01-31


def ident(birth: str, n: int) -> str:
    first17 = f"420105{birth}{n:02d}1"
    return first17 + id_check_digit(first17)


PEOPLE = {  # who → (birth, compound, 低保, 残疾, 已领高龄津贴)
    "八十整": ("19470101", "七里一村", "", "", ""),        # 80 on 2027-01-01: 高龄津贴
    "差一天": ("19470102", "七里一村", "", "", ""),        # 80 on 2027-01-02: not yet
    "已领取": ("19450505", "七里一村", "", "", "是"),      # 81, already paid: no
    "老寿星": ("19300303", "七里二村", "", "", ""),        # 96, never paid: 高龄津贴
    "认证甲": ("19601220", "七里二村", "", "", ""),        # 66, birthday in 30 days: 资格认证
    "认证乙": ("19610102", "七里二村", "", "", ""),        # birthday 2027-01-02: day 32, no
    "六十整": ("19670131", "七里三村", "", "", ""),        # 60 on 2027-01-31: 优待证
    "差一月": ("19670201", "七里三村", "", "", ""),        # 60 on 2027-02-01: no
    "困难残": ("19900101", "七里三村", "是", "是", ""),    # 残疾 and 低保: 困难残疾人补贴
    "只残疾": ("19900102", "七里三村", "", "是", ""),      # 残疾 only: no
    "同日领": ("19470101", "七里二村", "", "", "是"),      # 八十整's birthday, paid: no
}
EXPECTED = {("MZ-GLJT", "八十整"), ("MZ-GLJT", "老寿星"), ("RS-ZGRZ", "认证甲"),
            ("MZ-LNYD", "六十整"), ("CL-KNBT", "困难残")}


def load_catalog() -> Catalog:
    """The shipped items that carry rules (read one by one: other items may be mid-edit)."""
    codes = ("MZ-GLJT", "RS-ZGRZ", "MZ-LNYD", "CL-KNBT", "YB-JMCB")
    return Catalog("t.1", [parse_item(yaml.safe_load((ITEMS_DIR / f"{c}.yaml").read_text(
        encoding="utf-8")), c) for c in codes], params=SHIPPED_PARAMS)


def write_roster(path: Path, people: dict[str, tuple[str, ...]] = PEOPLE) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for n, (name, (birth, compound, dibao, canji, paid)) in enumerate(people.items()):
            w.writerow([name, ident(birth, n), f"{compound}{n + 1}栋", compound, "一网格",
                        dibao, canji, paid, "13800000000"])
    return path


def listed(st: Storage) -> list[dict[str, Any]]:
    with st.read() as conn:
        return [dict(r) for r in conn.execute(select(proactive.entries)
                                              .order_by(proactive.entries.c.id)).mappings()]


@pytest.fixture
def st(db_url: str, tmp_path: Path) -> Any:
    storage = Storage(db_url)
    roster.import_roster(storage, write_roster(tmp_path / "r.csv"), actor="t")
    yield storage
    storage.close()


def test_the_rules_list_who_why_and_by_when_under_the_desk_of_the_compound(st: Storage) -> None:
    proactive.set_compounds(st, "QL01", ["七里一村", "七里二村"])
    proactive.set_compounds(st, "QL02", ["七里三村"])
    out = proactive.run(st, load_catalog(), day=DAY, actor="t")
    assert out["ran"] and out["residents"] == len(PEOPLE)
    rows = listed(st)
    assert {(r["item_code"], r["name"]) for r in rows} == EXPECTED
    assert out["listed"] == len(EXPECTED)
    by = {(r["item_code"], r["name"]): r for r in rows}
    gljt = by[("MZ-GLJT", "八十整")]
    assert gljt["desk_code"] == "QL01" and gljt["due"] == "2027-01-31"
    assert gljt["cycle"] == "" and gljt["reason"].startswith("下月起年满80周岁")  # {param}
    zgrz = by[("RS-ZGRZ", "认证甲")]
    assert zgrz["due"] == "2026-12-31" and zgrz["cycle"] == "2026"
    assert by[("CL-KNBT", "困难残")]["desk_code"] == "QL02"
    assert "13800000000" not in json.dumps(rows, default=str)  # the roster never kept it


def test_a_rerun_adds_nothing_and_a_handled_resident_is_not_listed_again(st: Storage) -> None:
    first = proactive.run(st, load_catalog(), day=DAY, actor="t")
    again = proactive.run(st, load_catalog(), day=DAY, actor="t")
    assert first["ran"] and not again["ran"] and again["listed"] == 0
    assert len(listed(st)) == len(EXPECTED)
    with st.write() as conn:  # the desk answered for 八十整 and 认证甲
        conn.execute(update(proactive.entries).where(proactive.entries.c.name.in_(
            ["八十整", "认证甲"])).values(outcome="confirmed"))
    # the next day's run adds only who newly qualifies: the 1 January birthdays came within
    # 30 days (资格认证 of 八十整 and 同日领)
    nxt = proactive.run(st, load_catalog(), day=date(2026, 12, 2), actor="t")
    assert nxt["ran"] and nxt["listed"] == 2, nxt
    assert sorted((r["item_code"], r["name"]) for r in listed(st)[len(EXPECTED):]) == [
        ("RS-ZGRZ", "八十整"), ("RS-ZGRZ", "同日领")]
    # a year on the yearly 资格认证 comes round again; the once-only 高龄津贴 does not (差一天
    # is new to it: 80 on 2028-01-01)
    n = len(listed(st))
    year = proactive.run(st, load_catalog(), day=date(2027, 12, 1), actor="t")
    assert year["listed"] == 2
    assert sorted((r["item_code"], r["name"]) for r in listed(st)[n:]) == [
        ("MZ-GLJT", "差一天"), ("RS-ZGRZ", "认证甲")]
    assert [r["cycle"] for r in listed(st) if r["name"] == "认证甲"] == ["2026", "2027"]


def _with_rule(rule: str) -> Catalog:
    """The test catalog with CL-KNBT's rule replaced by ``rule``."""
    body = load_catalog().to_json()
    for it in body["items"]:
        if it["code"] == "CL-KNBT":
            it["proactive"]["rule"] = rule
    return Catalog.from_json(body)


def test_a_rule_on_sex_compound_and_grid_matches_residents_by_those_too(st: Storage) -> None:
    # 八十整 and 同日领 share a birth date: the run groups residents by what the rules read,
    # so a rule naming the compound must keep them apart
    catalog = _with_rule('compound == "七里二村" and grid == "一网格" and sex == "男" '
                         "and age >= 79")
    out = proactive.run(st, catalog, day=DAY, actor="t")
    got = {r["name"] for r in listed(st) if r["item_code"] == "CL-KNBT"}
    assert got == {"老寿星", "同日领"}
    assert out["by_item"]["CL-KNBT"] == 2 and out["residents"] == len(PEOPLE)


def test_a_run_that_fails_midway_leaves_nothing_and_the_next_one_runs(st: Storage) -> None:
    # a rule comparing a number with a text parameter fails on the first resident it meets,
    # after the run took its slot and began its list: nothing of it stays (no slot, no
    # entries, no temporary table on the pooled connection), and a good run then works
    with pytest.raises(TypeError):
        proactive.run(st, load_catalog(), day=DAY, actor="t", params={"gljt_min_age": "八十"})
    with st.read() as conn:
        assert conn.execute(select(proactive.runs)).all() == []
    assert listed(st) == []
    for _ in range(3):  # every pooled connection: a leftover temporary table would clash
        out = proactive.run(st, load_catalog(), day=DAY, actor="t")
        assert out["ran"] and out["listed"] == len(EXPECTED)
        with st.write() as conn:
            conn.execute(proactive.runs.delete())
            conn.execute(proactive.entries.delete())


def test_fifty_runs_at_once_make_one_list(db_url: str, st: Storage) -> None:
    catalog = load_catalog()
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []
    stores = [Storage(db_url) for _ in range(50)]  # 50 engines, as 50 server processes have
    go = threading.Barrier(50)

    def one(s: Storage) -> None:
        try:
            go.wait(timeout=120)
            results.append(proactive.run(s, catalog, day=DAY, actor="t"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    for s in stores:
        s.close()
    assert not errors, errors[:3]
    assert len(results) == 50 and sum(r["ran"] for r in results) == 1
    assert len(listed(st)) == len(EXPECTED)
    with st.read() as conn:
        assert conn.execute(select(proactive.runs)).all().__len__() == 1


def test_a_rule_that_cannot_run_is_refused_with_the_catalog() -> None:
    body = load_catalog().to_json()
    for it in body["items"]:
        if it["code"] == "MZ-GLJT":
            it["proactive"]["rule"] = "age_on(first_of_next_month) >= gljt_min_agee"
        if it["code"] == "RS-ZGRZ":
            it["proactive"]["due"] = "age + 30"
    with pytest.raises(CatalogError) as err:
        Catalog.from_json(body)
    assert "MZ-GLJT proactive.rule" in str(err.value) and "gljt_min_agee" in str(err.value)
    assert "RS-ZGRZ proactive.due" in str(err.value) and "不是日期" in str(err.value)


def _cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sync.district.cli", "--db", db_url,
                           "proactive", *args], capture_output=True, text=True, timeout=120,
                          check=False)


def test_the_command_line(db_url: str, st: Storage) -> None:
    st.close()
    bad = _cli(db_url, "run", "--month", "2026/12")
    assert bad.returncode == 2 and "--month" in bad.stderr and "YYYY-MM" in bad.stderr
    need = _cli(db_url, "compounds", "--set", "七里一村")
    assert need.returncode == 2 and "--desk-code" in need.stderr
    ok = _cli(db_url, "compounds", "--desk-code", "QL01", "--set", "七里一村", "七里二村")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["compounds"] == ["七里一村", "七里二村"]
    shown = json.loads(_cli(db_url, "compounds").stdout)
    assert shown == {"QL01": ["七里一村", "七里二村"]}
    ran = _cli(db_url, "run", "--month", "2026-12", "--json")
    assert ran.returncode == 0, ran.stderr
    out = json.loads(ran.stdout)
    assert out["slot"] == "2026-12-01" and out["ran"]
    assert json.loads(_cli(db_url, "run", "--month", "2026-12").stdout)["ran"] is False
    s2 = Storage(db_url)
    try:
        actions = [e["action"] for e in ConsoleStore(s2).audit.entries()]
        assert actions.count("proactive.run") == 1 and actions.count("proactive.compounds") == 1
    finally:
        s2.close()


def test_the_servers_schedule_runs_the_day_once_with_the_published_catalog(
        db_url: str, st: Storage) -> None:
    from sync.district.console.schema import local_today
    from sync.district.proactive_schedule import ProactiveSchedule

    st.catalogs.publish(load_catalog().to_json(), actor="t")
    others = [Storage(db_url) for _ in range(2)]  # two server processes' storages
    ticks = [ProactiveSchedule(s, ConsoleStore(s), interval=3600) for s in others]
    for t in ticks:
        t.start()
    try:
        for t in ticks:
            assert t.ticked.wait(120), "the schedule did not tick"
    finally:
        for t in ticks:
            t.stop()
        for s in others:
            s.close()
    results = [r for t in ticks for r in t.results]
    ran = [r for r in results if r is not None and r["ran"]]
    assert len(results) == 2 and len(ran) == 1
    assert ran[0]["slot"] == local_today().isoformat()
    assert {r["slot"] for r in listed(st)} == {ran[0]["slot"]}
    actions = [e["actor"] for e in ConsoleStore(st).audit.entries(action="proactive.run")]
    assert actions == ["schedule"]
