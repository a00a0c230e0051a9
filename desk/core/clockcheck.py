"""Whether the desk's clock can be believed, and the date the desk works under.

A laptop's clock goes wrong (a flat CMOS battery reads 2024; a reset BIOS; weeks offline),
and the desk must never let its dates go backwards silently. The clock is *in doubt* when
its day (in the desk's zone, :mod:`desk.core.clock`) is

- earlier than the district's time at the last exchange with it, or than the newest case or
  audit entry recorded since (``behind``), or
- later than the district's last time by more than the plausible offline period
  (settings ``plausible_offline_days``, default 60: ``ahead``).

While in doubt, the window shows a blocking notice and saving refuses (DeskError
``clock_doubt``, exit status 1 on the command line) until the worker corrects the system
clock or confirms the date (audited, with the worker's name). A confirmation holds for the
clock's day it was given on; receipts are never dated before the district's last time, and
acceptance, age and eligibility checks, promised and due dates use the confirmed date.
When the clock is right again nothing needs repair: the doubt simply no longer arises.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from desk.core import clock
from desk.core.errors import DeskError

if TYPE_CHECKING:
    from desk.core.settings import Settings
    from desk.core.store import Store

DEFAULT_PLAUSIBLE_DAYS = 60
_CACHE_SECONDS = 30.0


class ClockInDoubt(DeskError):
    """The clock is in doubt and the date not confirmed (nothing was saved)."""

    def __init__(self, doubt: Doubt) -> None:
        super().__init__("clock_doubt", doubt.message)
        self.doubt = doubt


@dataclass(frozen=True)
class Doubt:
    """Why the clock is in doubt."""

    kind: str  # behind | ahead
    clock_day: date
    district_day: date | None  # the district's day at the last exchange
    newest_day: date | None  # the newest case / audit entry's day (behind only)
    floor_day: date | None  # no date the desk uses may be earlier than this
    message: str

    @property
    def clock_confirmable(self) -> bool:
        """Whether the clock's own day may be confirmed (never before the floor)."""
        return self.floor_day is None or self.clock_day >= self.floor_day

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "clock_day": self.clock_day.isoformat(),
                "district_day": _iso(self.district_day), "newest_day": _iso(self.newest_day),
                "floor_day": _iso(self.floor_day), "message": self.message}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _day(stamp: str | None) -> date | None:
    """The desk-zone day of an ISO timestamp (naive ones read as the desk's zone)."""
    if not stamp:
        return None
    try:
        value = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        return value.date()
    return value.astimezone(clock.current().zone).date()


def district_time_iso(instant: float | datetime) -> str:
    """An ISO UTC stamp for a district time (unix seconds or aware datetime)."""
    if isinstance(instant, datetime):
        return instant.astimezone(UTC).isoformat(timespec="seconds")
    return datetime.fromtimestamp(instant, UTC).isoformat(timespec="seconds")


def record_district_time(store: Store, instant: float | datetime | str | None) -> None:
    """Remember the district's clock from an answer (sync, enrollment); None: not heard."""
    if instant is None or instant == "":
        return
    if isinstance(instant, str):
        try:
            instant = datetime.fromisoformat(instant.replace("Z", "+00:00"))
        except ValueError:
            return
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=UTC)
    store.clock.record_district_time(district_time_iso(instant))


def _older_district_time(store: Store) -> str | None:
    """A desk that last synced before the district's time was recorded: its last complete
    round (its own clock then) plus the offset to the district's clock it kept."""
    last = store.get_meta("last_sync")
    if not last:
        return None
    try:
        at = datetime.fromisoformat(str(last).replace("Z", "+00:00"))
        offset = float(store.get_meta("clock_offset") or 0.0)
    except ValueError:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return (at + timedelta(seconds=offset)).isoformat()


def find_doubt(store: Store, plausible_days: int = DEFAULT_PLAUSIBLE_DAYS,
               today: date | None = None) -> Doubt | None:
    """The doubt about the clock's day ``today`` (default: the clock's), or None."""
    today = today or clock.today()
    district = _day(store.get_meta("district_time") or _older_district_time(store))
    cap = (district + timedelta(days=plausible_days + 1)).isoformat() if district else None
    newest = max((d for d in (_day(s) for s in store.clock.newest_stamps(cap)) if d), default=None)
    fix = ("请先校正电脑的日期和时间（右下角时间 → 调整日期/时间），"
           "或核对后确认今天的日期再继续。")
    if district and today < district:
        msg = (f"本机日期可能不正确：上次与区级同步是 {district.isoformat()}，"
               f"本机日期却是 {today.isoformat()}，早于上次同步。回执和告知书不能早于"
               f"上次同步的日期，请校正电脑的日期和时间，或确认今天的实际日期后继续。")
        return Doubt("behind", today, district, newest, district, msg)
    if newest and today < newest:
        since = (f"上次与区级同步是 {district.isoformat()}，" if district else "")
        msg = (f"本机日期可能不正确：{since}本机最近一次记录是 {newest.isoformat()}，"
               f"本机日期却是 {today.isoformat()}，比它还早。{fix}")
        return Doubt("behind", today, district, newest, district, msg)
    if district and (today - district).days > plausible_days:
        msg = (f"本机日期可能不正确：上次与区级同步是 {district.isoformat()}，"
               f"本机日期却是 {today.isoformat()}，相隔 {(today - district).days} 天，"
               f"超过可信的离线时间（{plausible_days} 天）。{fix}")
        return Doubt("ahead", today, district, None, district, msg)
    return None


