"""The desk's clock: China Standard Time whatever the laptop's zone, and a wrong clock
never lets the desk's dates go backwards silently (issue 24)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import one_resident_each

from desk.cli import main
from desk.core import clock
from desk.core.app import DeskContext
from desk.core.clockcheck import ClockInDoubt
from desk.core.errors import DeskError
from forms.catalog import load_catalog
from forms.ids import id_check_digit

CST_0730 = "2026-12-03T23:30:00Z"  # 07:30 Beijing time on 2026-12-04


def _cli(data_dir: Path, tz: str, *args: str, fake: str = CST_0730) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TZ=tz, DOORSTEP_FAKE_NOW=fake)
    return subprocess.run([sys.executable, "-m", "desk.cli", "--data-dir", str(data_dir), *args],
                          env=env, capture_output=True, text=True, timeout=120, check=False)


def _example(tmp_path: Path, code: str = "MZ-GLJT", **changes: Any) -> Path:
    body = dict(load_catalog().get(code).example, **changes)
    body = one_resident_each(load_catalog().get(code), body, changes)  # issue 23
    f = tmp_path / f"{code}-{len(list(tmp_path.iterdir()))}.json"
    f.write_text(json.dumps(body, ensure_ascii=False), "utf-8")
    return f


@pytest.mark.parametrize("tz", ["UTC", "Asia/Shanghai", "America/Los_Angeles"])
def test_same_instant_same_dates_whatever_the_laptop_zone(tmp_path: Path, tz: str) -> None:
    data = tmp_path / "desk"
    done = _cli(data, tz, "setup", "--desk-code", "HY-TZ01", "--worker", "刘晓燕")
    assert done.returncode == 0, done.stderr
    done = _cli(data, tz, "new", "--item", "MZ-GLJT", "--json", str(_example(tmp_path)))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["accepted_date"] == "2026-12-04"
    assert out["receipt_no"] == "HY-TZ01-20261204-0001"
    assert out["promised_date"] == "2026-12-18"  # 10 working days from Friday 12-04
    listed = _cli(data, tz, "cases", "--json")
    (case,) = json.loads(listed.stdout)
    assert case["created_at"].startswith("2026-12-04T07:30")
    assert case["created_at"].endswith("+08:00")  # stored timestamps carry their offset


def test_zone_is_a_desk_setting(desk: Any) -> None:
    desk.settings.time_zone = "Mars/Olympus"
    assert "time_zone" in desk.settings.problems()
    desk.settings.time_zone = "Asia/Urumqi"
    assert "time_zone" not in desk.settings.problems()
    clock.configure("Asia/Urumqi")
    try:
        with clock.use(datetime(2026, 12, 3, 17, 30, tzinfo=UTC)):
            assert clock.today() == date(2026, 12, 3)  # 23:30 in Urumqi (UTC+6)
    finally:
        clock.configure("Asia/Shanghai")
    with clock.use(datetime(2026, 12, 3, 17, 30, tzinfo=UTC)):
        assert clock.today() == date(2026, 12, 4)  # 01:30 in Beijing


# -- a wrong clock ------------------------------------------------------------------------


def at(day: str, hour: int = 10) -> datetime:
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, hour - 8, 0, tzinfo=UTC)  # hour Beijing time


@pytest.fixture
def ready(capsys: Any, data_dir: Path) -> Path:
    with clock.use(at("2026-12-02")):
        assert main(["--data-dir", str(data_dir), "setup", "--desk-code", "HY-DR01",
                     "--worker", "刘晓燕"]) == 0
    capsys.readouterr()
    return data_dir


def _synced_on(data_dir: Path, day: str) -> None:
    """The desk heard the district's clock on ``day`` (as a sync round records it)."""
    ctx = DeskContext.open(str(data_dir))
    try:
        ctx.store.clock.record_district_time(at(day).astimezone(UTC).isoformat(timespec="seconds"))
    finally:
        ctx.close()


def new(capsys: Any, data_dir: Path, f: Path, when: datetime, *extra: str) -> tuple[int, dict[str, Any], str]:
    with clock.use(when):
        code = main(["--data-dir", str(data_dir), "new", "--item", "MZ-GLJT", "--json", str(f),
                     *extra])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else {}), err


def _cases(capsys: Any, data_dir: Path) -> list[dict[str, Any]]:
    assert main(["--data-dir", str(data_dir), "cases", "--json"]) == 0
    return list(json.loads(capsys.readouterr().out))


