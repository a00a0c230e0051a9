"""Background sync: once enrolled, the desk keeps itself in step with the district.

Nobody has to press 立即同步:

- a cheap signed health check (``GET changes`` since the desk's cursor, one change at
  most) runs every ``Intervals.check`` seconds while the district answers; when it answers,
  the outbox has entries waiting or the district has news, a full round follows at once;
- ``nudge()`` after every save pushes the new case ``Intervals.push_delay`` seconds later;
- a full round (push, then pull) runs at least every ``Intervals.pull`` seconds;
- when the district cannot be reached, the next check waits longer each time (exponential
  backoff from ``Intervals.backoff`` up to ``Intervals.backoff_max``, with jitter, so many
  desks coming back at once do not arrive together). The cap stays under a minute, so
  the outbox drains within a minute of the district coming back, without a click.

All network work runs on the helper's ``net`` lane (:mod:`desk.ui.tasks`), never on the UI
thread. ``state`` is what the status bar shows: ``unenrolled`` (离线工作), ``online``,
``offline`` (since ``offline_since``), ``syncing``; ``message`` says in plain Chinese what
happened and what to do (never an exception's class name).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from desk.ui.text import tr

if TYPE_CHECKING:
    from desk.core.app import DeskContext
    from desk.ui.services import Services

log = logging.getLogger(__name__)


@dataclass
class Intervals:
    """Seconds between the background sync's steps (tests use short ones)."""

    first: float = 3.0  # the first check after start-up or enrollment
    check: float = 30.0  # the health check while the district answers
    push_delay: float = 2.0  # from a save to its push
    pull: float = 300.0  # a full round (statuses, notes, catalog) at least this often
    backoff: float = 5.0  # the first retry after the district could not be reached
    backoff_max: float = 40.0  # the longest wait (with jitter ≤ this): back within a minute
    connect_timeout: float = 5.0  # seconds to wait for a connection


def backoff_delay(failures: int, iv: Intervals, rand: Callable[[], float]) -> float:
    """The wait before check number ``failures + 1`` after ``failures`` failed ones:
    doubling from ``iv.backoff``, capped at ``iv.backoff_max``, jittered to 50–100 %."""
    base = min(iv.backoff_max, iv.backoff * 2.0 ** max(0, failures - 1))
    return float(base * (0.5 + 0.5 * rand()))


def _round(ctx: DeskContext, full: bool, timeout: float,
           report: Callable[[object], None]) -> dict[str, Any]:
    """On the net lane: the signed health check, then a full round when there is work.

    Returns ``{"ok", "error", "summary", "pending"}``; never raises for sync failures."""
    from sync.client import desk as client
    from sync.client.errors import SyncError

    store = ctx.store
    out: dict[str, Any] = {"ok": False, "error": None, "summary": None, "pending": 0}
    try:
        c = client.client_for(ctx, retries=0, timeout=(timeout, 60.0))
    except SyncError as exc:
        out["error"] = exc.as_dict()
        return out
    try:
        out["pending"] = store.sync.outbox_counts().get("pending", 0)
        try:
            since = int(store.get_meta("sync_cursor") or 0)
        except ValueError:
            since = 0
        try:
            news = c.changes(since, 1)  # signed: checks the desk's identity too
        except SyncError as exc:
            out["error"] = exc.as_dict()
            return out
        if full or out["pending"] or news.changes:
            report({"stage": "start"})
            summary = client.sync_desk(ctx, client=c, progress=report)
            out["summary"] = summary
            out["pending"] = summary.get("pending", 0)
            out["error"] = summary.get("error")
        out["ok"] = out["error"] is None
        return out
    finally:
        c.close()


