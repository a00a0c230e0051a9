"""The command line, as scripts and the acceptance checks use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import one_resident_each

from desk.cli import main
from forms.catalog import load_catalog


def run(capsys: Any, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def ready_dir(capsys: Any, data_dir: Path) -> Path:
    """A data folder after first-run set-up (``new`` refuses before it)."""
    code, _, err = run(capsys, "--data-dir", str(data_dir), "setup", "--desk-code", "HY-QL01",
                       "--worker", "刘晓燕")
    assert code == 0, err
    return data_dir


def test_catalog_json(capsys: Any, data_dir: Path) -> None:
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "catalog", "--json")
    assert code == 0
    items = json.loads(out)
    assert len(items) >= 59
    gljt = next(i for i in items if i["code"] == "MZ-GLJT")
    assert gljt["kind"] == "promised" and gljt["promised_days"] == 10
    assert any(f["key"] == "applicant_id" and f["type"] == "id_number" for f in gljt["fields"])


def test_every_example_saves_through_new(capsys: Any, ready_dir: Path, tmp_path: Path) -> None:
    catalog = load_catalog()
    for item in catalog.items:
        f = tmp_path / f"{item.code}.json"
        f.write_text(json.dumps(item.example, ensure_ascii=False), "utf-8")
        code, out, err = run(capsys, "--data-dir", str(ready_dir), "new", "--item", item.code,
                             "--json", str(f))
        assert code == 0, (item.code, err)
        res = json.loads(out)
        assert res["status"] == "accepted", item.code
        assert res["uuid"] and res["receipt_no"]
        if item.kind == "promised":
            assert res["promised_date"] > res["accepted_date"]
    code, out, _ = run(capsys, "--data-dir", str(ready_dir), "cases", "--json")
    assert len(json.loads(out)) == len(catalog.items)


def test_invalid_input_exit_2_names_field_and_rule(capsys: Any, ready_dir: Path,
                                                    tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_text(json.dumps({"applicant_name": "王桂兰", "applicant_id": "110105194912310021",
                             "applicant_phone": "1387", "materials": ["居民身份证"]},
                            ensure_ascii=False), "utf-8")
    code, out, err = run(capsys, "--data-dir", str(ready_dir), "new", "--item", "MZ-GLJT",
                         "--json", str(f))
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert any(line.startswith("applicant_id: [check_digit]") for line in lines)
    assert any(line.startswith("applicant_phone: [phone]") for line in lines)
    assert any(line.startswith("residence: [required]") for line in lines)
    code, out, _ = run(capsys, "--data-dir", str(ready_dir), "cases", "--json")
    assert json.loads(out) == []


@pytest.mark.parametrize(("content", "rule"), [("{not json", "syntax"), ("[1, 2]", "type")])
def test_bad_json_file(capsys: Any, ready_dir: Path, tmp_path: Path, content: str,
                       rule: str) -> None:
    f = tmp_path / "x.json"
    f.write_text(content, "utf-8")
    code, _, err = run(capsys, "--data-dir", str(ready_dir), "new", "--item", "MZ-GLJT",
                       "--json", str(f))
    assert code == 2 and f"json: [{rule}]" in err


def test_unknown_item(capsys: Any, ready_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text("{}", "utf-8")
    code, _, err = run(capsys, "--data-dir", str(ready_dir), "new", "--item", "XX-NOPE",
                       "--json", str(f))
    assert code == 1 and "XX-NOPE" in err


def test_deferred_case_reports_promised_and_due(capsys: Any, ready_dir: Path,
                                                tmp_path: Path) -> None:
    sub = dict(load_catalog().get("MZ-GLJT").example)
    sub["materials"] = ["居民身份证", "户口簿"]
    f = tmp_path / "d.json"
    f.write_text(json.dumps(sub, ensure_ascii=False), "utf-8")
    code, out, _ = run(capsys, "--data-dir", str(ready_dir), "new", "--item", "MZ-GLJT",
                       "--json", str(f))
    res = json.loads(out)
    assert code == 0 and res["status"] == "deferred"
    assert res["missing_materials"] == ["近期一寸免冠照片", "社保卡或本人银行卡"]
    assert res["deferred_due_date"] <= res["promised_date"]


def _accepted_on(monkeypatch: Any, day: date) -> None:
    """The desk's clock (desk.core.clock) shows ``day``, 10:00 Beijing time."""
    from datetime import UTC, datetime

    from desk.core import clock

    at = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
    monkeypatch.setattr(clock, "_clock", clock.Clock(source=lambda: at))