def _audit(data_dir: Path, action: str) -> list[dict[str, Any]]:
    import sqlite3

    conn = sqlite3.connect(data_dir / "desk.sqlite3")
    try:
        rows = conn.execute("SELECT actor, detail_json FROM audit WHERE action = ?",
                            [action]).fetchall()
    finally:
        conn.close()
    return [{"actor": a, **json.loads(d)} for a, d in rows]


def test_clock_years_behind_is_refused_with_the_last_sync_date(capsys: Any, ready: Path,
                                                               tmp_path: Path) -> None:
    _synced_on(ready, "2026-12-02")
    f = _example(tmp_path)
    code, _, err = new(capsys, ready, f, at("2024-03-01"))
    assert code == 1
    assert "本机日期可能不正确：上次与区级同步是 2026-12-02" in err
    assert "2024-03-01" in err and "Traceback" not in err
    # confirming the clock's own date does not help: never dated before the district's time
    code, _, err = new(capsys, ready, f, at("2024-03-01"), "--confirm-date", "2024-03-01")
    assert code == 1 and "早于上次与区级同步的日期 2026-12-02" in err
    assert _cases(capsys, ready) == []  # nothing saved
    # the clock is right again: nothing to repair
    code, out, err = new(capsys, ready, f, at("2026-12-04"))
    assert code == 0, err
    assert out["receipt_no"] == "HY-DR01-20261204-0001"


def test_clock_behind_the_newest_case_asks_for_confirmation(capsys: Any, ready: Path,
                                                            tmp_path: Path) -> None:
    f = _example(tmp_path)
    code, _, err = new(capsys, ready, f, at("2026-12-02"))
    assert code == 0, err
    code, _, err = new(capsys, ready, f, at("2026-11-20"))
    assert code == 1 and "本机最近一次记录是 2026-12-02" in err
    code, _, err = new(capsys, ready, f, at("2026-11-20"), "--confirm-date", "2026-11-21")
    assert code == 1 and "与本机日期 2026-11-20 不符" in err
    f = _example(tmp_path)  # each saved case its own resident: 高龄津贴 is once (issue 23)
    code, out, err = new(capsys, ready, f, at("2026-11-20"), "--confirm-date", "2026-11-20")
    assert code == 0, err
    assert out["accepted_date"] == "2026-11-20"
    (entry,) = _audit(ready, "clock.confirm")
    assert entry["actor"] == "刘晓燕" and entry["day"] == entry["clock_day"] == "2026-11-20"
    assert "本机日期可能不正确" in entry["reason"]
    # confirmed for that day: later cases that day go through without the flag
    code, _, err = new(capsys, ready, _example(tmp_path), at("2026-11-20", 15))
    assert code == 0, err
    # the next day with the clock still behind: asked again
    code, _, err = new(capsys, ready, f, at("2026-11-21"))
    assert code == 1
    assert main(["--data-dir", str(ready), "audit", "verify"]) == 0
    capsys.readouterr()


def test_clock_months_ahead_is_refused_until_confirmed(capsys: Any, ready: Path,
                                                       tmp_path: Path) -> None:
    _synced_on(ready, "2026-12-02")
    f = _example(tmp_path)
    code, _, err = new(capsys, ready, f, at("2027-06-01"))
    assert code == 1
    assert "本机日期可能不正确：上次与区级同步是 2026-12-02" in err
    assert "181 天" in err and "60 天" in err
    code, out, err = new(capsys, ready, f, at("2027-06-01"), "--confirm-date", "2027-06-01")
    assert code == 0, err
    assert out["receipt_no"] == "HY-DR01-20270601-0001"
    # within the plausible offline period: no question asked
    code, out, err = new(capsys, ready, _example(tmp_path), at("2027-01-20"))
    assert code == 0, err  # the ahead-dated case does not make a right clock doubtful
    # the period is a setting
    ctx = DeskContext.open(str(ready))
    ctx.settings.plausible_offline_days = 30
    ctx.save_settings()
    ctx.close()
    code, _, err = new(capsys, ready, f, at("2027-01-20", 16))
    assert code == 1 and "30 天" in err


def _born_80_on(day: date) -> str:
    body = f"420105{day.year - 80:04d}{day.month:02d}{day.day:02d}001"
    return body + id_check_digit(body)


