"""Cases whose desk date cannot be explained by offline work (issue 24).

A desk works offline for days, so a case may reach the district long after its desk date;
that is normal. Two things offline work cannot explain:

- ``after_receipt`` — the desk dated the case (its acceptance date or its clock) after the
  day the district received it: the desk's clock ran ahead;
- ``before_previous_batch`` — a new case dated before the day the district received the
  desk's previous batch (more than ten minutes earlier, so not a batch of the same round):
  the case was made after that batch, so its clock ran behind.

Each new case is checked in its batch's transaction; the flag (one row per case, kept
when the clock is right again — the case keeps the date it was issued under) is shown on
the console's case page and filtered on in its case list. Days are in the district's zone
(``DOORSTEP_TZ``, default ``Asia/Shanghai``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Connection, Index, String, Table, Text, func, select

from sync import protocol as P
from sync.district.config import district_zone
from sync.district.database import Database, driver_sql
from sync.district.tables import metadata

SAME_ROUND = timedelta(minutes=10)
_TICK = timedelta(microseconds=1)
KIND_LABELS = {"after_receipt": "办事点日期晚于区级接收日期",
               "before_previous_batch": "办事点日期早于该办事点上一批次"}

desk_date_flags = Table(
    "desk_date_flags", metadata,
    Column("case_uuid", String(36), primary_key=True),
    Column("desk_id", String(40), nullable=False),
    Column("kind", String(24), nullable=False),  # after_receipt | before_previous_batch
    Column("desk_day", String(10), nullable=False),
    Column("reference_day", String(10), nullable=False),
    Column("message", Text, nullable=False),
    Column("at", String(40), nullable=False),
    Index("desk_date_flags_desk", "desk_id"),
)


def _zone() -> ZoneInfo:
    return district_zone()


def _day(stamp: str, zone: ZoneInfo) -> date | None:
    try:
        value = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return value.date() if value.tzinfo is None else value.astimezone(zone).date()


def _desk_days(cp: P.CasePayload, zone: ZoneInfo) -> list[tuple[str, date]]:
    out: list[tuple[str, date]] = []
    accepted = cp.accepted_date
    if isinstance(accepted, str):
        try:
            out.append(("受理日期", date.fromisoformat(accepted[:10])))
        except ValueError:
            pass
    made = _day(cp.created_at, zone)
    if made is not None:
        out.append(("办事点时钟", made))
    return out


def judge(cp: P.CasePayload, received_at: str, previous_batch_at: str | None,
          zone: ZoneInfo | None = None) -> dict[str, str] | None:
    """The flag for a new case, or None when its dates fit offline work."""
    zone = zone or _zone()
    got = _day(received_at, zone)
    days = _desk_days(cp, zone)
    if got is None or not days:
        return None
    late = [(w, d) for w, d in days if d > got]
    if late:
        what = "，".join(f"{w} {d.isoformat()}" for w, d in late)
        return {"kind": "after_receipt", "desk_day": max(d for _, d in late).isoformat(),
                "reference_day": got.isoformat(),
                "message": f"{what} 晚于区级接收日期 {got.isoformat()}：办事点电脑时钟可能走快了"}
    prev = _day(previous_batch_at, zone) if previous_batch_at else None
    early = [(w, d) for w, d in days if prev is not None and d < prev]
    if prev is not None and early:
        what = "，".join(f"{w} {d.isoformat()}" for w, d in early)
        return {"kind": "before_previous_batch",
                "desk_day": min(d for _, d in early).isoformat(),
                "reference_day": prev.isoformat(),
                "message": f"{what} 早于该办事点上一批次的接收日期 {prev.isoformat()}，"
                           "离线办理无法解释：办事点电脑时钟可能走慢了"}
    return None


def _fits(received_at: str, previous: str | None, zone: ZoneInfo
          ) -> Callable[[P.CasePayload], bool]:
    """A quick test, the batch's days worked out once: True only for a case whose dates
    :func:`judge` would pass (its clock's instant within the days from the previous
    batch's to this one's, in the zone; its acceptance date among them) — any other goes
    to :func:`judge`."""
    got = _day(received_at, zone)
    prev = _day(previous, zone) if previous else None
    if got is None or (prev is not None and prev > got):
        return lambda cp: False
    # [lo, hi): the instants whose day in the zone is prev (or any before) to got
    lo = datetime.combine(prev, dtime(0), zone) if prev is not None else None
    hi = datetime.combine(got + timedelta(days=1), dtime(0), zone)
    if ((lo is not None and (lo.astimezone(zone).date() != prev
                             or (lo - _TICK).astimezone(zone).date() >= prev))
            or hi.astimezone(zone).date() <= got or (hi - _TICK).astimezone(zone).date() != got):
        return lambda cp: False  # a clock change at midnight: judge each

    def fits(cp: P.CasePayload) -> bool:
        accepted = cp.accepted_date
        try:
            if accepted is not None:
                day = date.fromisoformat(accepted[:10])
                if day > got or (prev is not None and day < prev):
                    return False
            made = datetime.fromisoformat(cp.created_at.replace("Z", "+00:00"))
        except (ValueError, TypeError):
            return False
        return made.tzinfo is not None and (lo is None or lo <= made) and made < hi

    return fits


def flag_desk_dates(db: Database, conn: Connection, desk_id: str, batch_id: str,
                    received_at: str, new_cases: Sequence[P.CasePayload]) -> int:
    """Flag the new cases of a batch whose desk date offline work cannot explain."""
    if not new_cases:
        return 0
    try:
        cut = (datetime.fromisoformat(received_at.replace("Z", "+00:00")) - SAME_ROUND
               ).isoformat(timespec="milliseconds")
    except ValueError:
        return 0
    previous = driver_sql(conn, "SELECT max(received_at) FROM batches WHERE desk_id = ? "
                          "AND batch_id <> ? AND received_at < ?", (desk_id, batch_id, cut)
                          ).scalar()
    zone = _zone()
    fits = _fits(received_at, previous, zone)
    rows = []
    for cp in new_cases:
        flag = None if fits(cp) else judge(cp, received_at, previous, zone)
        if flag is not None:
            rows.append({"case_uuid": str(cp.uuid), "desk_id": desk_id, "at": received_at,
                         **flag})
    if rows:
        conn.execute(db.dialect_insert(desk_date_flags).on_conflict_do_nothing(
            index_elements=["case_uuid"]), rows)
    return len(rows)


def desk_date_flag(db: Database, case_uuid: str) -> dict[str, Any] | None:
    """The flag on a case, with ``label``, or None."""
    with db.read() as conn:
        row = conn.execute(select(desk_date_flags).where(
            desk_date_flags.c.case_uuid == case_uuid)).mappings().first()
    if row is None:
        return None
    return {**dict(row), "label": KIND_LABELS.get(row["kind"], row["kind"])}


def desk_date_flag_count(db: Database) -> int:
    """How many cases carry a flag."""
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(desk_date_flags)
                                ).scalar_one())


__all__ = ["KIND_LABELS", "desk_date_flag", "desk_date_flag_count", "desk_date_flags",
           "flag_desk_dates", "judge"]
