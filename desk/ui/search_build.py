"""An existing store's search index, filled after the window appears (issue 14 item 15).

A store migrated with many records gets its two-character index in batches
(:meth:`desk.core.store_search.Search.build_search_grams`), one batch per task on the background
helper's ``db`` lane: a save or a list page queued meanwhile runs between two batches, and
searches scan until the last batch is in. A batch that fails (disk full, say) stops the
build quietly — searches keep scanning; the next start goes on from where it stopped.

Matters and cases saved since the last tidy (issues 15 and 13: a save writes no search
piece; searches check them directly) are indexed, and edited matters' pieces moved into the
main index, on the same lane at start, in one short transaction.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desk.core.store import Store
    from desk.ui.tasks import TaskManager

log = logging.getLogger(__name__)


def build_search_index(tasks: TaskManager, store: Store) -> None:
    """Queue the move of new matters' pieces, and the build, which ends at once when the
    store needs none (whether it does is read on the lane too: the window queues this once
    the corruption check has answered, when the store may already be closed under it)."""

    def stopped(exc: object) -> None:
        log.warning("search index build stopped: %s", type(exc).__name__)

    def step(more: object) -> None:
        if more and not tasks.closed:
            tasks.run(store.search.build_search_grams, on_done=step, on_error=stopped)

    tasks.run(store.search.move_recent_grams, on_error=stopped)
    step(True)
