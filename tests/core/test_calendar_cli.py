"""Issue 25: ``doorstep-desk calendar --json`` lists the years known and where each came
from; a stand-alone desk adds a year with one file in its data folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desk.cli import main
from tests.forms.calendar_2027 import (
    SOURCE_2027,
    notice_2027,
    package_without_2027,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.usefixtures("package_without_2027")


def _listing(capsys: Any, data_dir: Path) -> dict[int, dict[str, Any]]:
    assert main(["--data-dir", str(data_dir), "calendar", "--json"]) == 0
    return {r["year"]: r for r in json.loads(capsys.readouterr().out)}


def test_calendar_json_names_each_years_source_and_a_local_file_adds_a_year(
        capsys: Any, tmp_path: Path) -> None:
    data_dir = tmp_path / "desk"
    years = _listing(capsys, data_dir)
    assert set(range(2004, 2027)) <= set(years)
    assert years[2026]["source"] == "shipped" and years[2026]["exact"] is True
    assert years[2026]["holidays"] == 33 and years[2026]["workdays"] == 6
    (data_dir / "calendars").mkdir()
    (data_dir / "calendars" / "2027.json").write_text(
        json.dumps(notice_2027(), ensure_ascii=False), encoding="utf-8")
    years = _listing(capsys, data_dir)
    assert (years[2027]["source"], years[2027]["exact"], years[2027]["notice"]) == (
        "local", True, SOURCE_2027)