class AutoSync(QObject):
    """The window's background sync (one per window), given the services (issue 13): a
    change of ``state`` is told by ``changed``, each full round's summary by
    ``roundFinished``."""

    changed = Signal()
    roundFinished = Signal(dict)  # a full round of its own ran: its summary

    def __init__(self, services: Services, parent: QObject | None = None,
                 intervals: Intervals | None = None,
                 rand: Callable[[], float] = random.random) -> None:
        super().__init__(parent)
        self.services = services
        self.intervals = intervals or Intervals()
        self._rand = rand
        self.state = "unenrolled"
        self.offline_since: datetime | None = None
        self.message = ""
        self.failures = 0
        self.rounds = 0  # full rounds finished (tests wait on it)
        self.running = False
        self.enrolled = False
        self._stopped = False
        self._want_full = False
        self._last_full = 0.0  # monotonic time of the last full round
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)

    # -- control -----------------------------------------------------------------------------

    def start(self) -> None:
        """Read whether the desk is enrolled (in the background); if so, begin checking."""
        if self._stopped:
            return
        ctx = self.services.ctx
        store = ctx.store

        def enrolled() -> bool:
            return bool(store.get_meta("desk_id")) and bool(
                store.get_meta("server_url") or ctx.settings.server_url)

        self.services.tasks.run(enrolled, on_done=self._enrollment)

    def _enrollment(self, enrolled: object) -> None:
        was = self.enrolled
        self.enrolled = bool(enrolled)
        if not self.enrolled:
            self._timer.stop()
            self._set("unenrolled")
            return
        if not was:
            self._want_full = True
            if self.state == "unenrolled":
                self._set("offline" if self.offline_since else "checking")
            self._schedule(self.intervals.first)

    def nudge(self) -> None:
        """A case (or rating) was saved: push it soon — unless the district is known to be
        unreachable, when the backoff's next check pushes it."""
        if not self.enrolled or self._stopped:
            return
        self._want_full = True
        if self.state != "offline":
            self._schedule(self.intervals.push_delay)

    def sync_now(self) -> None:
        """A full round as soon as the network lane is free."""
        if self.enrolled and not self._stopped:
            self._want_full = True
            self._schedule(0)

    def stop(self) -> None:
        """No more rounds (the window is closing)."""
        self._stopped = True
        self._timer.stop()

    def _schedule(self, seconds: float) -> None:
        """Run the next step in ``seconds`` (an earlier step already planned stays)."""
        ms = max(0, int(seconds * 1000))
        if self._timer.isActive() and self._timer.remainingTime() <= ms:
            return
        self._timer.start(ms)

    # -- one step ----------------------------------------------------------------------------

    def _tick(self) -> None:
        if self._stopped or not self.enrolled or self.services.tasks.closed:
            return
        if self.running:  # the step in flight plans the next one
            return
        full = self._want_full or (time.monotonic() - self._last_full >= self.intervals.pull)
        self._want_full = False
        self.running = True
        ctx, timeout = self.services.ctx, self.intervals.connect_timeout

        def work(report: Callable[[object], None]) -> dict[str, Any]:
            return _round(ctx, full, timeout, report)

        self.services.tasks.run(work, on_done=self._done, on_error=self._failed, lane="net",
                                on_progress=self._progress)

    def _progress(self, info: object) -> None:
        if self.state != "syncing":
            self._set("syncing")

    def _done(self, out: dict[str, Any]) -> None:
        self.running = False
        summary = out.get("summary")
        if summary is not None:
            self.rounds += 1
            self._last_full = time.monotonic()
            self.roundFinished.emit(summary)
        err = out.get("error")
        if err:
            self._offline(str(err.get("message") or ""), kind=str(err.get("kind") or ""))
        else:
            self.failures = 0
            self.offline_since = None
            self.message = ""
            self._set("online")
            self._schedule(0 if self._want_full else self.intervals.check)

    def _failed(self, exc: object) -> None:
        """A defect, not the network: logged in full, the worker reads a plain sentence."""
        self.running = False
        log.error("background sync failed: %s", getattr(exc, "__traceback_text__", exc))
        self._offline(tr("自动同步出错，稍后自动重试；已保存的案件不会丢失"))

    def _offline(self, message: str, kind: str = "") -> None:
        self.failures += 1
        if self.offline_since is None:
            self.offline_since = datetime.now()
        self.message = message
        self._set("offline")
        self._schedule(backoff_delay(self.failures, self.intervals, self._rand))

    def observe(self, summary: dict[str, Any]) -> None:
        """A round the worker started (sync page) tells the state too."""
        err = summary.get("error")
        if err:
            if self.offline_since is None:
                self.offline_since = datetime.now()
            self.message = str(err.get("message") or "")
            self._set("offline")
        elif self.enrolled:
            self.failures = 0
            self.offline_since = None
            self.message = ""
            self._last_full = time.monotonic()
            self._set("online")

    def _set(self, state: str) -> None:
        self.state = state
        self.changed.emit()

    # -- words -------------------------------------------------------------------------------

    def status_text(self) -> str:
        """The status bar's words for the connection."""
        if self.state == "online":
            return "● " + tr("在线")
        if self.state == "syncing":
            return "⟳ " + tr("同步中")
        if self.state == "offline" and self.offline_since is not None:
            return "○ " + tr("离线（自 {t} 起）").format(t=_when(self.offline_since))
        if self.state == "checking":
            return "○ " + tr("正在连接区级系统")
        return "○ " + tr("离线")


def _when(t: datetime) -> str:
    """``14:05`` today, ``12月2日 14:05`` on another day."""
    if t.date() == datetime.now().date():
        return t.strftime("%H:%M")
    return f"{t.month}月{t.day}日 {t:%H:%M}"
