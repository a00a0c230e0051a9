"""The console's tamper-evident audit log, on SQLite and PostgreSQL.

Real entries are written the way the console writes them (through the console store, and
through the console over HTTP), then the database is tampered with directly — an entry's
content edited, a middle entry deleted, two entries swapped, the end cut off, the whole
log rewritten with fresh hashes — and ``doorstep-district audit verify`` (run as a
subprocess, like support staff would) must exit 1 naming the right entry. The audit page
checks incrementally from a checkpoint; a full check still finds older tampering.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from console_helpers import ConsoleServer, Web
from sqlalchemy import delete, select, text, update
from sync_helpers import free_port

from sync.district.console.store import (
    AUDIT_CHECKPOINT,
    GENESIS,
    ConsoleStore,
    audit,
    audit_digest,
    state,
)
from sync.district.storage import Storage

ROOT = Path(__file__).parents[2]


@dataclass
class Db:
    url: str
    cs: ConsoleStore


def _new_url(request: pytest.FixtureRequest, tmp_path: Path, kind: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'district.sqlite3'}"
    cluster = request.getfixturevalue("pg_cluster")
    name = "a_" + uuid.uuid4().hex[:10]
    cluster.admin(f"CREATE DATABASE {name}")
    return str(cluster.url(name))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db(request: pytest.FixtureRequest, tmp_path: Path, kind: str) -> Iterator[Db]:
    """A district database with the console's tables and eight real audit entries."""
    url = _new_url(request, tmp_path, kind)
    st = Storage(url)
    try:
        cs = ConsoleStore(st)
        _produce(cs)
        yield Db(url, cs)
    finally:
        st.close()


def _produce(cs: ConsoleStore) -> None:
    """What the console writes for a morning's work (ids 1–8)."""
    case = str(uuid.uuid4())
    cs.audit.append("admin", "login.ok", "admin")
    cs.audit.append("admin", "user.add", "reviewer", role="reviewer")
    cs.audit.append("reviewer", "login.ok", "reviewer")
    cs.audit.append("reviewer", "case.accept", case, status="accepted", note="材料齐全")
    cs.audit.append("reviewer", "pii.reveal", case, reason="电话回访核实身份")
    cs.audit.append("reviewer", "export", "xlsx", filters={"status": "received"})
    cs.audit.append("admin", "desk.revoke", "desk-7")
    cs.audit.append("admin", "logout", "admin")


def verify(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """``doorstep-district --db URL audit verify ...`` in a subprocess."""
    return subprocess.run([sys.executable, "-m", "sync.district.cli", "--db", url, "audit",
                           "verify", *extra], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env=dict(os.environ, PYTHONIOENCODING="utf-8"))


def verify_json(url: str) -> tuple[int, dict[str, Any]]:
    out = verify(url, "--json")
    assert "Traceback" not in out.stderr, out.stderr
    return out.returncode, json.loads(out.stdout)


def rows(cs: ConsoleStore) -> dict[int, dict[str, Any]]:
    with cs.db.read() as conn:
        return {int(r["id"]): dict(r) for r in conn.execute(
            select(audit).order_by(audit.c.id)).mappings()}


def entry_of(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "at", "actor", "action", "target")}


def swap_ids(cs: ConsoleStore, a: int, b: int) -> None:
    with cs.db.write() as conn:
        conn.execute(update(audit).where(audit.c.id == a).values(id=-1))
        conn.execute(update(audit).where(audit.c.id == b).values(id=a))
        conn.execute(update(audit).where(audit.c.id == -1).values(id=b))


def checkpoint(cs: ConsoleStore) -> str | None:
    with cs.db.read() as conn:
        value = conn.execute(select(state.c.value).where(state.c.key == AUDIT_CHECKPOINT)
                             ).scalar()
    return None if value is None else str(value)


def at_entry(cs: ConsoleStore, entry_id: int) -> str:
    """The checkpoint value naming this entry as it is stored now."""
    return f"{entry_id:020d} {rows(cs)[entry_id]['hash']}"


# -- the command ----------------------------------------------------------------------------


def test_intact_log_exits_0_with_a_summary(db: Db) -> None:
    last = rows(db.cs)[8]
    code, out = verify_json(db.url)
    assert code == 0
    assert out["ok"] is True and out["first_broken_entry"] is None
    assert (out["checked"], out["last_id"], out["last_hash"]) == (8, 8, last["hash"])
    assert out["problem"] is None and out["entry"] is None
    human = verify(db.url)
    assert human.returncode == 0, human.stderr
    assert "审计日志完整" in human.stdout and "已校验 8 条" in human.stdout
    assert last["hash"] in human.stdout