def test_confirmed_date_drives_every_date(desk: Any) -> None:
    """A window-style confirmation of the real date while the clock reads 2024: acceptance,
    age check, promised date, 容缺 due date and receipt day use the confirmed date."""
    desk.store.clock.record_district_time("2026-12-02T02:00:00+00:00")
    item = load_catalog().get("MZ-GLJT")
    body = dict(item.example, applicant_id=_born_80_on(date(2026, 12, 4)),
                materials=["居民身份证", "户口簿"])  # photo and card deferred (容缺)
    with clock.use(at("2024-03-01")):
        doubt = desk.desk_day.pending()
        assert doubt is not None and doubt.kind == "behind"
        assert not doubt.clock_confirmable
        with pytest.raises(ClockInDoubt):
            desk.cases.submit("MZ-GLJT", body, desk.actor())
        with pytest.raises(DeskError, match="早于上次与区级同步的日期"):
            desk.desk_day.confirm(date(2026, 11, 30), "刘晓燕")
        desk.desk_day.confirm(date(2026, 12, 4), "刘晓燕")
        assert desk.desk_day.pending() is None
        case = desk.cases.submit("MZ-GLJT", body, desk.actor())
    assert case["accepted_date"] == "2026-12-04"
    assert case["receipt_no"] == "HY-QL01-20261204-0001"
    assert case["promised_date"] == "2026-12-18"
    assert case["status"] == "deferred"
    mats = json.loads(case["materials_json"])
    assert mats["defer_due"] > "2026-12-04"
    warnings = json.loads(case["data_json"])["warnings"]
    # the age check counts on the confirmed day: 80 on 4 Dec 2026, not "under 80" as on the
    # clock's 1 Mar 2024; the "turns 80 this month" rule sees December, not March
    assert not any("未满" in w["message"] for w in warnings), warnings
    assert [w["message"][:10] for w in warnings] == ["老人本月年满80周岁"], warnings
    assert case["created_at"].startswith("2024-03-01")  # the desk's clock, as it read
    # the supply a day later on the same confirmed clock day keeps the confirmed date
    with clock.use(at("2024-03-01", 16)):
        done = desk.cases.supply_materials(case["uuid"], ["近期一寸免冠照片", "社保卡或本人银行卡"],
                                           desk.actor())
    supplied = [m.get("supplied_on") for m in json.loads(done["materials_json"])["missing"]]
    assert supplied == ["2026-12-04", "2026-12-04"]


def test_receipts_never_dated_before_the_last_district_time(desk: Any) -> None:
    desk.store.clock.record_district_time("2026-12-02T02:00:00+00:00")
    body = load_catalog().get("MZ-GLJT").example
    for day in ("2026-12-01", "2025-12-02", "2024-03-01"):
        with clock.use(at(day)), pytest.raises(ClockInDoubt, match="2026-12-02"):
            desk.cases.submit("MZ-GLJT", body, desk.actor())
    # an older district time never replaces a newer one
    desk.store.clock.record_district_time("2026-11-01T02:00:00+00:00")
    with clock.use(at("2026-12-01")), pytest.raises(ClockInDoubt):
        desk.cases.submit("MZ-GLJT", body, desk.actor())
    with clock.use(at("2026-12-02")):
        assert desk.cases.submit("MZ-GLJT", body, desk.actor())["accepted_date"] == "2026-12-02"


def test_notice_never_dated_before_the_last_district_time(desk: Any) -> None:
    import io

    from pypdf import PdfReader

    from desk.core.receipts import render_case_pdf
    from desk.core.receipts.documents import cn_date

    body = load_catalog().get("MZ-GLJT").example
    with clock.use(at("2026-12-02")):
        case = desk.cases.submit("MZ-GLJT", body, desk.actor())
    desk.store.clock.record_district_time("2026-12-02T02:00:00+00:00")
    with clock.use(at("2024-03-01")):
        pdf = render_case_pdf(desk, case, kind="notice")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert cn_date("2026-12-02") in text.replace("\n", "")
    assert cn_date("2024-03-01") not in text.replace("\n", "")


def test_a_desk_synced_before_the_upgrade_knows_the_district_time(desk: Any) -> None:
    """Its last complete round (desk clock) plus the kept offset to the district's clock."""
    # its clock read 18:00 Beijing on 12-01, the district's 14 hours later: 08:00 on 12-02
    desk.store.set_meta_many({"last_sync": "2026-12-01T10:00:00.000+00:00",
                              "clock_offset": str(14 * 3600.0)})
    body = load_catalog().get("MZ-GLJT").example
    with clock.use(at("2026-12-01")), pytest.raises(ClockInDoubt, match="2026-12-02"):
        desk.cases.submit("MZ-GLJT", body, desk.actor())
