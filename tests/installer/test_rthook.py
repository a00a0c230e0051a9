"""The frozen desk's runtime hook (installer/rthook_doorstep.py), run here as a script with a
made-up environment: what it sets before the application starts."""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path

import pytest

HOOK = Path(__file__).resolve().parents[2] / "installer" / "rthook_doorstep.py"
SET_BY_HOOK = ("DOORSTEP_RESOURCES", "PYPINYIN_NO_PHRASES", "QT_IM_MODULES", "IBUS_USE_PORTAL")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean environment (monkeypatch restores it) and an empty config folder."""
    for name in (*SET_BY_HOOK, "QT_IM_MODULE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(sys, "platform", "linux")
    return tmp_path / "config"


def _ibus_address_file(config: Path, address: str, pid: int) -> None:
    folder = config / "ibus" / "bus"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "0123456789abcdef-unix-0").write_text(
        f"# written by the input method\nIBUS_ADDRESS={address}\nIBUS_DAEMON_PID={pid}\n",
        encoding="utf-8")


FCITX5_ADDRESS = "unix:path=/run/user/1000/bus,guid=ab12,fcitx_random_string=0f1e2d"


def test_pypinyin_phrases_stay_off(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYPINYIN_NO_PHRASES", "")  # an inherited empty value
    runpy.run_path(str(HOOK))
    assert os.environ["PYPINYIN_NO_PHRASES"] == "1"


def test_fcitx5_gets_the_ibus_plugin_through_the_portal(
        env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_IM_MODULE", "fcitx")
    _ibus_address_file(env, FCITX5_ADDRESS, os.getpid())
    runpy.run_path(str(HOOK))
    assert os.environ["QT_IM_MODULES"] == "fcitx;ibus"
    assert os.environ["IBUS_USE_PORTAL"] == "1"


@pytest.mark.parametrize("case", ["no address file", "ibus-daemon", "fcitx5 gone",
                                  "ibus requested", "user's list", "windows"])
def test_input_method_left_alone(env: Path, monkeypatch: pytest.MonkeyPatch,
                                 case: str) -> None:
    monkeypatch.setenv("QT_IM_MODULE", "fcitx")
    if case != "no address file":
        address = "unix:path=/tmp/ibus" if case == "ibus-daemon" else FCITX5_ADDRESS
        gone = 2**22 + 1  # above Linux's pid_max: no such process
        _ibus_address_file(env, address, gone if case == "fcitx5 gone" else os.getpid())
    if case == "ibus requested":
        monkeypatch.setenv("QT_IM_MODULE", "ibus")
    if case == "user's list":
        monkeypatch.setenv("QT_IM_MODULES", "wayland;fcitx")
    if case == "windows":
        monkeypatch.setattr(sys, "platform", "win32")
    runpy.run_path(str(HOOK))
    assert os.environ.get("QT_IM_MODULES") == ("wayland;fcitx" if case == "user's list"
                                               else None)
    assert "IBUS_USE_PORTAL" not in os.environ
