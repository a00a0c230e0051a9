"""The district's configuration (issue 13): one typed class for every ``DOORSTEP_*``
variable the server, the command line and the console read; wrong values are refused
naming the variable and the rule; the app uses the settings it is given."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from sync_helpers import District

from sync import protocol as P
from sync.district import cli
from sync.district.app import create_app
from sync.district.config import ConfigError, DistrictSettings, load_settings

VARIABLES = ("DB", "TZ", "PUBLIC_URL", "MAX_ATTACHMENT", "VERIFY_RATE", "UNLOCK_RATE",
             "QUERY_RATE", "CALLBACK_WORKDAYS", "CONSOLE_INSECURE_COOKIES",
             "MATTER_SCHEDULE", "PROACTIVE_SCHEDULE", "BENCH_DISCARD")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in VARIABLES:
        monkeypatch.delenv(f"DOORSTEP_{name}", raising=False)
    return monkeypatch


def test_the_defaults_are_those_the_modules_had(clean_env: pytest.MonkeyPatch) -> None:
    s = load_settings()
    assert (s.db, s.tz, s.public_url) == (None, "Asia/Shanghai", "")
    assert (s.max_attachment, s.verify_rate, s.unlock_rate, s.query_rate) == (
        20 * 1024 * 1024, 60, 30, 30)
    assert (s.callback_workdays, s.console_insecure_cookies, s.bench_discard) == (
        1, False, False)
    assert (s.matter_schedule, s.proactive_schedule) == (60.0, 3600.0)


def test_the_environment_is_read_by_name_and_empty_is_unset(
        clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DOORSTEP_VERIFY_RATE", "7")
    clean_env.setenv("DOORSTEP_PUBLIC_URL", "  https://district.example/ ")
    clean_env.setenv("DOORSTEP_CONSOLE_INSECURE_COOKIES", "1")
    clean_env.setenv("DOORSTEP_MATTER_SCHEDULE", "0.2")
    clean_env.setenv("DOORSTEP_TZ", "")
    s = load_settings()
    assert s.verify_rate == 7 and s.public_url == "https://district.example/"
    assert s.console_insecure_cookies and s.matter_schedule == 0.2
    assert s.tz == "Asia/Shanghai"
    assert load_settings(verify_rate=9).verify_rate == 9  # given values win


def test_a_wrong_value_names_the_variable_and_the_rule(clean_env: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path) -> None:
    clean_env.setenv("DOORSTEP_VERIFY_RATE", "0")
    clean_env.setenv("DOORSTEP_TZ", "Mars/Olympus")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "DOORSTEP_VERIFY_RATE: [greater_than_equal]" in str(err.value)
    assert "DOORSTEP_TZ: [value_error]" in str(err.value) and "Mars/Olympus" in str(err.value)
    # the command line says so and exits 2, before it touches a database
    assert cli.main(["--db", f"sqlite:///{tmp_path / 'd.sqlite3'}", "audit", "verify"]) == 2
    assert "error: DOORSTEP_TZ: [value_error]" in capsys.readouterr().err
    assert not (tmp_path / "d.sqlite3").exists()
    clean_env.setenv("DOORSTEP_TZ", "Asia/Shanghai")
    clean_env.setenv("DOORSTEP_MAX_ATTACHMENT", "lots")
    with pytest.raises(ConfigError, match=r"DOORSTEP_MAX_ATTACHMENT: \[int_parsing\]"):
        create_app(f"sqlite:///{tmp_path / 'd.sqlite3'}")


def test_the_app_uses_the_settings_it_is_given(tmp_path: Path) -> None:
    """A district served with settings built in the test (no environment): its attachment
    cap and the public address it gives a desk at enrollment are those settings'."""
    settings = DistrictSettings(max_attachment=1000, public_url="https://district.example")
    district = District(f"sqlite:///{tmp_path / 'd.sqlite3'}", settings=settings)
    try:
        assert district.app.state.settings is settings
        assert district.app.state.limiters["verify"].per_minute == 60
        r = requests.put(district.url + P.PATH_ATTACHMENTS + "/" + "0" * 64,
                         params={"total": 1001}, data=b"x", timeout=30)
        assert r.status_code == 413 and r.json()["detail"] == {"cap": 1000}
        r = requests.post(district.url + P.PATH_ENROLL, timeout=30, json={
            "code": district.code(), "receipt_key": "ab" * 32})
        assert r.status_code == 200, r.text
        assert r.json()["public_url"] == "https://district.example"
    finally:
        district.stop()
