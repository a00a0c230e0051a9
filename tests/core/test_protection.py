"""Residents' data on a lost laptop: encrypted store, worker password, lockout."""

from __future__ import annotations

import copy
import io
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from desk.cli import main
from desk.core import keyring, maintenance
from desk.core.app import DeskContext
from desk.core.keyring import KeyringError

TODAY = date(2026, 11, 23)
PASSWORD = "qiliyi-2026"
# unique strings that must never appear in any file of the data folder
SECRETS = [("司马懿鑫", "420105199001011235", "13912340987"),
           ("诸葛瑾瑶", "420105198512120025", "15807165432")]


def _save(ctx: DeskContext, name: str, idn: str, phone: str) -> dict[str, Any]:
    sub = copy.deepcopy(ctx.catalog.get("MZ-GLJT").example)
    sub.update(applicant_name=name, applicant_id=idn, applicant_phone=phone,
               remarks=f"{name}的备注")
    return ctx.cases.submit("MZ-GLJT", sub, ctx.actor(), today=TODAY)


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_ids_are_valid() -> None:
    from forms.ids import is_valid_id_number

    assert all(is_valid_id_number(s[1]) for s in SECRETS)


def test_stolen_laptop(tmp_path: Path, capsys: Any) -> None:
    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data), password=PASSWORD)
    ctx.settings.worker_name = "刘晓燕"
    uuids = [_save(ctx, *s)["uuid"] for s in SECRETS]
    ctx.store.apply_changes([{"seq": 1, "kind": "status", "case_uuid": uuids[0],
                              "status": "accepted", "note": "司马懿鑫 材料齐全"}], "1")
    assert ctx.store.list_cases(search="司马")  # the desk itself works normally
    maintenance.make_backup(ctx.store, ctx.paths)
    # leave the WAL un-checkpointed on purpose: it must be encrypted too
    blob = _all_bytes(data)
    for secret in SECRETS:
        for s in secret:
            assert s.encode() not in blob, s
            assert s.encode("utf-16-le") not in blob, s
    assert b"SQLite format 3" not in blob
    # opening without the key fails, with the stdlib driver and SQLCipher alike
    conn = sqlite3.connect(data / "desk.sqlite3")
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT * FROM cases").fetchall()
    conn.close()
    import sqlcipher3.dbapi2 as cipher

    conn = cipher.connect(str(data / "desk.sqlite3"))
    conn.execute("PRAGMA key = 'wrong'")
    with pytest.raises(cipher.DatabaseError):
        conn.execute("SELECT * FROM cases").fetchall()
    conn.close()
    ctx.close(maintenance=True)
    # the same folder opens with the password, and the backup restores encrypted
    again = DeskContext.open(str(data), password=PASSWORD)
    assert {r["uuid"] for r in again.store.list_cases()} == set(uuids)
    backups = maintenance.list_backups(again.paths)
    assert maintenance.check_backup(backups[0], again.store.key) == 2
    again.close()


def test_wrong_password_and_lockout(tmp_path: Path) -> None:
    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data), password=PASSWORD)
    ctx.close()
    with pytest.raises(KeyringError) as exc:
        DeskContext.open(str(data))
    assert exc.value.kind == "no_password"
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    for left in (4, 3, 2, 1):
        with pytest.raises(KeyringError) as exc:
            keyring.unlock(data, "000000", now=now)
        assert exc.value.kind == "wrong_password" and f"{left}次" in exc.value.message
    with pytest.raises(KeyringError) as exc:
        keyring.unlock(data, "000000", now=now)
    assert exc.value.kind == "locked_out"
    # even the right password is refused while locked out
    with pytest.raises(KeyringError) as exc:
        keyring.unlock(data, PASSWORD, now=now + timedelta(seconds=30))
    assert exc.value.kind == "locked_out"
    assert keyring.unlock(data, PASSWORD, now=now + timedelta(minutes=2))
    state = json.loads((data / "keyring.json").read_text())
    assert state["failures"] == 0 and state["locked_until"] is None


def test_weak_password_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyringError) as exc:
        DeskContext.open(str(tmp_path / "d"), password="123")
    assert exc.value.kind == "weak"


def test_protect_existing_desk_and_change_password(tmp_path: Path, capsys: Any,
                                                   monkeypatch: Any) -> None:
    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data))
    for s in SECRETS:
        _save(ctx, *s)
    maintenance.make_backup(ctx.store, ctx.paths)
    ctx.close()
    assert SECRETS[0][1].encode() in _all_bytes(data)  # plain before protection
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["--data-dir", str(data), "protect"]) == 0
    assert json.loads(capsys.readouterr().out) == {"protected": True, "cases": 2}
    blob = _all_bytes(data)
    for s in SECRETS:
        assert s[1].encode() not in blob and s[0].encode() not in blob
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{PASSWORD}\nnew-pass-99\n"))
    assert main(["--data-dir", str(data), "passwd"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("DOORSTEP_PASSWORD", "new-pass-99")
    assert main(["--data-dir", str(data), "cases", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    monkeypatch.setenv("DOORSTEP_PASSWORD", PASSWORD)
    assert main(["--data-dir", str(data), "cases", "--json"]) == 1
    assert "密码不正确" in capsys.readouterr().err


def test_cli_unlocks_from_password_file(tmp_path: Path) -> None:
    data = tmp_path / "desk"
    DeskContext.open(str(data), password=PASSWORD).close()
    pwfile = tmp_path / "pw.txt"
    pwfile.write_text(PASSWORD + "\n", "utf-8")
    pwfile.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if k != "DOORSTEP_PASSWORD"}
    env["DOORSTEP_PASSWORD_FILE"] = str(pwfile)
    proc = subprocess.run([sys.executable, "-m", "desk.cli", "--data-dir", str(data), "demo",
                           "--cases", "3"], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    env.pop("DOORSTEP_PASSWORD_FILE")
    proc = subprocess.run([sys.executable, "-m", "desk.cli", "--data-dir", str(data), "cases",
                           "--json"], env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 1 and "DOORSTEP_PASSWORD" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_keyring_wrap_is_authenticated_and_fresh(tmp_path: Path) -> None:
    key = keyring.create(tmp_path, PASSWORD)
    first = json.loads((tmp_path / "keyring.json").read_text())
    assert keyring.unlock(tmp_path, PASSWORD) == key
    keyring.change_password(tmp_path, PASSWORD, PASSWORD)  # same password, new wrap
    second = json.loads((tmp_path / "keyring.json").read_text())
    assert second["salt"] != first["salt"] and second["wrapped_key"] != first["wrapped_key"]
    assert keyring.unlock(tmp_path, PASSWORD) == key
    raw = bytearray(keyring._unb64(second["wrapped_key"]))
    raw[0] ^= 1  # a flipped bit in the wrapped key is caught by the tag
    second["wrapped_key"] = keyring._b64(bytes(raw))
    (tmp_path / "keyring.json").write_text(json.dumps(second))
    with pytest.raises(KeyringError):
        keyring.unlock(tmp_path, PASSWORD)
