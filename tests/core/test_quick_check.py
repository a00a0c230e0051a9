"""The start-up corruption check runs beside the window's reads, not in front of them.

At 100,000 encrypted cases ``PRAGMA quick_check`` reads for seconds; the window runs it on
its background helper right after it appears. It used to hold the store's one connection
(and its lock) for the whole scan, so the first status-bar or clock-notice read on the UI
thread froze the window until the scan ended (10.7 s from unlock to a usable window).
"""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

import pytest

from desk.core.store import Store


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "sqlcipher"])
def test_quick_check_does_not_wait_for_the_shared_connection(tmp_path: Path,
                                                             encrypted: bool) -> None:
    key = secrets.token_bytes(32) if encrypted else None
    store = Store.open(tmp_path / "desk.db", key=key, quick_check=False)
    try:
        results: list[str] = []
        done = threading.Event()

        def check() -> None:
            results.append(store.quick_check())
            done.set()

        with store._lock:  # the UI thread is in the middle of a read
            worker = threading.Thread(target=check)
            worker.start()
            finished = done.wait(timeout=60)
        worker.join(timeout=60)
        assert finished, "quick_check waited for the shared connection's lock"
        assert results == ["ok"]
    finally:
        store.close()


def test_quick_check_still_finds_a_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "desk.db"
    store = Store.open(path, quick_check=False)
    with store.transaction() as c:
        c.execute("CREATE TABLE filler (x TEXT)")
        c.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 400)
        c.execute("CREATE INDEX filler_x ON filler (x)")
    store.close()
    page_size = 4096
    raw = bytearray(path.read_bytes())
    # overwrite a page in the middle of the index with garbage
    start = (len(raw) // page_size - 2) * page_size
    raw[start + 8:start + page_size] = b"\xff" * (page_size - 8)
    path.write_bytes(bytes(raw))
    damaged = Store.open(path, quick_check=False)
    try:
        assert damaged.quick_check() != "ok"
    finally:
        damaged.close()