def confirmed_day(store: Store, clock_day: date) -> date | None:
    """The date the worker confirmed while the clock read ``clock_day``, or None."""
    conf = store.clock.clock_confirmation()
    if not conf or conf.get("clock_day") != clock_day.isoformat():
        return None
    try:
        return date.fromisoformat(str(conf.get("day")))
    except ValueError:
        return None


class DeskDay:
    """The date a desk works under (the window's and the command line's
    ``CaseService.desk_day``): the clock's day when it can be believed, the worker's
    confirmed date while it is in doubt."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._cache: tuple[float, date, Doubt | None] | None = None

    @property
    def plausible_days(self) -> int:
        days = getattr(self.settings, "plausible_offline_days", DEFAULT_PLAUSIBLE_DAYS)
        return days if isinstance(days, int) and days > 0 else DEFAULT_PLAUSIBLE_DAYS

    def doubt(self, *, fresh: bool = True) -> Doubt | None:
        """The current doubt, or None (``fresh=False`` may reuse one from seconds ago)."""
        today = clock.today()
        hit = self._cache
        if not fresh and hit and hit[1] == today and time.monotonic() - hit[0] < _CACHE_SECONDS:
            return hit[2]
        found = find_doubt(self.store, self.plausible_days, today)
        self._cache = (time.monotonic(), today, found)
        return found

    def pending(self) -> Doubt | None:
        """The doubt the worker has not yet settled today (None: nothing to ask)."""
        found = self.doubt()
        if found is None or confirmed_day(self.store, found.clock_day) is not None:
            return None
        return found

    def __call__(self, strict: bool = False) -> date:
        """The desk's date. ``strict`` (saving a case, taking materials): raise
        :class:`ClockInDoubt` while the clock is in doubt and the date unconfirmed."""
        found = self.doubt(fresh=strict)
        if found is None:
            return clock.today()
        confirmed = confirmed_day(self.store, found.clock_day)
        if confirmed is not None and (found.floor_day is None or confirmed >= found.floor_day):
            return confirmed
        if strict:
            raise ClockInDoubt(found)
        return max(found.clock_day, found.floor_day or found.clock_day)

    def confirm(self, day: date, worker: str) -> date:
        """The worker confirms that today is ``day`` (audited under ``worker``); refused
        (DeskError ``clock_confirm``) before the district's last time or without a name."""
        if not worker.strip():
            raise DeskError("clock_confirm", "确认日期需要工作人员姓名，请先完成办事点设置。")
        found = self.doubt()
        today = clock.today()
        floor = found.floor_day if found else None
        if floor is not None and day < floor:
            raise DeskError("clock_confirm",
                            f"日期 {day.isoformat()} 早于上次与区级同步的日期 "
                            f"{floor.isoformat()}，不能以此日期受理；请校正电脑的日期和时间。")
        self.store.clock.confirm_clock(today.isoformat(), day.isoformat(), worker.strip(),
                                       found.message if found else "")
        self._cache = None
        return day

    def confirm_clock_date(self, given: str, worker: str) -> None:
        """``--confirm-date YYYY-MM-DD`` on the command line: it must match the clock's day
        (in the desk's zone); confirms the clock when it is in doubt."""
        today = clock.today()
        try:
            day = date.fromisoformat(given)
        except ValueError:
            raise DeskError("clock_confirm", f"--confirm-date 应为 YYYY-MM-DD 格式的日期，"
                                             f"收到“{given}”。") from None
        if day != today:
            raise DeskError("clock_confirm",
                            f"--confirm-date {given} 与本机日期 {today.isoformat()} 不符，"
                            "未保存。请核对电脑的日期后重试。")
        if self.pending() is not None:
            self.confirm(day, worker)


__all__ = ["DEFAULT_PLAUSIBLE_DAYS", "ClockInDoubt", "DeskDay", "Doubt", "confirmed_day",
           "district_time_iso", "find_doubt", "record_district_time"]
