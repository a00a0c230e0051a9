"""The server's daily proactive run (issue 18): every server process ticks
(``DOORSTEP_PROACTIVE_SCHEDULE`` seconds, default an hour; ``0`` turns it off) and runs
:func:`sync.district.proactive.run` for the district's today; the slot makes it once a day
however many processes tick (the first run of the day takes it, the others find it taken).
Audited as ``proactive.run`` by ``schedule``."""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import select

from sync.district import proactive
from sync.district.catalog_import import district_catalog
from sync.district.console.schema import local_today
from sync.district.roster import roster

log = logging.getLogger(__name__)


def run_today(storage: Any, console: Any = None) -> dict[str, Any] | None:
    """Today's run, unless today's slot is already taken or there is no roster yet (then
    None, nothing written)."""
    from sync.district.console.store import ConsoleStore

    day = local_today()
    with storage.read() as conn:
        if conn.execute(select(proactive.runs.c.slot).where(
                proactive.runs.c.slot == day.isoformat())).first() is not None:
            return None
        if conn.execute(select(roster.c.id_number).limit(1)).first() is None:
            return None
    cs = console or ConsoleStore(storage)
    return proactive.run(storage, district_catalog(storage), day=day, actor="schedule",
                         audit=lambda conn, res: cs.audit.append_in(
                             conn, "schedule", "proactive.run", res["slot"],
                             listed=res["listed"], by_item=res["by_item"]))


class ProactiveSchedule(threading.Thread):
    """:func:`run_today` every ``interval`` seconds, the first at once; :attr:`ticked` is
    set after each tick (tests wait on it); stopped by :meth:`stop`."""

    def __init__(self, storage: Any, console: Any = None, *, interval: float = 3600.0) -> None:
        super().__init__(name="proactive-schedule", daemon=True)
        self.storage, self.console, self.interval = storage, console, interval
        self._stop_event = threading.Event()
        self.ticked = threading.Event()
        self.results: list[dict[str, Any] | None] = []

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self.results.append(run_today(self.storage, self.console))
            except Exception:  # a failed run is retried at the next tick, never fatal
                log.exception("the proactive run failed; retried next time")
            self.ticked.set()
            if self._stop_event.wait(self.interval):
                return

    def stop(self, timeout: float = 60.0) -> None:
        """Stop after the current run."""
        self._stop_event.set()
        self.join(timeout)


def start_proactive_schedule(storage: Any, console: Any = None, *,
                             interval: float = 3600.0) -> ProactiveSchedule | None:
    """Start the daily run's thread, a run every ``interval`` seconds
    (``DOORSTEP_PROACTIVE_SCHEDULE``, default 3600) unless it is ``0``."""
    if interval <= 0:
        return None
    thread = ProactiveSchedule(storage, console, interval=interval)
    thread.start()
    return thread
