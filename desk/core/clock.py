"""The desk's one clock: what "now" and "today" mean at the desk.

The desk's dates — acceptance, promised and due dates, the day in a receipt number, working
days — are dates in the desk's time zone (China Standard Time, ``Asia/Shanghai``, unless the
settings name another zone for a district elsewhere), whatever zone the laptop is set to
(UTC is common on a fresh Linux install). Stored timestamps carry their offset
(``2026-12-04T07:30:00.000+08:00``).

Every part of :mod:`desk.core` that means the desk's day asks this module. Tests inject
another clock with :func:`use` (or :func:`set_source`); support staff and subprocess tests
can fix the instant with ``DOORSTEP_FAKE_NOW`` (an ISO instant with offset, e.g.
``2026-12-03T23:30:00Z``), which then runs on from that instant like faketime does.

Whether the clock can be believed at all (a flat CMOS battery reading 2024) is decided in
:mod:`desk.core.clockcheck`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"
FAKE_ENV = "DOORSTEP_FAKE_NOW"

Source = Callable[[], datetime]  # an aware instant


def zone_problem(name: str) -> str | None:
    """Why ``name`` is not a usable time zone, or None."""
    if not name:
        return "请填写时区，如 Asia/Shanghai"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"未知的时区“{name}”，应为 IANA 时区名，如 Asia/Shanghai"
    return None


def _system_now() -> datetime:
    return datetime.now(UTC)


def _fake_source(text: str) -> Source:
    try:
        start = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{FAKE_ENV} 应为带时区的 ISO 时间，如 2026-12-03T23:30:00Z") from None
    if start.tzinfo is None:
        raise ValueError(f"{FAKE_ENV} 应带时区，如 2026-12-03T23:30:00+00:00")
    began = time.monotonic()

    def now() -> datetime:
        return start + timedelta(seconds=time.monotonic() - began)

    return now


class Clock:
    """An instant source and the desk's zone."""

    def __init__(self, zone: str = DEFAULT_ZONE, source: Source | None = None) -> None:
        self.zone = ZoneInfo(zone)
        self.source = source or _system_now

    def now(self) -> datetime:
        """Now, as an aware datetime in the desk's zone."""
        return self.source().astimezone(self.zone)

    def today(self) -> date:
        """The desk's day (in the desk's zone)."""
        return self.now().date()


def _initial() -> Clock:
    fake = os.environ.get(FAKE_ENV, "")
    return Clock(source=_fake_source(fake) if fake else None)


_clock = _initial()


def current() -> Clock:
    """The clock in use."""
    return _clock


def now() -> datetime:
    """Now in the desk's zone (aware)."""
    return _clock.now()


def today() -> date:
    """The clock's date in the desk's zone (not yet checked: see :mod:`desk.core.clockcheck`)."""
    return _clock.today()


def now_iso() -> str:
    """Now as an ISO timestamp with the desk zone's offset, to the millisecond."""
    return _clock.now().isoformat(timespec="milliseconds")


def configure(zone: str) -> None:
    """Use ``zone`` (from the desk settings) for the desk's dates; an unknown zone keeps
    China Standard Time (the settings report the problem)."""
    global _clock
    if zone_problem(zone) is None:
        _clock = Clock(zone, _clock.source)


def set_source(source: Source | None) -> None:
    """Take instants from ``source`` (None: the system clock)."""
    global _clock
    _clock = Clock(str(_clock.zone), source)


@contextmanager
def use(source: Source | datetime, zone: str | None = None) -> Iterator[Clock]:
    """Run with an injected clock (a fixed instant or a source), restored afterwards."""
    global _clock
    before = _clock
    src: Source = (lambda: source) if isinstance(source, datetime) else source
    _clock = Clock(zone or str(before.zone), src)
    try:
        yield _clock
    finally:
        _clock = before


__all__ = ["DEFAULT_ZONE", "FAKE_ENV", "Clock", "configure", "current", "now", "now_iso",
           "set_source", "today", "use", "zone_problem"]
