"""Each desk's daily upload cap (issue 17): how many attachment bytes one desk may send on
one district day.

``upload_use`` counts, per desk (``desk_id``: one laptop) and district day (the date in
``DOORSTEP_TZ``, Asia/Shanghai by default), the bytes of the pieces the district took
(:meth:`Attachments.put <sync.district.attachments.Attachments.put>`): a piece already received, or a file this desk
already uploaded, costs nothing — and a file another desk uploaded costs what it costs, as
the district never tells a desk whether another desk holds a file (promise 7).

The count is taken in the piece's own transaction by one statement, ``INSERT … ON
CONFLICT (desk_id, day) DO UPDATE SET bytes = bytes + n WHERE bytes + n <= cap RETURNING``:
on PostgreSQL the row is locked and the condition read on its newest version, on SQLite
writers take turns — however many uploads of one desk run at once, in however many server
processes, their sum never passes the cap. A piece that would pass it is refused (429,
``upload_quota``) with the cap, what was used and when the count starts again (the
district's next midnight); the piece rolls back with its count.

The cap is ``DOORSTEP_DESK_DAILY_UPLOAD`` (500 MB), or the one district staff set for a
desk code (``upload_caps``: ``doorstep-district upload-cap``, audited), which follows the
办事点 to a replacement laptop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Column, PrimaryKeyConstraint, String, Table, select
from sqlalchemy import delete as sa_delete

from sync import protocol as P
from sync.district.errors import DistrictError, NotFound
from sync.district.tables import desks, metadata

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from sync.district.database import Database

upload_use = Table(
    "upload_use", metadata,
    Column("desk_id", String(40), nullable=False),
    Column("day", String(10), nullable=False),  # the district's date, YYYY-MM-DD
    Column("bytes", BigInteger, nullable=False),
    PrimaryKeyConstraint("desk_id", "day"),
)
upload_caps = Table(  # a desk code's own cap, set by district staff
    "upload_caps", metadata,
    Column("desk_code", String(32), primary_key=True),
    Column("cap", BigInteger, nullable=False),
    Column("set_by", String(64), nullable=False),
    Column("set_at", String(40), nullable=False),
)

KEEP_DAYS = 8  # days of counts kept (the console and the CLI show today's)
_UNITS = {"": 1, "B": 1, "K": 1024, "KB": 1024, "M": 1024 ** 2, "MB": 1024 ** 2,
          "G": 1024 ** 3, "GB": 1024 ** 3}


class QuotaExceeded(DistrictError):
    """The desk's daily upload cap would be passed: wait for the district's next day."""

    status = 429
    code = P.ERR_UPLOAD_QUOTA


def size_text(n: int) -> str:
    """Bytes for people: ``500 MB``, ``1.5 GB``, ``300 KB``."""
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n >= size:
            value = f"{n / size:.1f}".removesuffix(".0")
            return f"{value} {unit}"
    return f"{n} 字节"


def parse_size(text: str) -> int:
    """``800MB``, ``1.5 GB``, ``300k`` or plain bytes; ValueError when not a size."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", text)
    unit = m.group(2).upper() if m else ""
    value = int(float(m.group(1)) * _UNITS[unit]) if m and unit in _UNITS else -1
    if not 0 <= value <= P.MAX_SEQ:
        raise ValueError(f"不是大小：{text!r}（例如 800MB、1GB、500000000）")
    return value


@dataclass(frozen=True)
class DailyCap:
    """The rule a request is counted under: the district's default cap, its time zone and
    the moment of the request (the district's clock; tests pass another)."""

    default: int
    zone: ZoneInfo
    now: datetime

    @property
    def day(self) -> str:
        """The district's date at ``now``."""
        return self.now.astimezone(self.zone).date().isoformat()

    @property
    def resets_at(self) -> datetime:
        """The district's next midnight (UTC)."""
        local = self.now.astimezone(self.zone).date() + timedelta(days=1)
        return datetime.combine(local, time(0), self.zone).astimezone(UTC)

    def quota(self, conn: Connection, desk_id: str) -> P.UploadQuota:
        """This desk's cap and what it used today."""
        return P.UploadQuota(cap=cap_of(conn, desk_id, self.default), day=self.day,
                             used=used_today(conn, desk_id, self.day),
                             resets_at=self.resets_at.isoformat(timespec="seconds"))


