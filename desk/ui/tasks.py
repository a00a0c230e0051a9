"""The one background helper: every store call, search, receipt and sync runs here.

Modelled on Anki's ``aqt/taskman.py``: the UI thread hands a function to :class:`TaskManager`
and gets the result back by signal, on the UI thread. Functions run on a worker thread and
never touch widgets. Lanes, each one ``QThread`` reading a queue:

- ``db``: local work (save, search, list pages, receipts) — in order, one at a time, so the
  store sees a single writer;
- ``net``: sync with the district, which may wait on the network for a long time and must
  not hold up saving a case;
- ``pages``: turning photos and scans into pages (decoding a 12 MP photo takes most of a
  second) — neither the window nor a save waits for it;
- ``check``: the store's corruption check at start, which reads every page on a
  connection of its own (seconds on a large encrypted store) while the ``db`` lane's reads
  go on; the store holds writes until it answers
  (:meth:`desk.core.store_base.StoreBase.check_holding_writes`).

Usage::

    tasks.run(lambda: store.search.list_cases(limit=200), on_done=model.set_rows,
              on_error=window.show_error)
"""

from __future__ import annotations

import itertools
import queue
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

Callback = Callable[[Any], None]


@dataclass
class _Task:
    id: int
    fn: Callable[..., Any]
    on_done: Callback | None
    on_error: Callback | None
    wants_progress: bool


class _Lane(QThread):
    """One worker thread with its queue."""

    done = Signal(int, object)
    failed = Signal(int, object)
    progress = Signal(int, object)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"tasks-{name}")
        self.queue: queue.Queue[_Task | None] = queue.Queue()

    def run(self) -> None:
        while True:
            task = self.queue.get()
            if task is None:
                return
            try:
                if task.wants_progress:
                    result = task.fn(lambda info, tid=task.id: self.progress.emit(tid, info))
                else:
                    result = task.fn()
            except BaseException as exc:  # reported to the UI, which decides what to say
                exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
                self.failed.emit(task.id, exc)
            else:
                self.done.emit(task.id, result)


class TaskManager(QObject):
    """Runs functions off the UI thread and reports back by signal."""

    busy_changed = Signal(bool)
    error = Signal(object)  # an exception nobody handled

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._pending: dict[int, _Task] = {}
        self._progress: dict[int, Callback] = {}
        self._lanes: dict[str, _Lane] = {}
        self.closed = False  # set by shutdown(): nothing new will run
        for name in ("db", "net", "pages", "check"):
            lane = _Lane(name, self)
            lane.done.connect(self._on_done)
            lane.failed.connect(self._on_failed)
            lane.progress.connect(self._on_progress)
            lane.start()
            self._lanes[name] = lane

    @property
    def busy(self) -> bool:
        """True while any task is queued or running."""
        return bool(self._pending)

    def run(self, fn: Callable[..., Any], on_done: Callback | None = None,
            on_error: Callback | None = None, *, lane: str = "db",
            on_progress: Callback | None = None) -> int:
        """Queue ``fn``; ``on_done(result)`` or ``on_error(exc)`` run on the UI thread.

        With ``on_progress``, ``fn`` is called with one argument, a function it may call
        with progress information (any object) that reaches ``on_progress`` on the UI thread.
        """
        tid = next(self._ids)
        task = _Task(tid, fn, on_done, on_error, on_progress is not None)
        was_busy = self.busy
        self._pending[tid] = task
        if on_progress is not None:
            self._progress[tid] = on_progress
        self._lanes[lane].queue.put(task)
        if not was_busy:
            self.busy_changed.emit(True)
        return tid

    def _finish(self, tid: int) -> _Task | None:
        task = self._pending.pop(tid, None)
        self._progress.pop(tid, None)
        if not self._pending:
            self.busy_changed.emit(False)
        return task

    def _on_done(self, tid: int, result: object) -> None:
        task = self._finish(tid)
        if task is not None and task.on_done is not None:
            task.on_done(result)

    def _on_failed(self, tid: int, exc: object) -> None:
        task = self._finish(tid)
        if task is not None and task.on_error is not None:
            task.on_error(exc)
        else:
            self.error.emit(exc)

    def _on_progress(self, tid: int, info: object) -> None:
        cb = self._progress.get(tid)
        if cb is not None:
            cb(info)

    def shutdown(self, wait_ms: int = 30000) -> None:
        """Finish queued work and stop the threads (a save in flight is never cut off)."""
        self.closed = True
        for lane in self._lanes.values():
            lane.queue.put(None)
        for lane in self._lanes.values():
            lane.wait(wait_ms)