def test_new_warns_when_promised_date_is_outside_the_official_calendar(
        capsys: Any, ready_dir: Path, tmp_path: Path, monkeypatch: Any) -> None:
    import chinese_calendar

    last_known = max(d.year for d in chinese_calendar.holidays)
    f = tmp_path / "c.json"
    f.write_text(json.dumps(load_catalog().get("MZ-GLJT").example, ensure_ascii=False), "utf-8")
    _accepted_on(monkeypatch, date(last_known, 3, 2))  # 10 working days, all in a known year
    code, out, _ = run(capsys, "--data-dir", str(ready_dir), "new", "--item", "MZ-GLJT",
                       "--json", str(f))
    res = json.loads(out)
    assert code == 0 and not any("按法定节日推算" in w for w in res["warnings"])
    _accepted_on(monkeypatch, date(last_known, 12, 24))  # counts into the unknown next year
    item = load_catalog().get("MZ-GLJT")  # another resident: 高龄津贴 is once (issue 23)
    f.write_text(json.dumps(one_resident_each(item, dict(item.example), {}),
                            ensure_ascii=False), "utf-8")
    code, out, _ = run(capsys, "--data-dir", str(ready_dir), "new", "--item", "MZ-GLJT",
                       "--json", str(f))
    res = json.loads(out)
    assert code == 0 and res["promised_date"].startswith(str(last_known + 1))
    flagged = [w for w in res["warnings"] if "按法定节日推算" in w]
    assert len(flagged) == 1 and res["promised_date"] in flagged[0]
    assert f"{last_known + 1}年法定节假日" in flagged[0]


def test_cases_json_carries_the_districts_note_and_department(
        capsys: Any, ready_dir: Path, tmp_path: Path) -> None:
    from desk.core.app import DeskContext

    f = tmp_path / "c.json"
    f.write_text(json.dumps(load_catalog().get("MZ-GLJT").example, ensure_ascii=False), "utf-8")
    code, out, _ = run(capsys, "--data-dir", str(ready_dir), "new", "--item", "MZ-GLJT",
                       "--json", str(f))
    uuid = json.loads(out)["uuid"]
    ctx = DeskContext.open(str(ready_dir))  # what a pull from the district applies
    ctx.store.sync.apply_changes([{"seq": 1, "kind": "status", "case_uuid": uuid,
                                   "status": "routed", "note": "请到区民政局窗口领取",
                                   "department": "区民政局", "at": "2026-11-25T09:00:00"}], "1")
    ctx.close()
    code, out, _ = run(capsys, "--data-dir", str(ready_dir), "cases", "--json")
    (row,) = json.loads(out)
    assert code == 0 and row["district_status"] == "routed"
    assert row["district_note"] == "请到区民政局窗口领取"
    assert row["district_department"] == "区民政局"


def test_demo_and_search(capsys: Any, data_dir: Path) -> None:
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "demo", "--cases", "300",
                       "--seed", "7")
    assert code == 0 and json.loads(out)["created"] == 300
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "cases", "--json")
    rows = json.loads(out)
    assert len(rows) == 300
    items = {r["item_code"] for r in rows}
    assert len(items) >= 30  # spread across the catalog
    for r in rows:
        assert "*" in r["applicant_id_masked"]  # masked in lists
    surname = rows[0]["applicant_name"][0]
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "cases", "--search", surname,
                       "--json")
    assert all(surname in r["applicant_name"] for r in json.loads(out))


def test_setup_validates(capsys: Any, data_dir: Path) -> None:
    code, _, err = run(capsys, "--data-dir", str(data_dir), "setup", "--desk-code", "bad code",
                       "--worker", "刘晓燕")
    assert code == 2 and "desk_code" in err
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "setup", "--desk-code", "HY-QL01",
                       "--worker", "刘晓燕")
    assert code == 0 and json.loads(out)["desk_code"] == "HY-QL01"


def test_new_before_setup_refuses_and_names_setup(capsys: Any, data_dir: Path,
                                                  tmp_path: Path) -> None:
    f = tmp_path / "c.json"
    f.write_text(json.dumps(load_catalog().get("MZ-GLJT").example, ensure_ascii=False), "utf-8")
    code, out, err = run(capsys, "--data-dir", str(data_dir), "new", "--item", "MZ-GLJT",
                         "--json", str(f))
    assert code == 1 and out == ""
    assert "doorstep-desk setup" in err and "Traceback" not in err
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "cases", "--json")
    assert json.loads(out) == []  # no case, no receipt number under a provisional code
    # a worker name alone is not enough while the desk code is the provisional one
    from desk.core.app import DeskContext

    ctx = DeskContext.open(str(data_dir))
    ctx.settings.worker_name = "刘晓燕"
    ctx.save_settings()
    ctx.close()
    code, _, err = run(capsys, "--data-dir", str(data_dir), "new", "--item", "MZ-GLJT",
                       "--json", str(f))
    assert code == 1 and "doorstep-desk setup" in err
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "setup", "--desk-code", "HY-QL01",
                       "--worker", "刘晓燕")
    code, out, err = run(capsys, "--data-dir", str(data_dir), "new", "--item", "MZ-GLJT",
                         "--json", str(f))
    assert code == 0, err
    assert json.loads(out)["receipt_no"].startswith("HY-QL01-")


def test_installed_entry_point_and_env_data_dir(tmp_path: Path) -> None:
    sub = dict(load_catalog().get("MZ-GLJT").example)
    f = tmp_path / "c.json"
    f.write_text(json.dumps(sub, ensure_ascii=False), "utf-8")
    env = dict(os.environ, DOORSTEP_DATA_DIR=str(tmp_path / "envdir"))
    subprocess.run([sys.executable, "-m", "desk.cli", "setup", "--desk-code", "HY-QL01",
                    "--worker", "刘晓燕"], env=env, capture_output=True, text=True,
                   timeout=120, check=True)
    proc = subprocess.run([sys.executable, "-m", "desk.cli", "new", "--item", "MZ-GLJT",
                           "--json", str(f)], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "envdir" / "desk.sqlite3").exists()