def clock_of(state: Any) -> Callable[[], datetime]:
    """The district's clock (``app.state.now``, set by ``create_app``)."""
    now: Callable[[], datetime] = getattr(state, "now", None) or (lambda: datetime.now(UTC))
    return now


def cap_of(conn: Connection, desk_id: str, default: int) -> int:
    """The desk's daily cap: its desk code's own, else ``default``."""
    cap = conn.execute(select(upload_caps.c.cap).join(
        desks, desks.c.desk_code == upload_caps.c.desk_code).where(
        desks.c.desk_id == desk_id)).scalar()
    return int(cap) if cap is not None else default


def used_today(conn: Connection, desk_id: str, day: str) -> int:
    used = conn.execute(select(upload_use.c.bytes).where(
        upload_use.c.desk_id == desk_id, upload_use.c.day == day)).scalar()
    return int(used or 0)


def charge(db: Database, conn: Connection, desk_id: str, n: int, rule: DailyCap) -> None:
    """Count ``n`` bytes received from the desk today, in the caller's transaction, or
    refuse them (:class:`QuotaExceeded`) when they would pass its cap."""
    cap = cap_of(conn, desk_id, rule.default)
    if n <= cap:
        ins = db.dialect_insert(upload_use).values(desk_id=desk_id, day=rule.day, bytes=n)
        done = conn.execute(ins.on_conflict_do_update(
            index_elements=["desk_id", "day"], set_={"bytes": upload_use.c.bytes + n},
            where=upload_use.c.bytes + n <= cap).returning(upload_use.c.bytes)).first()
        if done is not None:
            if done[0] == n:  # the desk's first piece today: forget its old counts
                old = (rule.now.astimezone(rule.zone).date() - timedelta(days=KEEP_DAYS))
                conn.execute(sa_delete(upload_use).where(upload_use.c.desk_id == desk_id,
                                                         upload_use.c.day < old.isoformat()))
            return
    quota = rule.quota(conn, desk_id)
    refused = QuotaExceeded(refusal_text(quota), need=n, **quota.model_dump())
    refused.retry_after = max(1, int((rule.resets_at - rule.now).total_seconds()))
    raise refused


def refusal_text(q: P.UploadQuota) -> str:
    """The refusal in the worker's words, with the cap, the use and the reset."""
    return (f"本办事点今日上传已达上限 {size_text(q.cap)}（已用 {size_text(q.used)}），"
            "明日 00:00 后自动继续")


def set_cap(db: Database, desk_code: str, cap: int | None, actor: str,
            audit: Callable[[Connection, dict[str, Any]], None] | None = None
            ) -> dict[str, Any]:
    """Give a desk code its own daily cap (``None``: back to the district's default)."""
    code = desk_code.strip().upper()
    with db.write() as conn:
        if conn.execute(select(desks.c.desk_id).where(desks.c.desk_code == code)
                        .limit(1)).first() is None:
            raise NotFound(f"没有编码为 {code} 的办事点")
        old = conn.execute(select(upload_caps.c.cap).where(
            upload_caps.c.desk_code == code)).scalar()
        conn.execute(sa_delete(upload_caps).where(upload_caps.c.desk_code == code))
        if cap is not None:
            conn.execute(upload_caps.insert().values(desk_code=code, cap=cap, set_by=actor,
                                                     set_at=P.utc_now()))
        out = {"desk_code": code, "cap": cap, "previous": old}
        if audit is not None:
            audit(conn, out)
    return out


def overview(db: Database, rule: DailyCap) -> list[dict[str, Any]]:
    """Every active desk's cap (``own``: set for its code) and today's use."""
    with db.read() as conn:
        own = dict(conn.execute(select(upload_caps.c.desk_code, upload_caps.c.cap)).all())
        rows = conn.execute(select(desks.c.desk_id, desks.c.desk_code, desks.c.name).where(
            desks.c.revoked_at.is_(None)).order_by(desks.c.desk_code)).all()
        used = dict(conn.execute(select(upload_use.c.desk_id, upload_use.c.bytes).where(
            upload_use.c.day == rule.day)).all())
    return [{"desk_id": r.desk_id, "desk_code": r.desk_code, "name": r.name,
             "cap": int(own.get(r.desk_code, rule.default)), "own": r.desk_code in own,
             "used": int(used.get(r.desk_id, 0)), "day": rule.day} for r in rows]
