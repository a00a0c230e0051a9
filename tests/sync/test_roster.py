"""The proactive-service roster (issue 18): imported from the register's CSV/XLSX export,
checked row by row with every problem at once, only the columns rules need kept,
replaced wholesale, one resident deleted on request — audited; SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import xlsxwriter
from sqlalchemy import inspect, select

from forms.ids import id_check_digit
from sync.district import roster
from sync.district.console.store import ConsoleStore
from sync.district.storage import Storage

HEADER = ["姓名", "身份证号", "联系电话", "现住址", "小区", "网格", "低保", "独居", "已领高龄津贴",
          "工作单位"]


def ident(birth: str, n: int, female: bool = False) -> str:
    first17 = f"420105{birth}{n:02d}{2 if female else 1}"
    return first17 + id_check_digit(first17)


def rows() -> list[list[str]]:
    return [["王桂兰", ident("19450101", 1, True), "13812345678", "七里一村12栋502",
             "七里一村", "第三网格", "否", "是", "否", "无"],
            ["李建国", ident("19460515", 2), "13912345678", "七里一村3栋101", "七里一村",
             "第三网格", "是", "否", "是", "退休"],
            ["张秀英", ident("19600229", 3, True), "", "七里二村5栋", "七里二村", "第一网格",
             "", "", "", ""]]


def write_csv(path: Path, data: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    import csv

    with path.open("w", newline="", encoding=encoding) as f:
        csv.writer(f).writerows([HEADER, *data])
    return path


def _cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sync.district.cli", "--db", db_url,
                           "roster", *args], capture_output=True, text=True, timeout=120,
                          check=False)


def test_a_roster_keeps_only_what_rules_need_and_replaces_the_last(db_url: str,
                                                                  tmp_path: Path) -> None:
    st = Storage(db_url)
    try:
        out = roster.import_roster(st, write_csv(tmp_path / "r.csv", rows()), actor="t")
        assert out["rows"] == 3 and out["ignored_columns"] == ["联系电话", "工作单位"]
        with st.read() as conn:
            cols = {c["name"] for c in inspect(conn).get_columns("roster")}
            got = {r.id_number: r for r in conn.execute(select(roster.roster))}
        assert not {"phone", "联系电话", "work"} & cols
        assert "13812345678" not in json.dumps([tuple(r) for r in got.values()])
        li = got[ident("19460515", 2)]
        assert (li.birth_date, li.sex, li.compound) == ("1946-05-15", "男", "七里一村")
        assert json.loads(li.flags_json) == ["低保", "已领高龄津贴"]
        assert got[ident("19600229", 3, True)].birth_date == "1960-02-29"  # a leap day
        # the next export (one resident left the register) replaces the roster wholesale
        roster.import_roster(st, write_csv(tmp_path / "r2.csv", rows()[1:]), actor="t")
        summary = roster.roster_summary(st)
        assert summary["residents"] == 2
        assert summary["sample"][0]["name"].endswith("*")  # masked in lists
        assert "*" in summary["sample"][0]["id_number"]
    finally:
        st.close()


def test_every_problem_is_named_by_row_and_column_and_nothing_is_replaced(
        db_url: str, tmp_path: Path) -> None:
    st = Storage(db_url)
    try:
        roster.import_roster(st, write_csv(tmp_path / "good.csv", rows()), actor="t")
        bad = [*rows(),
            ["", ident("19500101", 4), "", "", "", "", "", "", "", ""],            # row 5
            ["赵六", "420105195001010000", "", "", "", "", "", "", "", ""],         # row 6
            ["钱七", ident("19450101", 1, True), "", "", "", "", "", "", "", ""],   # row 7
            ["孙八", ident("19510101", 5), "", "", "", "", "也许", "", "", ""]]      # row 8
        with pytest.raises(roster.RosterRefused) as err:
            roster.import_roster(st, write_csv(tmp_path / "bad.csv", bad), actor="t")
        said = [str(p) for p in err.value.checked.problems]
        assert said == ["第5行 姓名：姓名不能为空",
                        "第6行 身份证号：身份证号码校验位不正确，请核对是否输错",
                        "第7行 身份证号：与第2行是同一个身份证号",
                        "第8行 低保：应填“是”或“否”，不是“也许”"]
        assert roster.roster_summary(st)["residents"] == 3  # the last good roster stays
        out = roster.import_roster(st, write_csv(tmp_path / "bad.csv", bad), actor="t",
                                   skip_bad_rows=True)
        assert out["rows"] == 3 and out["skipped"] == 4
    finally:
        st.close()


def test_xlsx_gb18030_csv_and_the_command_line(db_url: str, tmp_path: Path) -> None:
    xlsx = tmp_path / "roster.xlsx"
    wb = xlsxwriter.Workbook(str(xlsx))
    ws = wb.add_worksheet("花名册")
    for r, line in enumerate([HEADER, *rows()]):
        for c, value in enumerate(line):
            ws.write_string(r, c, value)
    wb.close()
    ok = _cli(db_url, "import", str(xlsx), "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["rows"] == 3
    gbk = write_csv(tmp_path / "excel.csv", rows()[:1], encoding="gb18030")
    dry = _cli(db_url, "import", str(gbk), "--dry-run")
    assert dry.returncode == 0 and json.loads(dry.stdout)["rows"] == 1
    assert json.loads(_cli(db_url, "show").stdout)["residents"] == 3  # a dry run changes nothing
    bad = write_csv(tmp_path / "bad.csv", [["", "123", "", "", "", "", "", "", "", ""]])
    refused = _cli(db_url, "import", str(bad))
    assert refused.returncode == 2
    assert "第2行 姓名：姓名不能为空" in refused.stderr and "未导入" in refused.stderr
    wrong = _cli(db_url, "import", str(tmp_path / "roster.txt"))
    assert wrong.returncode == 2 and ".csv 或 .xlsx" in wrong.stderr
    gone = _cli(db_url, "delete", "--id-number", ident("19450101", 1, True))
    assert gone.returncode == 0 and json.loads(gone.stdout) == {"deleted": True}
    assert _cli(db_url, "delete", "--id-number", ident("19450101", 1, True)).returncode == 1
    st = Storage(db_url)
    try:
        actions = [e["action"] for e in ConsoleStore(st).audit.entries()]
        assert actions.count("roster.import") == 1 and actions.count("roster.delete") == 1
        assert roster.roster_summary(st)["residents"] == 2
    finally:
        st.close()
