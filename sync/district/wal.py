"""The SQLite district's WAL checkpoints, off the requests' path (issue 20).

SQLite's own checkpoint runs inside the commit that takes the WAL past 1,000 pages: that
request copies the pages into the database file and fsyncs it while it holds the writers'
turn — one batch in every few waited about twice its commit for it, and every batch behind
it waited too. :class:`Checkpointer` does the same ``wal_checkpoint(PASSIVE)`` in a thread of
its own after commits (the connections are opened with ``wal_autocheckpoint=0``), one at a
time and at most one every quarter second: commits made meanwhile set off one more after it.

SQLite starts the WAL over (writes from its first page again) only when a commit begins
after a checkpoint that copied *every* page in it. Under a steady stream of batches each
checkpoint ended with newer commits already appended, so the WAL was never started over: 4
desks sending 10,000 cases each at once grew it to 217 MB beside a 131 MB database, and it
never shrank. So a checkpoint that finds the WAL past ``restart_frames`` pages (16 MB)
copies what it can while writers go on, then takes the writers' turn (``turn``, the
database's writer lock) for the few pages committed meanwhile: the WAL is then copied whole
and the next commit starts it over (38 MB at most in that run; 23 MB taking the turn at
every checkpoint, which held writers back often enough to cost a burst of 50 desks some
5–10%).

Durability is SQLite's either way: every commit is in the WAL, fsync'd
(``synchronous=FULL``), before it is answered; a checkpoint only moves committed pages into
the file (fsync'd before the WAL is reused), and one cut short by a crash is redone from the
WAL when the file is next opened. The thread opens its own connection for each checkpoint
(none is held between them: a restore can take the file while the server is idle) and ends
when nothing is left to do; :meth:`close` (the database's) waits for one under way.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

log = logging.getLogger(__name__)


class Checkpointer:
    """Background ``wal_checkpoint(PASSIVE)`` of the SQLite file at ``path``."""

    def __init__(self, path: str, interval: float = 0.25, turn: Any = None,
                 restart_frames: int = 4096) -> None:
        self.path, self.interval = path, interval
        self.turn = turn  # the writers' turn (Database._wlock): the last pages copied in it
        self.restart_frames = restart_frames  # from a WAL this long (pages, 16 MB at 4 KiB)
        self._closing = threading.Event()  # set by close: checkpoint now, wait no more
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False  # a commit came while a checkpoint ran: one more after it
        self.done = 0  # checkpoints run (tests)

    def poke(self) -> None:
        """A write committed: checkpoint soon (a thread starts unless one is running)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():  # (not after a fork)
                self._again = True
                return
            self._thread = threading.Thread(target=self._run, name="district-wal-checkpoint",
                                            daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            # the commits of the next moment first: copying the same hot pages after every
            # batch cost a tenth of the ingest's CPU; a quarter second is about as many
            # pages as SQLite's own 1,000 at a busy district
            self._closing.wait(self.interval)
            try:
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                try:
                    conn.execute("PRAGMA synchronous=FULL")  # the file fsync'd before reuse
                    frames = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
                    if self.turn is not None and frames >= self.restart_frames:
                        # a large WAL: the pages committed meanwhile (a few), with no
                        # writer in — it is then copied whole, and the next commit starts
                        # it over
                        with self.turn:
                            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                finally:
                    conn.close()
                self.done += 1
            except sqlite3.Error as exc:  # the next commit tries again
                log.warning("WAL checkpoint of %s failed: %s", self.path, exc)
            with self._lock:
                if not self._again:
                    self._thread = None
                    return
                self._again = False

    def close(self) -> None:
        """Checkpoint now if one is waiting, and wait for it (then as before: a later
        commit starts the thread again)."""
        with self._lock:
            thread = self._thread
            self._closing.set()
        if thread is not None:
            thread.join()
        with self._lock:
            if self._thread is None:
                self._closing.clear()
