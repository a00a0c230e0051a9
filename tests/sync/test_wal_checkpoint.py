"""The SQLite district's WAL checkpoints run in a thread of their own, not in the commit
of the request that takes the WAL past SQLite's 1,000 pages (issue 20: that request waited
for the copy into the file and its fsync while holding the writers' turn). Real district
storage over an SQLite file."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sync.district.storage import Storage
from sync.district.tables import meta

ROOT = Path(__file__).resolve().parents[2]


def test_commits_leave_the_checkpoint_to_another_thread(tmp_path: Path) -> None:
    path = tmp_path / "district.sqlite3"
    st = Storage(f"sqlite:///{path}")
    try:
        with st.read() as conn:  # SQLite's own checkpoint (in the commit) is off
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        wal = st._wal
        assert wal is not None
        wal.close()  # (the checkpoint the schema's creation set off)
        seen: list[str] = []
        run = wal._run

        def spy() -> None:
            seen.append(threading.current_thread().name)
            run()

        wal._run = spy  # type: ignore[method-assign]
        big = "页" * 400_000  # some 1.2 MB a commit: past 1,000 pages of WAL each
        for i in range(3):
            with st.write() as conn:
                conn.execute(meta.insert().values(key=f"bench{i}", value=big))
        wal.close()  # waits for the checkpoint under way
        assert seen and threading.current_thread().name not in seen
        assert wal.done >= 1
        # the checkpoints left nothing behind in the WAL: a checkpoint now copies nothing
        raw = sqlite3.connect(path)
        try:
            busy, log, done = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            assert busy == 0 and log == done
            assert raw.execute("SELECT count(*) FROM meta WHERE key LIKE 'bench%'"
                               ).fetchone()[0] == 3
        finally:
            raw.close()
    finally:
        st.close()


def test_a_lazy_commit_leaves_the_connection_flushing_again(db_url: str) -> None:
    """A transaction opened with ``durable=False`` (the nonces' 30-second tidy after a
    batch) commits without a flush of its own; every other transaction, and the connection
    it used once back in the pool, flushes its commit. (A batch's nonce is recorded in the
    batch's own transaction, flushed with it: issue 20.)"""
    st = Storage(db_url)
    lite = st.is_sqlite
    show = "PRAGMA synchronous" if lite else "SHOW synchronous_commit"
    flushed, lazy = ((2, 1) if lite else ("on", "off"))
    try:
        for _ in range(3):  # (the pool hands the same connection back)
            with st.write(durable=False) as conn:
                assert conn.exec_driver_sql(show).scalar() == lazy
            with st.write() as conn:
                assert conn.exec_driver_sql(show).scalar() == flushed
        assert st.desks.remember_nonce("d1", "n" * 16)
        assert not st.desks.remember_nonce("d1", "n" * 16)  # (a replay)
    finally:
        st.close()


def test_the_wal_stays_small_while_commits_keep_coming(tmp_path: Path) -> None:
    """Under a steady stream of commits the WAL is reused from its start, not grown: a
    checkpoint copies the last pages in the writers' turn, so none is left behind for the
    next writer to append after (issue 20: 4 desks × 10,000 cases at once grew it to 217 MB,
    beside a 131 MB database, and it never shrank)."""
    path = tmp_path / "district.sqlite3"
    wal_file = Path(f"{path}-wal")
    st = Storage(f"sqlite:///{path}")
    try:
        wal = st._wal
        assert wal is not None
        wal.close()  # (the checkpoint the schema's creation set off)
        wal.interval = 0.01  # many checkpoints while the commits come
        wal.restart_frames = 256  # (1 MB: 16 MB at a district)
        page = "页" * 30_000  # some 90 KB a commit
        commits, written, largest = 300, 0, 0
        for i in range(commits):
            with st.write() as conn:
                conn.execute(meta.insert().values(key=f"stream{i}", value=page))
            written += len(page.encode())
            largest = max(largest, wal_file.stat().st_size)
        wal.close()
        assert wal.done >= 2
        # before: the WAL held every commit (some 27 MB); now a few moments' worth
        assert largest < written / 3, (largest, written)
        with st.read() as conn:
            assert conn.exec_driver_sql(
                "SELECT count(*) FROM meta WHERE key LIKE 'stream%'").scalar() == commits
    finally:
        st.close()


_HOLDER = """
import sys
from sync.district.storage import Storage
from sync.district.tables import meta
st = Storage(sys.argv[1])
with st.write() as conn:
    conn.execute(meta.insert().values(key="held", value="1"))
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
st.close()
"""


def test_server_processes_share_the_writers_turn(tmp_path: Path) -> None:
    """``serve --workers N`` on an SQLite file: a writer in one process holds the turn for
    every process (a file lock beside the database), so one in another waits in the kernel
    and goes on as soon as it is free — not SQLite's busy handler, which polls, sleeping up
    to 100 ms between tries (issue 20: 2 workers then answered 50 desks at once sooner than
    one)."""
    path = tmp_path / "district.sqlite3"
    url = f"sqlite:///{path}"
    st = Storage(url)  # (opened first: it takes the turn to check the schema)
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, url], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=str(ROOT),
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "held"
        fd = os.open(f"{path}.writer", os.O_RDONLY)
        try:  # the turn is taken for this process too
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
        entered = threading.Event()

        def write() -> None:  # waits for the holder's turn
            with st.write() as conn:
                conn.execute(meta.insert().values(key="after", value="1"))
            entered.set()

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        assert not entered.is_set()
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        writer.join(timeout=60)
        assert entered.is_set()
        with st.read() as conn:  # both writes are in, one after the other
            assert conn.exec_driver_sql(
                "SELECT count(*) FROM meta WHERE key IN ('held', 'after')").scalar() == 2
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.communicate(timeout=60)  # (and its pipes closed)
        st.close()
