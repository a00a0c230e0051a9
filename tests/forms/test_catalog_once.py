"""The shipped catalog is read once per process, also when many threads ask for it at the
same moment (issue 20: a district server's first batches after a start each parsed every
item file, 25 at a time per process — half of the server's CPU in the 50-desk run)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from forms import catalog


def test_threads_asking_at_once_get_the_one_load() -> None:
    catalog._shipped.cache_clear()  # as in a process that has not read it yet
    start = threading.Barrier(8)

    def ask(_: int) -> int:
        start.wait(timeout=30)
        return id(catalog.load_catalog())

    with ThreadPoolExecutor(8) as pool:
        got = set(pool.map(ask, range(8)))
    assert len(got) == 1
    assert id(catalog.load_catalog()) in got
