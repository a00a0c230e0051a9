"""The district's official holiday arrangements (放假调休): publish, list, use.

Part of the storage layer (the only code touching ``holiday_calendars``). A district admin
publishes a year's arrangement — from the console's form or ``doorstep-district calendar
publish --file FILE.json`` — as the State Council's notice gives it; it is checked by
:func:`forms.calendar.parse_notice` (problems name the field and the rule; an unusual
holiday count is a warning, not a refusal), written with a ``changes`` row every desk
pulls (kind ``calendar``) and a hash-chained audit entry, all in one transaction.

Versions: ``version`` is the publish sequence within the year (1, 2, …), never compared as
text; publishing a year again with other content is a correction (the next version, which
desks adopt); the same content again is a no-op. The district's own timers (差评
callbacks …) count working days with :func:`district_calendar`, the same arrangements the
desks get.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from forms.calendar import CalendarError, WorkCalendar, YearCalendar, parse_notice
from sync import protocol as P
from sync.district.errors import Refused
from sync.district.tables import changes
from sync.district.tables import holiday_calendars as hc

if TYPE_CHECKING:
    from sync.district.console.store import ConsoleStore
    from sync.district.database import Database
    from sync.district.storage import Storage


class CalendarRefused(Refused):
    """A notice that cannot be published: ``problems`` as :class:`CalendarError` has."""

    code = "invalid_calendar"
    status = 400

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("节假日安排有误：" + "；".join(p["message"] for p in problems),
                         problems=problems)
        self.problems = problems


def _body(cal: YearCalendar) -> dict[str, Any]:
    return cal.to_json()


def publish_calendar(console: ConsoleStore, body: Any, *, actor: str) -> dict[str, Any]:
    """Publish a year's arrangement to every desk (checked, versioned, audited).

    Returns ``{"year", "version", "seq", "published", "warnings", "holidays", "workdays",
    "source"}``; ``published`` is false when the year's newest version has the same
    content. Raises :class:`CalendarRefused` naming every problem.
    """
    try:
        cal, warnings = parse_notice(body)
    except CalendarError as exc:
        raise CalendarRefused(exc.problems) from None
    db = console.db
    notice = _body(cal)
    digest = P.content_hash({k: notice[k] for k in ("year", "holidays", "workdays",
                                                    "source")})
    now = P.utc_now()
    out: dict[str, Any] = {"year": cal.year, "warnings": warnings,
                           "holidays": len(cal.holidays), "workdays": len(cal.workdays),
                           "source": cal.source}
    with db.write() as conn:
        db.serialise_changes(conn)
        latest = conn.execute(select(hc.c.version, hc.c.content_hash, hc.c.change_seq)
                              .where(hc.c.year == cal.year)
                              .order_by(hc.c.version.desc()).limit(1)).first()
        if latest is not None and latest.content_hash == digest:
            return dict(out, version=latest.version, seq=latest.change_seq, published=False)
        version = (latest.version if latest is not None else 0) + 1
        note = f"{cal.year} 年节假日安排（第 {version} 版）"
        seq = conn.execute(changes.insert().values(
            kind="calendar", desk_id=None, actor=actor[:64], at=now, note=note
        ).returning(changes.c.seq)).scalar_one()
        conn.execute(hc.insert().values(
            year=cal.year, version=version, change_seq=seq,
            holidays_json=json.dumps(notice["holidays"]),
            workdays_json=json.dumps(notice["workdays"]),
            body_json=json.dumps(notice, ensure_ascii=False), content_hash=digest,
            source=cal.source[:200], published_at=now, published_by=actor[:64]))
        console.audit.append_in(conn, actor, "calendar.publish", f"calendar:{cal.year}",
                         year=cal.year, version=version, seq=seq, source=cal.source,
                         holidays=len(cal.holidays), workdays=len(cal.workdays),
                         content_hash=digest, warnings=warnings,
                         corrects=latest.version if latest is not None else None)
    _CACHE.clear()
    return dict(out, version=version, seq=seq, published=True)


def calendar_versions(st: Storage, year: int | None = None) -> list[dict[str, Any]]:
    """Published versions (newest year first, newest version first), without bodies."""
    q = select(hc.c.year, hc.c.version, hc.c.change_seq, hc.c.source, hc.c.published_at,
               hc.c.published_by, hc.c.holidays_json, hc.c.workdays_json
               ).order_by(hc.c.year.desc(), hc.c.version.desc())
    if year is not None:
        q = q.where(hc.c.year == year)
    with st.read() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
    for r in rows:
        r["holidays"] = len(json.loads(r.pop("holidays_json")))
        r["workdays"] = len(json.loads(r.pop("workdays_json")))
        r["seq"] = r.pop("change_seq")
    return rows


def calendar_body(st: Storage, year: int, version: int | None = None) -> dict[str, Any] | None:
    """A published notice (the newest version of the year unless ``version``), or None."""
    q = select(hc.c.body_json, hc.c.version).where(hc.c.year == year)
    q = q.where(hc.c.version == version) if version else q.order_by(hc.c.version.desc())
    with st.read() as conn:
        row = conn.execute(q.limit(1)).first()
    if row is None:
        return None
    body: dict[str, Any] = json.loads(row.body_json)
    body["version"] = row.version
    return body


def calendar_bodies(conn: Connection, seqs: Iterable[int]) -> dict[int, dict[str, Any]]:
    """What a desk pulls for calendar changes: change seq → the published notice."""
    seqs = list(seqs)
    if not seqs:
        return {}
    out: dict[int, dict[str, Any]] = {}
    for r in conn.execute(select(hc.c.change_seq, hc.c.version, hc.c.body_json,
                                 hc.c.published_at).where(hc.c.change_seq.in_(seqs))):
        body = json.loads(r.body_json)
        body.update(version=r.version, published_at=r.published_at)
        out[int(r.change_seq)] = body
    return out


# -- the district's own working days ----------------------------------------------------------

_CACHE: dict[str, tuple[Any, WorkCalendar]] = {}
_LOCK = threading.Lock()


def published_calendars(st: Database) -> dict[int, YearCalendar]:
    """The newest published version of every year."""
    with st.read() as conn:
        rows = conn.execute(select(hc.c.year, hc.c.version, hc.c.body_json, hc.c.published_at)
                            .order_by(hc.c.year, hc.c.version)).all()
    out: dict[int, YearCalendar] = {}
    for r in rows:
        try:
            cal, _ = parse_notice(json.loads(r.body_json))
        except (CalendarError, ValueError):  # pragma: no cover - checked when published
            continue
        out[r.year] = YearCalendar(cal.year, cal.holidays, cal.workdays, cal.source,
                                   "district", r.version, cal.festivals, r.published_at)
    return out


def district_calendar(st: Database) -> WorkCalendar:
    """Working days as the district counts them: its published years first (then the
    shipped data, the package, the fallback). Cached until another version is published
    (by this process or any other sharing the database)."""
    with st.read() as conn:
        stamp = conn.execute(select(func.count(), func.max(hc.c.change_seq))).first()
    key = f"{st.url}|{tuple(stamp) if stamp is not None else ()}"
    with _LOCK:
        hit = _CACHE.get(st.url)
        if hit is not None and hit[0] == key:
            return hit[1]
    cal = WorkCalendar(published_calendars(st))
    with _LOCK:
        _CACHE[st.url] = (key, cal)
    return cal


def month_preview(body: dict[str, Any]) -> tuple[YearCalendar, list[str], list[int]]:
    """The console's preview: the checked notice, its warnings and working days per month
    (raises :class:`CalendarRefused`)."""
    try:
        cal, warnings = parse_notice(body)
    except CalendarError as exc:
        raise CalendarRefused(exc.problems) from None
    return cal, warnings, cal.working_days_by_month()
