"""Durability: a child saving cases in a loop is killed with SIGKILL at random moments,
at least 100 times; every case it acknowledged must be in the store afterwards, with its
outbox entry or waiting for it above the mark (and given it by the next tidy), and the
database must pass integrity_check."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desk.core.store import Store

KILLS = int(os.environ.get("DOORSTEP_KILLS", "100"))


@pytest.mark.slow
def test_kill_nine_loses_no_acknowledged_case(tmp_path: Path) -> None:
    rng = random.Random(20261121)
    data = tmp_path / "desk"
    acknowledged: list[str] = []
    child = Path(__file__).with_name("killnine_child.py")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2]))
    for _ in range(KILLS):
        proc = subprocess.Popen([sys.executable, str(child), str(data)],
                                stdout=subprocess.PIPE, text=True, env=env)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        # read a random number of acknowledgements; the child keeps saving meanwhile, so
        # the kill lands at a random point of its next transaction
        for _ in range(rng.randint(0, 12)):
            line = proc.stdout.readline().strip()
            if line:
                acknowledged.append(line)
        os.kill(proc.pid, signal.SIGKILL)
        rest = proc.stdout.read()  # acknowledgements already written before the kill
        acknowledged.extend(x for x in rest.split() if x)
        proc.wait()
        proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL
    conn = sqlite3.connect(data / "desk.sqlite3")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {r[0] for r in conn.execute("SELECT uuid FROM cases")}
        outboxed = {r[0] for r in conn.execute("SELECT case_uuid FROM outbox")}
        waiting = {r[0] for r in conn.execute(
            "SELECT uuid FROM cases WHERE id > (SELECT CAST(value AS INTEGER) FROM meta "
            "WHERE key = 'cases_queued_upto')")}
        receipts = [r[0] for r in conn.execute("SELECT receipt_no FROM cases")]
        audits = conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    finally:
        conn.close()
    lost = [u for u in acknowledged if u not in stored]
    assert not lost, f"{len(lost)} acknowledged cases lost"
    # never a case without its outbox entry, but the few saved since the last tidy
    assert stored == outboxed | waiting and not outboxed & waiting
    store = Store.open(data / "desk.sqlite3")
    try:
        assert store.sync.outbox_counts()["pending"] == len(stored)  # nothing synced here
        assert store.sync.queue_waiting() == len(waiting)
        queued = {r["case_uuid"] for r in store._read("SELECT case_uuid FROM outbox")}
    finally:
        store.close()
    assert queued == stored
    assert len(receipts) == len(set(receipts))
    assert audits == len(stored)
    print(f"kill -9 x{KILLS}: {len(acknowledged)} acknowledged, {len(stored)} stored, 0 lost, "
          f"{len(waiting)} waiting for their outbox entry")
