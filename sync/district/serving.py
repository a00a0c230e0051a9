"""Several server processes share a burst of desks (issue 20).

``doorstep-district serve --workers N`` runs N uvicorn processes on one listening socket.
On asyncio's own event loop a process woken by new connections accepts every one waiting
(up to 100 at a time): fifty desks posting at once were split 34/16 (SQLite) and 38/10
(PostgreSQL) between two processes, and the busier one answered its last batches long after
the other had gone idle — each process works through at most one or two batches at a time
(``sync.district.ingest.IN_FLIGHT``), so the batches it took waited behind each other.

With several processes the server runs on :class:`FairLoop`: a process accepts one
connection at a time, and none while it holds as many batches as it can work on plus one
waiting (:data:`LOAD`, counted by :func:`batch_held` once a batch's request is read and its
signature checked: a client that has not sent a whole signed batch holds no place). The
connections it leaves are taken by a process with room, or wait in the socket's queue
until one has — the first process to finish a batch takes the next. Fifty desks at once
(``bench/bench_sync.py``, two processes): split 24/25 on SQLite, 22–28 on PostgreSQL; the
p95 batch latency over the run's least possible time (its CPU seconds spread over the
cores) 1.17–1.47 → 1.06–1.11 on PostgreSQL, 1.32–1.58 → 1.22–1.33 on SQLite (alternating
pairs); a city morning of 400 desks (``bench/bench_city.py``, 2 workers), p95 round
4.10/5.85/5.56 → 3.20/2.79 s.

One process (the default) keeps asyncio's loop as it is: there is no other to leave a
connection to. The loop's accept step is asyncio's own (``_accept_connection``, asked to
take one), and a process that paused starts again through asyncio's ``_start_serving`` —
how asyncio itself resumes after running out of file descriptors. Both are private to
asyncio: :data:`AVAILABLE` says whether this Python has them (``tests/sync/
test_fair_serving.py``); without them a process accepts as asyncio does.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_BASE = asyncio.selector_events.BaseSelectorEventLoop
AVAILABLE = hasattr(_BASE, "_accept_connection") and hasattr(_BASE, "_start_serving")


class BatchLoad:
    """The batches this process holds (read and signed, not yet answered), and the
    listening sockets :class:`FairLoop` stopped accepting on while they were too many."""

    def __init__(self, limit: int = 3) -> None:
        self.limit = limit  # batches worked on (IN_FLIGHT) plus one waiting: see create_app
        self.held = 0
        self._paused: list[tuple[FairLoop, tuple[Any, ...]]] = []
        self._lock = threading.Lock()  # (one event loop per process; tests run several)

    def full(self) -> bool:
        return self.held >= self.limit

    def pause_if_full(self, loop: FairLoop, args: tuple[Any, ...]) -> bool:
        """Note a socket to accept on again, when this process is full (true then)."""
        with self._lock:
            if not self.full():
                return False
            self._paused.append((loop, args))
            return True

    def release(self) -> None:
        """A batch answered: accept again on every socket paused, once there is room."""
        with self._lock:
            self.held -= 1
            if self.full() or not self._paused:
                return
            paused, self._paused = self._paused, []
        for loop, args in paused:
            if not loop.is_closed():
                loop.call_soon_threadsafe(loop.resume_serving, args)


LOAD = BatchLoad()


@contextmanager
def batch_held() -> Iterator[None]:
    """Count a batch as held by this process while it is worked on and answered."""
    with LOAD._lock:
        LOAD.held += 1
    try:
        yield
    finally:
        LOAD.release()


class FairLoop(asyncio.SelectorEventLoop):
    """asyncio's selector loop, accepting one connection at a time and none while this
    process holds a full load of batches (see the module's docstring)."""

    def _accept_connection(self, protocol_factory: Any, sock: Any, sslcontext: Any = None,
                           server: Any = None, backlog: int = 100, *rest: Any) -> None:
        if not AVAILABLE:  # pragma: no cover - a Python without asyncio's two steps
            super()._accept_connection(  # type: ignore[misc]
                protocol_factory, sock, sslcontext, server, backlog, *rest)
            return
        if LOAD.pause_if_full(self, (protocol_factory, sock, sslcontext, server, backlog, *rest)):
            # (a release meanwhile resumes it from this loop's queue: after this removal)
            self._remove_reader(sock.fileno())  # type: ignore[attr-defined]
            return
        super()._accept_connection(  # type: ignore[misc]
            protocol_factory, sock, sslcontext, server, 1, *rest)

    def resume_serving(self, args: tuple[Any, ...]) -> None:
        """Accept on a paused socket again (unless its server has closed meanwhile)."""
        server = args[3]
        if server is not None and not server.is_serving():
            return
        self._start_serving(*args)  # type: ignore[attr-defined]
