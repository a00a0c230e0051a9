"""The SQLite district's WAL checkpoints, off the requests' path (issue 20).

SQLite's own checkpoint runs inside the commit that takes the WAL past 1,000 pages: that
request copies the pages into the database file and fsyncs it while it holds the writers'
turn — one batch in every few waited about twice its commit for it, and every batch behind
it waited too. :class:`Checkpointer` does the same ``wal_checkpoint(PASSIVE)`` in a thread of
its own after commits (the connections are opened with ``wal_autocheckpoint=0``), one at a
time and at most one every quarter second: commits made meanwhile set off one more after it.

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

log = logging.getLogger(__name__)


class Checkpointer:
    """Background ``wal_checkpoint(PASSIVE)`` of the SQLite file at ``path``."""

    def __init__(self, path: str, interval: float = 0.25) -> None:
        self.path, self.interval = path, interval
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
