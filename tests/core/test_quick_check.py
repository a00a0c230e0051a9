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


def _damaged_store(path: Path) -> Store:
    store = Store.open(path, quick_check=False)
    with store.transaction() as c:
        c.execute("CREATE TABLE filler (x TEXT)")
        c.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 400)
        c.execute("CREATE INDEX filler_x ON filler (x)")
    store.close()
    raw = bytearray(path.read_bytes())
    start = (len(raw) // 4096 - 2) * 4096  # a page in the middle of the index
    raw[start + 8:start + 4096] = b"\xff" * (4096 - 8)
    path.write_bytes(bytes(raw))
    return Store.open(path, quick_check=False)


def test_a_check_in_the_background_holds_writes_not_reads(tmp_path: Path) -> None:
    """Issue 13: the window's check runs on a lane of its own (the cases list's first page
    waited behind it on the ``db`` lane); no write may reach the file before it answers."""
    store = Store.open(tmp_path / "desk.db", quick_check=False)
    try:
        check = store.check_holding_writes()
        holding = threading.Event()
        real_wait = store._sound.wait

        def wait(timeout: float | None = None) -> bool:
            holding.set()  # the writer has come to the hold
            return real_wait(timeout)

        store._sound.wait = wait  # type: ignore[method-assign]
        writer = threading.Thread(target=lambda: store.set_meta("k", "written"))
        writer.start()
        assert holding.wait(60), "the write did not wait for the check"
        assert store.get_meta("k") is None  # reads go on meanwhile; the write waits
        assert check() == "ok"
        writer.join(60)
        assert store.get_meta("k") == "written"
    finally:
        store.close()


def test_a_check_in_the_background_that_finds_damage_refuses_writes(tmp_path: Path) -> None:
    from desk.core.errors import StoreError

    damaged = _damaged_store(tmp_path / "desk.db")
    try:
        check = damaged.check_holding_writes()
        assert check() != "ok"
        with pytest.raises(StoreError) as caught:
            damaged.set_meta("k", "v")
        assert caught.value.kind == "corrupt"
    finally:
        damaged.close()