@pytest.mark.parametrize("column,value", [("detail_json", '{"reason": "例行检查"}'),
                                          ("actor", "someone"),
                                          ("at", "2020-01-01T00:00:00.000+00:00")])
def test_edited_entry_is_named(db: Db, column: str, value: str) -> None:
    before = rows(db.cs)
    with db.cs.db.write() as conn:
        conn.execute(update(audit).where(audit.c.id == 5).values({column: value}))
    code, out = verify_json(db.url)
    assert code == 1
    assert out["ok"] is False and out["first_broken_entry"] == 5
    assert (out["problem"], out["cause"]) == ("hash_mismatch", "edited")
    assert out["entry"] == entry_of(rows(db.cs)[5])  # as stored now
    assert (out["checked"], out["last_id"], out["last_hash"]) == (4, 4, before[4]["hash"])
    human = verify(db.url)
    assert human.returncode == 1
    assert "第 5 条" in human.stdout and "被改动" in human.stdout
    assert "pii.reveal" in human.stdout and "Traceback" not in human.stderr
    assert db.cs.audit.verify() == 5


def test_deleted_middle_entry_is_named(db: Db) -> None:
    before = rows(db.cs)
    with db.cs.db.write() as conn:
        conn.execute(delete(audit).where(audit.c.id == 4))
    code, out = verify_json(db.url)
    assert code == 1 and out["first_broken_entry"] == 5
    assert (out["problem"], out["cause"]) == ("prev_hash_mismatch", "deleted")
    assert out["entry"] == entry_of(before[5])
    assert "缺少第 4 条" in out["message"]
    assert out["last_id"] == 3


def test_deleted_first_entry_is_named(db: Db) -> None:
    with db.cs.db.write() as conn:
        conn.execute(delete(audit).where(audit.c.id == 1))
    code, out = verify_json(db.url)
    assert code == 1 and out["first_broken_entry"] == 2
    assert (out["problem"], out["cause"]) == ("prev_hash_mismatch", "deleted")
    assert out["checked"] == 0 and out["last_id"] is None and out["last_hash"] == GENESIS


def test_swapped_entries_are_named(db: Db) -> None:
    before = rows(db.cs)
    swap_ids(db.cs, 3, 6)
    code, out = verify_json(db.url)
    assert code == 1 and out["first_broken_entry"] == 3
    assert (out["problem"], out["cause"]) == ("prev_hash_mismatch", "reordered")
    assert out["entry"] == dict(entry_of(before[6]), id=3)  # entry 6 now sits at 3
    assert out["last_id"] == 2
    human = verify(db.url)
    assert human.returncode == 1 and "第 3 条" in human.stdout and "调换" in human.stdout


def test_adjacent_swap(db: Db) -> None:
    swap_ids(db.cs, 7, 8)
    code, out = verify_json(db.url)
    assert (code, out["first_broken_entry"], out["cause"]) == (1, 7, "reordered")


def test_cut_off_end_and_rewritten_log_are_caught_by_the_checkpoint(db: Db) -> None:
    """The chain alone cannot show its last entries cut off: the page's checkpoint can."""
    assert db.cs.audit.check().ok
    assert checkpoint(db.cs) == at_entry(db.cs, 8)
    with db.cs.db.write() as conn:
        conn.execute(delete(audit).where(audit.c.id >= 7))
    code, out = verify_json(db.url)
    assert code == 1 and out["first_broken_entry"] == 8
    assert (out["problem"], out["cause"], out["entry"]) == ("checkpoint_mismatch", "truncated",
                                                             None)
    assert out["last_id"] == 6
    # the page reports it once, writes the finding to the log and starts over from the end
    page = db.cs.audit.check(actor="admin")
    assert not page.ok and page.cause == "truncated" and page.first_broken_entry == 8
    lost = db.cs.audit.entries(action="audit.checkpoint_lost")
    assert len(lost) == 1 and lost[0]["actor"] == "admin"
    assert lost[0]["detail"]["cause"] == "truncated" and lost[0]["detail"]["last_id"] == 6
    assert db.cs.audit.check().ok
    assert verify_json(db.url)[0] == 0


