"""The store's side of the official holiday arrangements (``store.calendar``).

- ``calendars`` — every year's arrangement the district published, one row per version
  pulled, in the order pulled — the district's publish order: the newest version of a year
  is the last one pulled, never the greatest text (``seq`` is the change's seq). Written by
  :meth:`desk.core.store_sync.Sync.apply_changes` in the pull's transaction, which also
  notes the year in ``meta.calendar_recompute`` — so the promises counted before it arrived
  are recomputed (:mod:`desk.core.recalendar`) even after a crash between the two.
- ``promise_updates`` — what the recomputation changed, case by case (old and new date), for
  the worker's list ("承诺日期已按国务院通知更新：…"), until the worker has seen it.

:meth:`Calendar.work_calendar` is the desk's working-day calendar: the district's
years, then ``<data dir>/calendars/YYYY.json`` files (a stand-alone desk), then the shipped
data, the ``chinesecalendar`` package and the lunar fallback (:mod:`forms.calendar`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from desk.core.store_base import Part, StoreBase, TableStamp, now_iso
from forms.calendar import CalendarError, WorkCalendar, YearCalendar, load_folder, parse_notice

RECOMPUTE_KEY = "calendar_recompute"
LOCAL_SEEN_KEY = "calendar_local_files"  # {file name: mtime_ns} of <data dir>/calendars


class Calendar(Part):
    """``store.calendar``: the holiday arrangements and the worker's list of updated
    promises."""

    calendar_dir: Path | None = None  # <data dir>/calendars (set by DeskContext.open)

    def __init__(self, core: StoreBase) -> None:
        super().__init__(core)
        self._calendar_cache: tuple[Any, WorkCalendar] | None = None
        self._calendar_lock = threading.Lock()
        self._stamp = TableStamp(core, "calendars")  # changes when an arrangement arrives

    # -- written while applying pulled changes ---------------------------------------------

    def _store_calendar(self, c: sqlite3.Connection, seq: int, body: dict[str, Any]) -> bool:
        """Keep a pulled arrangement (inside the pull's transaction); False if unusable."""
        try:
            cal, _ = parse_notice(body)
        except CalendarError:
            return False
        version = body.get("version")
        c.execute("INSERT INTO calendars(seq, year, version, body_json, published_at,"
                  " received_at) VALUES (?,?,?,?,?,?)",
                  [seq, cal.year, int(version) if isinstance(version, int) else None,
                   json.dumps(body, ensure_ascii=False), str(body.get("published_at") or ""),
                   now_iso()])
        self._stamp.touch()
        row = c.execute("SELECT value FROM meta WHERE key = ?", [RECOMPUTE_KEY]).fetchone()
        years = set(json.loads(row[0])) if row else set()
        years.add(cal.year)
        c.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                  "value = excluded.value", [RECOMPUTE_KEY, json.dumps(sorted(years))])
        return True

    # -- reading -------------------------------------------------------------------------

    def district_calendars(self) -> dict[int, YearCalendar]:
        """The newest published version of every year the district sent."""
        out: dict[int, YearCalendar] = {}
        for r in self._read("SELECT year, version, body_json, published_at FROM calendars "
                            "ORDER BY year, id"):
            try:
                cal, _ = parse_notice(json.loads(r["body_json"]))
            except (CalendarError, ValueError):
                continue
            out[int(r["year"])] = YearCalendar(
                cal.year, cal.holidays, cal.workdays, cal.source, "district", r["version"],
                cal.festivals, r["published_at"] or None)
        return out

    def work_calendar(self) -> WorkCalendar:
        """The desk's working-day calendar (cached until another arrangement arrives or a
        file in the calendars folder changes)."""
        key = (self._stamp(), _folder_files(self.calendar_dir))
        with self._calendar_lock:
            if self._calendar_cache is not None and self._calendar_cache[0] == key:
                return self._calendar_cache[1]
        given: dict[int, YearCalendar] = dict(load_folder(self.calendar_dir, "local"))
        given.update(self.district_calendars())
        cal = WorkCalendar(given)
        with self._calendar_lock:
            self._calendar_cache = (key, cal)
        return cal

    # -- recomputation (see desk.core.recalendar) -------------------------------------------

    def calendar_recompute_pending(self) -> list[int]:
        """Years whose arrangement arrived and whose promises are not recomputed yet."""
        raw = self.get_meta(RECOMPUTE_KEY)
        return sorted(int(y) for y in json.loads(raw)) if raw else []

    def note_local_calendars(self) -> list[int]:
        """Years whose file in the calendars folder is new or changed since last noted (a
        stand-alone desk's one-file change): their promises are due for recomputation."""
        if self.calendar_dir is None or not self.calendar_dir.is_dir():
            return []
        now = {p.name: p.stat().st_mtime_ns for p in self.calendar_dir.glob("*.json")}
        raw = self.get_meta(LOCAL_SEEN_KEY)
        seen = json.loads(raw) if raw else {}
        if now == seen:
            return []
        years = sorted(int(n[:4]) for n, m in now.items()
                       if seen.get(n) != m and n[:4].isdigit() and len(n) == 9)
        with self.transaction() as c:
            row = c.execute("SELECT value FROM meta WHERE key = ?", [RECOMPUTE_KEY]).fetchone()
            pending = sorted(set(json.loads(row[0]) if row else []) | set(years))
            c.executemany("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO "
                          "UPDATE SET value = excluded.value",
                          [(RECOMPUTE_KEY, json.dumps(pending)),
                           (LOCAL_SEEN_KEY, json.dumps(now, sort_keys=True))])
        return years

    def clear_calendar_recompute(self, years: Iterable[int]) -> None:
        """The promises counted over these years are recomputed."""
        done = set(years)
        with self.transaction() as c:
            row = c.execute("SELECT value FROM meta WHERE key = ?", [RECOMPUTE_KEY]).fetchone()
            left = sorted(set(json.loads(row[0])) - done) if row else []
            c.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                      "SET value = excluded.value", [RECOMPUTE_KEY, json.dumps(left)])

    def recalendar_candidates(self, years: Sequence[int]) -> list[dict[str, Any]]:
        """Open cases whose promised or deferred-materials date was counted across one of
        ``years`` (accepted before its end, due on or after its start)."""
        out: dict[str, dict[str, Any]] = {}
        for y in years:
            for r in self._read(
                    "SELECT * FROM cases WHERE status IN ('accepted', 'deferred') "
                    "AND coalesce(district_status, '') NOT IN ('completed', 'rejected') "
                    "AND accepted_date <= ? AND (promised_date >= ? OR status = 'deferred') "
                    "ORDER BY id", [f"{y}-12-31", f"{y}-01-01"]):
                out.setdefault(r["uuid"], dict(r))
        return list(out.values())

    @staticmethod
    def _record_promise_updates(c: sqlite3.Connection, case: dict[str, Any],
                                updates: Sequence[dict[str, Any]]) -> None:
        at = now_iso()
        c.executemany(
            "INSERT INTO promise_updates(case_uuid, receipt_no, item_name, field, old_date, "
            "new_date, source, revision, at) VALUES (?,?,?,?,?,?,?,?,?)",
            [(case["uuid"], case["receipt_no"], case["item_name"], u["field"], u["old"],
              u["new"], u.get("source", ""), case["revision"], at) for u in updates])

    def promise_updates(self, *, unseen_only: bool = False,
                        limit: int = 200) -> list[dict[str, Any]]:
        """Promised dates the official calendar moved, newest first."""
        where = "WHERE seen_at IS NULL " if unseen_only else ""
        return [dict(r) for r in self._read(
            "SELECT id, case_uuid, receipt_no, item_name, field, old_date, new_date, source, "
            f"revision, at, seen_at FROM promise_updates {where}ORDER BY id DESC LIMIT ?",
            [limit])]

    def mark_promise_updates_seen(self, ids: Sequence[int]) -> None:
        """The worker has seen (and told the residents about) these updates."""
        with self.transaction() as c:
            c.executemany("UPDATE promise_updates SET seen_at = ? WHERE id = ? AND seen_at "
                          "IS NULL", [(now_iso(), i) for i in ids])


def _folder_files(folder: Path | None) -> tuple[tuple[str, float], ...]:
    """The calendars folder's ``*.json`` files (as ``glob`` finds them: not hidden) with
    their modification times — what :meth:`Calendar.work_calendar` is cached by; () when
    there is no folder. One directory read: a matter save asks every time."""
    if folder is None:
        return ()
    try:
        with os.scandir(folder) as entries:
            return tuple(sorted((e.name, e.stat().st_mtime) for e in entries
                                if e.name.endswith(".json") and not e.name.startswith(".")))
    except OSError:
        return ()
