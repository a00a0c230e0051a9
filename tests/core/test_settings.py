"""Settings on disk: a damaged file is kept aside and reported, never silently replaced."""

from __future__ import annotations

import json
import re
import resource
import signal
from pathlib import Path
from typing import Any

import pytest

from desk.cli import main
from desk.core import settings as settings_mod
from desk.core.app import DeskContext
from desk.core.errors import DeskError

DAMAGED = ['{"desk_code": "HY-QL01", "worker_name": "刘晓', "\x00\x00\x00\x00", "[1, 2]",
           b"\xff\xfe{}"]


def _damage(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, "utf-8")


def _aside(data_dir: Path) -> list[Path]:
    return sorted(data_dir.glob("settings.json.damaged-*"))


@pytest.mark.parametrize("content", DAMAGED)
def test_damaged_settings_are_kept_aside_and_reported(data_dir: Path, capsys: Any,
                                                      content: str | bytes) -> None:
    assert main(["--data-dir", str(data_dir), "setup", "--desk-code", "HY-QL01",
                 "--worker", "刘晓燕"]) == 0
    capsys.readouterr()
    settings = data_dir / "settings.json"
    _damage(settings, content)
    damaged = settings.read_bytes()
    assert main(["--data-dir", str(data_dir), "cases", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == []
    (aside,) = _aside(data_dir)
    assert re.fullmatch(r"settings\.json\.damaged-\d{8}-\d{6}(-\d+)?", aside.name)
    assert aside.read_bytes() == damaged  # kept as it was, for support staff
    assert "设置文件已损坏" in err and aside.name in err and "setup" in err
    assert "Traceback" not in err
    # a valid settings file again; the next start says nothing more
    assert settings_mod.load_checked(settings)[1] is None
    assert main(["--data-dir", str(data_dir), "cases", "--json"]) == 0
    assert capsys.readouterr().err == ""
    assert len(_aside(data_dir)) == 1


def test_values_of_the_wrong_type_are_dropped_the_rest_kept(data_dir: Path) -> None:
    settings = data_dir / "settings.json"
    settings.write_text(json.dumps({"desk_code": "HY-QL01", "worker_name": "刘晓燕",
                                    "large_font": "yes", "idle_lock_minutes": "ten"},
                                   ensure_ascii=False), "utf-8")
    ctx = DeskContext.open(str(data_dir))
    try:
        assert (ctx.settings.desk_code, ctx.settings.worker_name) == ("HY-QL01", "刘晓燕")
        assert ctx.settings.large_font is False and ctx.settings.idle_lock_minutes == 10
        assert len(_aside(data_dir)) == 1 and ctx.notices
    finally:
        ctx.close()


def test_a_missing_settings_file_is_not_damage(data_dir: Path) -> None:
    ctx = DeskContext.open(str(data_dir))
    try:
        assert ctx.notices == [] and _aside(data_dir) == []
        assert ctx.settings.provisional
    finally:
        ctx.close()


def test_an_enrolled_desk_keeps_the_code_the_district_issued(data_dir: Path) -> None:
    """The desk code the district enrolled the desk under lives in the store too; a damaged
    (or lost) settings file brings it back instead of a new provisional code."""
    ctx = DeskContext.open(str(data_dir))
    # what sync.client.desk.enroll_desk stores (tests/sync covers the real enrollment)
    ctx.store.set_meta_many({"desk_id": "desk-1", "district_desk_code": "HY-QL07",
                             "server_url": "https://district.example"})
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL07", "刘晓燕"
    ctx.save_settings()
    ctx.close()
    _damage(data_dir / "settings.json", '{"desk_code": "HY-Q')
    again = DeskContext.open(str(data_dir))
    try:
        assert again.settings.desk_code == "HY-QL07"
        assert again.settings.server_url == "https://district.example"
        assert any("HY-QL07" in n for n in again.notices)
    finally:
        again.close()
    (data_dir / "settings.json").unlink()  # lost altogether
    third = DeskContext.open(str(data_dir))
    try:
        assert third.settings.desk_code == "HY-QL07"
    finally:
        third.close()


def test_settings_that_cannot_be_saved_leave_the_previous_file(data_dir: Path) -> None:
    settings = data_dir / "settings.json"
    settings_mod.save(settings, settings_mod.Settings(desk_code="HY-QL01"))
    before = settings.read_bytes()
    # the temporary file cannot be written: a 16-byte file size limit makes the write fail
    # (EFBIG) as a full disk would
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16, limit[1]))
    try:
        with pytest.raises(DeskError) as exc:
            settings_mod.save(settings, settings_mod.Settings(desk_code="HY-QL02"))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limit)
        signal.signal(signal.SIGXFSZ, previous)
    assert exc.value.kind == "settings_write" and "设置未保存" in exc.value.message
    assert settings.read_bytes() == before
    assert [p.name for p in data_dir.iterdir() if p.name.startswith("settings")] == \
        ["settings.json"]  # no temporary file left behind