def test_rewritten_log_with_fresh_hashes(db: Db) -> None:
    """Entry 4 edited and every hash from it on recomputed: the chain holds, but entry 8
    no longer has the hash the console verified."""
    assert db.cs.audit.check().ok
    with db.cs.db.write() as conn:
        conn.execute(update(audit).where(audit.c.id == 4).values(
            detail_json='{"note": "", "status": "rejected"}'))
        prev = conn.execute(select(audit.c.hash).where(audit.c.id == 3)).scalar_one()
        for r in conn.execute(select(audit).where(audit.c.id >= 4).order_by(audit.c.id)
                              ).mappings().all():
            h = audit_digest(prev, r["at"], r["actor"], r["action"], r["target"],
                             r["detail_json"])
            conn.execute(update(audit).where(audit.c.id == r["id"]).values(
                prev_hash=prev, hash=h))
            prev = h
    code, out = verify_json(db.url)
    assert code == 1 and out["first_broken_entry"] == 8
    assert (out["problem"], out["cause"]) == ("checkpoint_mismatch", "rewritten")
    assert out["entry"] == entry_of(rows(db.cs)[8])


def test_the_command_writes_nothing(db: Db) -> None:
    assert db.cs.audit.check().ok
    cp = checkpoint(db.cs)
    db.cs.audit.append("admin", "login.ok", "admin")
    code, out = verify_json(db.url)
    assert (code, out["checked"]) == (0, 9)
    assert checkpoint(db.cs) == cp  # only the page moves the checkpoint
    assert len(rows(db.cs)) == 9


# -- databases that cannot be checked -------------------------------------------------------


def _unavailable(url: str) -> str:
    out = verify(url)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr, out.stderr
    assert out.stderr.startswith("error: [audit_unavailable] "), out.stderr
    js = verify(url, "--json")
    assert js.returncode == 1 and "Traceback" not in js.stderr
    body = json.loads(js.stdout)
    assert body["ok"] is False and body["error"]["code"] == "audit_unavailable"
    return out.stderr


def test_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "district.sqlite3"
    assert "不存在" in _unavailable(str(path))
    assert not path.exists() and not path.parent.exists()


def test_sqlite_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"not a database at all\n" * 200)
    assert "无法读取数据库" in _unavailable(f"sqlite:///{path}")


def test_sqlite_district_without_console_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    st = Storage(url)  # the migrations make the console's tables too (issue 13):
    with st.write() as conn:  # a database without the log is one that lost it
        conn.execute(text("DROP TABLE console_audit"))
    st.close()
    assert "console_audit" in _unavailable(url)


@pytest.mark.postgres
def test_postgres_that_cannot_be_read(pg_cluster: Any) -> None:
    missing = pg_cluster.url("no_such_db_" + uuid.uuid4().hex[:6])
    assert "无法读取数据库" in _unavailable(missing)
    empty = "e_" + uuid.uuid4().hex[:10]
    pg_cluster.admin(f"CREATE DATABASE {empty}")
    assert "console_audit" in _unavailable(pg_cluster.url(empty))
    nobody = f"postgresql://postgres@127.0.0.1:{free_port()}/district"  # nothing listens
    assert "无法读取数据库" in _unavailable(nobody)


# -- the audit page: incremental ------------------------------------------------------------


def test_page_checks_only_entries_after_its_checkpoint(db: Db) -> None:
    first = db.cs.audit.check()
    assert first.ok and first.full and first.checked == 8
    assert first.full_verified_at is not None
    again = db.cs.audit.check()
    assert again.ok and (again.after_id, again.checked, again.last_id) == (8, 0, 8)
    db.cs.audit.append("admin", "login.ok", "admin")
    db.cs.audit.append("admin", "logout", "admin")
    inc = db.cs.audit.check()
    assert inc.ok and (inc.after_id, inc.checked, inc.last_id) == (8, 2, 10)
    assert checkpoint(db.cs) == at_entry(db.cs, 10)

    # an entry before the checkpoint is edited: the incremental check does not look there,
    # the full check (page "verify all", the command) does
    with db.cs.db.write() as conn:
        conn.execute(update(audit).where(audit.c.id == 3).values(actor="mallory"))
    assert db.cs.audit.check().ok
    full = db.cs.audit.check(full=True)
    assert not full.ok and full.first_broken_entry == 3 and full.cause == "edited"
    assert verify_json(db.url)[1]["first_broken_entry"] == 3
    assert db.cs.audit.verify() == 3
    assert checkpoint(db.cs) == at_entry(db.cs, 10)  # a broken check never moves it


def test_page_runs_the_full_check_when_the_checkpoint_entry_changed(db: Db) -> None:
    assert db.cs.audit.check().ok
    with db.cs.db.write() as conn:
        conn.execute(update(audit).where(audit.c.id == 8).values(target="someone-else"))
    res = db.cs.audit.check()
    assert not res.ok and res.full and res.first_broken_entry == 8
    assert res.problem == "hash_mismatch"
    assert not db.cs.audit.entries(action="audit.checkpoint_lost")


