"""PIN quick unlock with the district's key share (issue 7).

A desk protected by the worker's password may also be unlocked with a 6-digit PIN — but
only with the key share the district hands over, so a stolen laptop's PIN cannot be
guessed offline; the district stops serving the share after five wrong PINs and for a
revoked desk. Real district server on a loopback port, SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sync_helpers import District, enroll, new_case

from desk.core import keyring
from desk.core.app import DeskContext
from sync import protocol as P
from sync.client.pin import fetch_key_share, remove_pin, set_pin
from sync.district.storage import desk_keys

PASSWORD = "qiliyi-2026"
PIN = "470913"


@pytest.fixture
def protected(district: District, tmp_path: Path) -> Any:
    """An enrolled, password-protected desk with one case and a PIN; closed again."""
    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data), password=PASSWORD)
    ctx.settings.desk_code = "HY-QL01"
    ctx.save_settings()
    enroll(district, ctx)
    case = new_case(ctx, applicant_name="欧阳雪梅")
    assert set_pin(ctx, PIN) == {"pin": True, "tries": P.PIN_TRIES}
    desk_id = ctx.store.get_meta("desk_id")
    ctx.close()
    return {"data": data, "uuid": case["uuid"], "desk_id": desk_id}


def _share(district: District, desk_id: str) -> str | None:
    with district.storage.read() as conn:
        row = conn.execute(select(desk_keys.c.key_share).where(
            desk_keys.c.desk_id == desk_id)).first()
    return row.key_share if row else None


def _open(data: Path, secret: str) -> Any:
    return DeskContext.open(str(data), password=secret, fetch_share=fetch_key_share)


def test_pin_opens_the_desk_with_the_districts_share(district: District,
                                                     protected: dict[str, Any]) -> None:
    ctx = _open(protected["data"], PIN)
    try:
        assert ctx.store.get_case(protected["uuid"])["applicant_name"] == "欧阳雪梅"
    finally:
        ctx.close()
    # the password keeps working (offline, too)
    _open(protected["data"], PASSWORD).close()


def test_share_is_nowhere_on_the_desk_and_the_pin_alone_opens_nothing(
        district: District, protected: dict[str, Any]) -> None:
    share = _share(district, protected["desk_id"])
    assert share is not None
    raw = bytes.fromhex(share)
    needles = [share.encode(), share.upper().encode(), raw, base64.b64encode(raw)]
    for f in protected["data"].rglob("*"):
        if f.is_file():
            blob = f.read_bytes()
            assert not any(n in blob for n in needles), f"key share found in {f}"
    # what a thief holds: keyring.json and the right PIN — the wrap does not open
    pin = json.loads((protected["data"] / "keyring.json").read_text())["pin"]
    pin_key = keyring._derive(PIN, base64.b64decode(pin["salt"]), pin["kdf"])
    wrapped, tag = base64.b64decode(pin["wrapped_key"]), base64.b64decode(pin["tag"])
    for guess in (b"\0" * 32, hashlib.sha256(pin_key).digest(), pin_key):
        assert keyring._unwrap(keyring._pin_kek(pin_key, guess), wrapped, tag) is None
    assert keyring._unwrap(keyring._pin_kek(pin_key, raw), wrapped, tag) is not None


def test_five_wrong_pins_lock_the_share_until_the_password_sets_a_new_pin(
        district: District, protected: dict[str, Any]) -> None:
    data = protected["data"]
    for left in range(P.PIN_TRIES - 1, 0, -1):
        with pytest.raises(keyring.KeyringError) as e:
            _open(data, "902614")
        assert e.value.kind == "wrong_pin" and f"{left}次" in e.value.message
    from sync.district.console.store import ConsoleStore

    console = ConsoleStore(district.storage)
    [row] = console.desks_overview()
    assert row["pin"] == "set" and row["pin_failures"] == P.PIN_TRIES - 1
    with pytest.raises(keyring.KeyringError) as e:
        _open(data, "902614")
    assert e.value.kind == "pin_locked"
    [row] = console.desks_overview()
    assert row["pin"] == "locked"  # what the district admin sees on the desks page
    assert not keyring.has_pin(data)  # the useless wrap is gone; the password remains
    # the desk counted the four wrong PINs towards its own lockout as well
    assert json.loads((data / "keyring.json").read_text())["failures"] == P.PIN_TRIES - 1
    # the district refuses even the right proof while locked
    with district.storage.read() as conn:
        row = conn.execute(select(desk_keys)).mappings().first()
    assert row is not None and row["locked_at"] and row["failures"] == P.PIN_TRIES
    ctx = _open(data, PASSWORD)
    try:
        set_pin(ctx, "582046")  # a new share, failures cleared
    finally:
        ctx.close()
    _open(data, "582046").close()


def test_revoked_desk_gets_no_share(district: District, protected: dict[str, Any]) -> None:
    district.storage.desks.revoke(protected["desk_id"])
    assert _share(district, protected["desk_id"]) is None  # deleted, not just refused
    with pytest.raises(keyring.KeyringError) as e:
        _open(protected["data"], PIN)
    assert e.value.kind == "revoked" and "停用" in e.value.message
    assert not keyring.has_pin(protected["data"])
    _open(protected["data"], PASSWORD).close()


def test_offline_pin_says_use_the_password(district: District,
                                           protected: dict[str, Any]) -> None:
    district.stop()
    with pytest.raises(keyring.KeyringError) as e:
        _open(protected["data"], PIN)
    assert e.value.kind == "offline" and "完整密码" in e.value.message
    assert keyring.has_pin(protected["data"])  # offline is not a wrong PIN
    assert json.loads((protected["data"] / "keyring.json").read_text())["failures"] == 0
    _open(protected["data"], PASSWORD).close()


def test_removing_the_pin_tells_the_district(district: District,
                                            protected: dict[str, Any]) -> None:
    ctx = _open(protected["data"], PASSWORD)
    try:
        assert remove_pin(ctx) == {"pin": False, "removed": True, "district_told": True}
    finally:
        ctx.close()
    assert _share(district, protected["desk_id"]) is None
    with pytest.raises(keyring.KeyringError) as e:
        _open(protected["data"], PIN)
    assert e.value.kind == "wrong_password"


def test_pin_and_password_rules() -> None:
    for bad in ("12345", "1234567", "abcdef", "111111", "123456", "987654", "１２３４５６"):
        with pytest.raises(keyring.KeyringError) as e:
            keyring.check_pin_rule(bad)
        assert e.value.kind == "weak"
    keyring.check_pin_rule(PIN)
    for bad in ("short", "12345678", "2026112233"):
        with pytest.raises(keyring.KeyringError) as e:
            keyring.check_password_rule(bad)
        assert e.value.kind == "weak"
    keyring.check_password_rule(PASSWORD)


def test_unprotected_or_unenrolled_desk_cannot_set_a_pin(district: District,
                                                         tmp_path: Path) -> None:
    plain = DeskContext.open(str(tmp_path / "plain"))
    try:
        enroll(district, plain)
        with pytest.raises(keyring.KeyringError) as e:
            set_pin(plain, PIN)
        assert e.value.kind == "no_password"
    finally:
        plain.close()
    lone = DeskContext.open(str(tmp_path / "lone"), password=PASSWORD)
    try:
        from sync.client.errors import AuthError

        with pytest.raises(AuthError):
            set_pin(lone, PIN)
    finally:
        lone.close()


def test_a_pin_without_the_sync_client_asks_for_the_password(district: District,
                                                              protected: dict[str, Any]
                                                              ) -> None:
    """The core never reaches up into the sync client for the key share: an opener that
    gives no share fetcher gets a clear refusal for a PIN — not counted as a wrong try,
    the PIN kept — and the password still opens the desk."""
    data = protected["data"]
    with pytest.raises(keyring.KeyringError) as e:
        DeskContext.open(str(data), password=PIN)
    assert e.value.kind == "offline" and "完整密码" in e.value.message
    assert keyring.has_pin(data)
    assert json.loads((data / "keyring.json").read_text())["failures"] == 0
    DeskContext.open(str(data), password=PASSWORD).close()


def test_command_line_sets_the_pin_and_unlocks_with_it(district: District,
                                                       tmp_path: Path) -> None:
    data = tmp_path / "cli-desk"
    env = {**os.environ, "DOORSTEP_DATA_DIR": str(data), "DOORSTEP_PASSWORD": PASSWORD}

    def cli(*args: str, stdin: str = "", **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "desk.cli", *args], input=stdin,
                              capture_output=True, text=True, timeout=120, check=False,
                              env={**env, **extra})

    assert cli("demo", "--cases", "3").returncode == 0
    r = cli("pin", "set", stdin=PIN + "\n")
    assert r.returncode == 1 and "enroll" in r.stderr and "Traceback" not in r.stderr
    r = cli("enroll", "--server", district.url, "--code", district.code())
    assert r.returncode == 0, r.stderr
    r = cli("pin", "set", stdin="123456\n")
    assert r.returncode == 2 and r.stderr.startswith("pin: [weak]")
    r = cli("pin", "set", stdin=PIN + "\n")
    assert r.returncode == 0 and json.loads(r.stdout)["pin"] is True, r.stderr
    r = cli("cases", "--json", DOORSTEP_PASSWORD=PIN)
    assert r.returncode == 0 and len(json.loads(r.stdout)) == 3, r.stderr
    r = cli("cases", "--json", DOORSTEP_PASSWORD="902614")
    assert r.returncode == 1 and "PIN 不正确" in r.stderr
    r = cli("pin", "remove")
    assert r.returncode == 0 and json.loads(r.stdout)["removed"] is True


@pytest.mark.parametrize(("url", "secure"), [
    ("https://district.hanyang.example", True), ("https://10.1.2.3:8443/", True),
    ("http://127.0.0.1:8000", True), ("http://127.8.9.10", True), ("http://[::1]:8000", True),
    ("http://localhost:8000", True), ("http://district.hanyang.example", False),
    ("http://192.168.1.5:8000", False), ("http://127.0.0.1.nip.io", False),
    ("HTTP://district.example", False), ("ftp://127.0.0.1", False), ("", False),
    ("https://", False)])
def test_which_district_addresses_may_carry_the_pin(url: str, secure: bool) -> None:
    from sync.client.pin import is_secure

    assert is_secure(url) is secure


def test_pin_never_travels_over_plain_http(district: District,
                                          protected: dict[str, Any]) -> None:
    """The key share is in the district's answer: over plain http whoever records it once
    could try a stolen laptop's PIN offline. A district not on https (loopback excepted)
    gets no PIN request at all — to unlock or to set one — and the password still works."""
    data = protected["data"]
    share = _share(district, protected["desk_id"])
    path = data / "keyring.json"
    state = json.loads(path.read_text())
    state["pin"]["server_url"] = "http://district.hanyang.example:8000"
    path.write_text(json.dumps(state))
    with pytest.raises(keyring.KeyringError) as e:
        _open(data, PIN)
    assert e.value.kind == "insecure", e.value.message
    assert "https://" in e.value.message and "完整密码" in e.value.message
    assert keyring.has_pin(data)  # not a wrong PIN: nothing counted, nothing dropped
    assert json.loads(path.read_text())["failures"] == 0
    ctx = _open(data, PASSWORD)
    try:
        ctx.store.set_meta("server_url", "http://192.168.10.5:8000")
        with pytest.raises(keyring.KeyringError) as e:
            set_pin(ctx, "582046")
        assert e.value.kind == "insecure" and "https://" in e.value.message
    finally:
        ctx.close()
    assert _share(district, protected["desk_id"]) == share  # the district saw nothing
    env = {**os.environ, "DOORSTEP_PASSWORD": PIN}
    r = subprocess.run([sys.executable, "-m", "desk.cli", "--data-dir", str(data), "cases",
                        "--json"], capture_output=True, text=True, timeout=120, check=False,
                       env=env)
    assert r.returncode == 1 and "https://" in r.stderr and "Traceback" not in r.stderr
