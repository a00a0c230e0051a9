"""A sync round leaves the desk's old objects out of Python's garbage collections (issue
20, ``sync.client.desk.old_objects_left_alone``).

A round allocates thousands of records a batch; every so often that set off a collection
of the oldest generation, which walks the whole heap — the desk's window, its catalog, all
it has read — for nothing the round made (one desk's 10,000 cases, the bench's process:
78–89 ms of a 0.78 s round, when it struck). During a round the objects from before it are
frozen (``gc.freeze``); after it they are thawed, and collected as usual again. A real
district server on SQLite; the desk's own store.
"""

from __future__ import annotations

import gc
from typing import Any

import pytest
from sync_helpers import District, bulk_cases, enroll

from sync.client.desk import sync_desk


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_round_freezes_the_objects_from_before_it_and_thaws_them_after(
        district: District, make_desk: Any) -> None:
    desk = make_desk("HY-QL31")
    enroll(district, desk)
    bulk_cases(desk, 30)
    assert gc.get_freeze_count() == 0
    frozen: list[int] = []
    summary = sync_desk(desk, batch_size=10,
                        progress=lambda _s: frozen.append(gc.get_freeze_count()))
    assert summary["error"] is None and summary["accepted"] == 30
    assert len(frozen) >= 3  # after each batch and the pull
    # the pending round's objects and everything before: all left out while it ran
    assert min(frozen) > 1000, frozen
    assert gc.get_freeze_count() == 0  # and back in the collections after it


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_process_that_froze_its_objects_keeps_them_frozen(
        district: District, make_desk: Any) -> None:
    """A process that froze what it built already (a district server's does at start) is
    left so: the round's thaw would otherwise thaw them all."""
    desk = make_desk("HY-QL32")
    enroll(district, desk)
    bulk_cases(desk, 5)
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        summary = sync_desk(desk)
        assert summary["error"] is None and summary["accepted"] == 5
        # still frozen (a few hundred of them freed meanwhile), not thawed to none
        assert gc.get_freeze_count() > before * 0.9, (gc.get_freeze_count(), before)
    finally:
        gc.unfreeze()
