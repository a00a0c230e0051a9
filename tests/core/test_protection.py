"""Residents' data on a lost laptop: encrypted store, worker password, lockout."""

from __future__ import annotations

import copy
import io
import json
import os
import shutil
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


def _page() -> Any:
    from PIL import Image

    from desk.core.attachments import normalise

    buf = io.BytesIO()
    Image.effect_noise((600, 800), 50).convert("RGB").save(buf, "JPEG")
    return normalise(buf.getvalue(), "身份证.jpg")


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
    ctx.store.sync.apply_changes([{"seq": 1, "kind": "status", "case_uuid": uuids[0],
                                   "status": "accepted", "note": "司马懿鑫 材料齐全"}], "1")
    assert ctx.store.search.list_cases(search="司马")  # the desk itself works normally
    staged = ctx.store.attachments.stage_page("form-1", "居民身份证", _page())  # issue 17: not saved yet
    maintenance.make_backup(ctx.store, ctx.paths)
    # leave the WAL un-checkpointed on purpose: it must be encrypted too
    blob = _all_bytes(data)
    assert staged.data[200:264] not in blob and b"JFIF" not in blob
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
    assert {r["uuid"] for r in again.store.search.list_cases()} == set(uuids)
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


# -- issue 12: the data folder in use, nothing plain left by protect, parallel unlocks ------

ROOT = Path(__file__).parents[2]
HOLDER = Path(__file__).with_name("desk_holder.py")
IN_USE = "办事台正在使用中，请先关闭窗口"
ATTEMPTS = 50  # parallel unlock attempts
THIRD = ("欧阳雪梅", "420105193501010012", "13800001111")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_PASSWORD")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def _cli(data: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desk.cli", "--data-dir", str(data), *args],
                          input=stdin, env=_env(**env), capture_output=True, text=True,
                          timeout=300, check=False)


class Holder:
    """Another process keeping the desk open, as the window does (tests/core/desk_holder.py)."""

    def __init__(self, data: Path, **env: str) -> None:
        self.proc = subprocess.Popen([sys.executable, str(HOLDER), str(data)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=_env(**env))
        assert self.readline() == "open"

    def readline(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def ask(self, command: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.readline()

    def quit(self) -> None:
        try:
            if self.proc.poll() is None:
                assert self.ask("quit") == "closed"
            assert self.proc.wait(timeout=120) == 0
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            for pipe in (self.proc.stdin, self.proc.stdout):
                if pipe is not None:
                    pipe.close()


def _readable(blob: bytes) -> list[str]:
    return [s for secret in [*SECRETS, THIRD] for s in secret
            for enc in ("utf-8", "utf-16-le", "utf-16-be") if s.encode(enc) in blob]


def test_rekeying_refused_while_the_desk_is_open_elsewhere(tmp_path: Path) -> None:
    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data))
    _save(ctx, *SECRETS[0])
    backup = maintenance.make_backup(ctx.store, ctx.paths)
    ctx.close()
    holder = Holder(data)
    try:
        for args, stdin in ((["protect"], PASSWORD + "\n"), (["restore", str(backup)], ""),
                            (["purge"], "")):
            proc = _cli(data, *args, stdin=stdin)
            assert proc.returncode == 1, (args, proc.stdout, proc.stderr)
            assert IN_USE in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        assert not keyring.exists(data)
        # the window keeps working: a case saved after the refused protect is kept
        saved = holder.ask("save " + " ".join(SECRETS[1]))
        assert len(saved) == 36, saved
    finally:
        holder.quit()  # the day's (plain) backup on exit, as the window does
    proc = _cli(data, "protect", stdin=PASSWORD + "\n")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"protected": True, "cases": 2}
    assert _readable(_all_bytes(data)) == []
    # the protected desk open elsewhere: passwd refused, then fine once it is closed
    holder = Holder(data, DOORSTEP_PASSWORD=PASSWORD)
    try:
        proc = _cli(data, "passwd", stdin=f"{PASSWORD}\nnew-pass-99\n")
        assert proc.returncode == 1 and IN_USE in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
        saved_later = holder.ask("save " + " ".join(THIRD))
        assert len(saved_later) == 36, saved_later
    finally:
        holder.quit()
    assert _cli(data, "passwd", stdin=f"{PASSWORD}\nnew-pass-99\n").returncode == 0
    again = DeskContext.open(str(data), password="new-pass-99")
    assert {saved, saved_later} <= {r["uuid"] for r in again.store.search.list_cases()}
    assert len(again.store.search.list_cases()) == 3
    again.close()
    assert _readable(_all_bytes(data)) == []


def test_protect_refused_while_this_process_has_the_desk_open(tmp_path: Path, capsys: Any,
                                                             monkeypatch: Any) -> None:
    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data))
    _save(ctx, *SECRETS[0])
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["--data-dir", str(data), "protect"]) == 1
    assert IN_USE in capsys.readouterr().err
    ctx.close()
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["--data-dir", str(data), "protect"]) == 0
    assert json.loads(capsys.readouterr().out)["cases"] == 1


def test_a_store_replaced_underneath_refuses_to_write(tmp_path: Path) -> None:
    """The last guard when the folder lock is bypassed (a manual copy, another tool): the
    open store sees its file was replaced and saves nothing, backs up nothing."""
    from desk.core.errors import StoreError

    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data))
    _save(ctx, *SECRETS[0])
    other = tmp_path / "other.sqlite3"
    other.write_bytes(b"")
    other.replace(ctx.paths.db)
    with pytest.raises(StoreError) as exc:
        _save(ctx, *SECRETS[1])
    assert exc.value.kind == "replaced" and "另一个程序" in exc.value.message
    with pytest.raises(StoreError):
        maintenance.make_backup(ctx.store, ctx.paths)
    assert list(ctx.paths.backups.iterdir()) == []
    ctx.close()