def test_page_after_a_deleted_checkpoint_entry(db: Db) -> None:
    assert db.cs.audit.check().ok
    db.cs.audit.append("admin", "login.ok", "admin")
    with db.cs.db.write() as conn:
        conn.execute(delete(audit).where(audit.c.id == 8))
    res = db.cs.audit.check()
    assert not res.ok and res.full and res.first_broken_entry == 9
    assert (res.problem, res.cause) == ("prev_hash_mismatch", "deleted")


def test_concurrent_appends_never_look_broken(db: Db) -> None:
    """Writers append while pages check (and move the checkpoint) and the command runs:
    every check sees an intact prefix of the chain."""
    errors: list[BaseException] = []
    results: list[bool] = []

    def guarded(fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)
        return run

    def append(n: int) -> Callable[[], None]:
        def go() -> None:
            for i in range(40):
                db.cs.audit.append(f"user{n}", "pii.reveal", f"case-{n}-{i}", reason=f"第 {i} 次")
        return go

    writers = [threading.Thread(target=guarded(append(n))) for n in range(4)]
    cli = subprocess.Popen([sys.executable, "-m", "sync.district.cli", "--db", db.url, "audit",
                            "verify", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, cwd=ROOT, env=dict(os.environ, PYTHONIOENCODING="utf-8"))

    def page() -> None:
        while True:  # at least once, then until the writers are done
            done = not any(w.is_alive() for w in writers)
            res = db.cs.audit.check()
            results.append(res.ok)
            assert res.ok, res.message
            if done:
                return

    pages = [threading.Thread(target=guarded(page)) for _ in range(2)]
    for t in [*writers, *pages]:
        t.start()
    for t in [*writers, *pages]:
        t.join(timeout=300)
    out, err = cli.communicate(timeout=120)
    assert not errors, errors
    assert results and all(results)
    assert cli.returncode == 0, err
    assert json.loads(out)["ok"] is True
    final = db.cs.audit.check()
    assert final.ok and final.last_id == 8 + 4 * 40
    assert checkpoint(db.cs) == at_entry(db.cs, 8 + 4 * 40)
    code, body = verify_json(db.url)
    assert (code, body["checked"]) == (0, 8 + 4 * 40)


# -- the audit page over HTTP ---------------------------------------------------------------


def test_audit_page_over_http(request: pytest.FixtureRequest, tmp_path: Path,
                              kind: str) -> None:
    server = ConsoleServer(_new_url(request, tmp_path, kind))
    web = Web(server.api_url)
    cs = server.console
    try:
        server.add_user("admin", "admin")
        assert web.login("admin").status_code == 303  # audited: login.ok (entry 1)
        page = web.get("/console/audit")
        assert page.status_code == 200
        assert "哈希链完整" in page.text and "已完整校验全部 1 条记录" in page.text
        for i in range(3):
            cs.audit.append("admin", "pii.reveal", f"case-{i}", reason="回访")
        page = web.get("/console/audit")
        assert "哈希链完整" in page.text and "之后的 3 条新记录" in page.text
        assert checkpoint(cs) == at_entry(cs, 4)

        # entries after the checkpoint are checked on every load
        cs.audit.append("admin", "export", "csv", filters={})
        cs.audit.append("admin", "logout", "admin")
        original = rows(cs)[5]["detail_json"]
        with server.storage.write() as conn:
            conn.execute(update(audit).where(audit.c.id == 5).values(
                detail_json='{"filters": {"status": "completed"}}'))
        page = web.get("/console/audit")
        assert "第 5 条处断开" in page.text and "被改动" in page.text
        assert checkpoint(cs) == at_entry(cs, 4)
        with server.storage.write() as conn:  # put it back
            conn.execute(update(audit).where(audit.c.id == 5).values(detail_json=original))
        assert "哈希链完整" in web.get("/console/audit").text
        assert checkpoint(cs) == at_entry(cs, 6)

        # before the checkpoint: only the full check ("verify all", the command) looks
        with server.storage.write() as conn:
            conn.execute(update(audit).where(audit.c.id == 2).values(actor="mallory"))
        assert "哈希链完整" in web.get("/console/audit").text
        page = web.get("/console/audit?verify=full")
        assert "第 2 条处断开" in page.text and "mallory" in page.text
        out = verify(server.storage.url)
        assert out.returncode == 1 and "第 2 条" in out.stdout
    finally:
        web.close()
        server.stop()
