"""Durability: a child saving cases in a loop is killed with SIGKILL at random moments,
at least 100 times; every case it acknowledged must be in the store afterwards, with its
outbox entry, and the database must pass integrity_check."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

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
        receipts = [r[0] for r in conn.execute("SELECT receipt_no FROM cases")]
        audits = conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    finally:
        conn.close()
    lost = [u for u in acknowledged if u not in stored]
    assert not lost, f"{len(lost)} acknowledged cases lost"
    assert stored == outboxed  # never a case without its outbox entry
    assert len(receipts) == len(set(receipts))
    assert audits == len(stored)
    print(f"kill -9 x{KILLS}: {len(acknowledged)} acknowledged, {len(stored)} stored, 0 lost")