def test_restore_then_protect_leaves_nothing_readable(tmp_path: Path, capsys: Any,
                                                      monkeypatch: Any) -> None:
    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data))
    first = _save(ctx, *SECRETS[0])
    backup = maintenance.make_backup(ctx.store, ctx.paths)
    _save(ctx, *SECRETS[1])
    ctx.close()
    assert main(["--data-dir", str(data), "restore", str(backup)]) == 0
    aside = Path(json.loads(capsys.readouterr().out)["previous_kept_as"])
    assert SECRETS[1][1].encode() in aside.read_bytes()  # plain before protection
    # temporary copies a crash during a backup or a restore can leave behind
    shutil.copyfile(aside, backup.with_name(backup.name + ".part"))
    shutil.copyfile(backup, data / "desk.sqlite3.restoring")
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["--data-dir", str(data), "protect"]) == 0
    assert json.loads(capsys.readouterr().out) == {"protected": True, "cases": 1}
    blob = _all_bytes(data)
    assert _readable(blob) == []
    assert b"SQLite format 3" not in blob
    assert not backup.with_name(backup.name + ".part").exists()
    assert not (data / "desk.sqlite3.restoring").exists()
    # the set-aside copy and the backup are kept, encrypted under the desk's key
    again = DeskContext.open(str(data), password=PASSWORD)
    assert maintenance.check_backup(aside, again.store.key) == 2
    assert maintenance.check_backup(backup, again.store.key) == 1
    assert [r["uuid"] for r in again.store.search.list_cases()] == [first["uuid"]]
    again.close()
    # so the restore can still be undone
    monkeypatch.setenv("DOORSTEP_PASSWORD", PASSWORD)
    assert main(["--data-dir", str(data), "restore", str(aside)]) == 0
    assert json.loads(capsys.readouterr().out)["cases"] == 2
    assert _readable(_all_bytes(data)) == []


_GATE = """
import sys
import desk.cli, desk.core.app  # loaded before the gate: the race is in the unlock itself
print("ready", flush=True)
sys.stdin.read()
sys.exit(desk.cli.main(["--data-dir", sys.argv[1], "cases", "--json"]))
"""


def test_parallel_wrong_passwords_are_each_counted(tmp_path: Path) -> None:
    data = tmp_path / "desk"
    DeskContext.open(str(data), password=PASSWORD).close()
    env = _env(DOORSTEP_PASSWORD="wrong-pass-1")
    procs = [subprocess.Popen([sys.executable, "-c", _GATE, str(data)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(ATTEMPTS)]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        for p in procs:  # release all of them at once
            assert p.stdin is not None
            p.stdin.close()
            p.stdin = None
        results = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    errs = [err for _out, err in results]
    assert [p.returncode for p in procs] == [1] * ATTEMPTS, errs
    assert not [e for e in errs if "Traceback" in e], errs
    wrong = [e for e in errs if "密码不正确" in e]
    engaged = [e for e in errs if "已锁定" in e]
    refused = [e for e in errs if "分钟后再试" in e]
    assert len(wrong) + len(engaged) + len(refused) == ATTEMPTS, errs
    # every password checked was counted, and the lock engaged at the fifth
    state = json.loads((data / "keyring.json").read_text())
    assert state["failures"] == len(wrong) + len(engaged) == keyring.FREE_TRIES
    assert len(engaged) == 1 and state["locked_until"]
    assert sorted(int(e.split("还可再试")[1][0]) for e in wrong) == [1, 2, 3, 4]
    assert list(data.glob("keyring*.tmp")) == []
    with pytest.raises(KeyringError) as exc:  # even the right password waits now
        keyring.unlock(data, PASSWORD)
    assert exc.value.kind == "locked_out"


@pytest.mark.parametrize(("edit", "named"), [
    (lambda d: d["kdf"].update(memory_cost=4 * 1024 * 1024), "kdf.memory_cost"),
    (lambda d: d["kdf"].update(memory_cost="65536"), "kdf.memory_cost"),
    (lambda d: d["kdf"].update(time_cost=100_000), "kdf.time_cost"),
    (lambda d: d["kdf"].update(parallelism=0), "kdf.parallelism"),
    (lambda d: d["kdf"].update(name="scrypt"), "kdf.name"),
    (lambda d: d.update(salt=keyring._b64(b"salt")), "salt"),
    (lambda d: d.update(failures=-3), "failures"),
    (lambda d: d.update(tag="not base64!"), "tag"),
])
def test_keyring_parameters_out_of_bounds_are_refused(tmp_path: Path, edit: Any,
                                                      named: str) -> None:
    keyring.create(tmp_path, PASSWORD)
    path = tmp_path / "keyring.json"
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    with pytest.raises(KeyringError) as exc:
        keyring.unlock(tmp_path, PASSWORD)
    assert exc.value.kind == "damaged" and named in exc.value.message, exc.value.message
    assert "keyring.json" in exc.value.message


def test_an_edited_keyring_is_refused_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "desk"
    DeskContext.open(str(data), password=PASSWORD).close()
    path = data / "keyring.json"
    state = json.loads(path.read_text())
    state["kdf"]["memory_cost"] = 64 * 1024 * 1024  # 64 GiB
    path.write_text(json.dumps(state))
    proc = _cli(data, "cases", "--json", DOORSTEP_PASSWORD=PASSWORD)
    assert proc.returncode == 1 and "kdf.memory_cost" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    path.write_text("{not json")
    proc = _cli(data, "cases", "--json", DOORSTEP_PASSWORD=PASSWORD)
    assert proc.returncode == 1 and "不是有效的 JSON" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
