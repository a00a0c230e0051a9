"""What the store knows about time (``store.clock``).

The desk doubts its clock against what it already knows (see :mod:`desk.core.clockcheck`):
the district's time at the last exchange with it, and the newest case and audit entry
recorded since then. A worker's confirmation of the date is kept here and audited in the
hash-chained log.

Meta keys: ``district_time`` (ISO, the district's clock when it last answered this desk),
``clock_marks`` (JSON: the newest case and audit ids when that time was recorded — what was
recorded before it is judged by the district's time, not by its own stamps) and
``clock_confirmed`` (JSON: the clock's day the worker confirmed, the date confirmed, who).
"""

from __future__ import annotations

import json
from typing import Any

from desk.core.store_base import Part

RECENT = 1000  # entries looked at for the newest stamp


class Clock(Part):
    """``store.clock``: the district's time, the newest stamps and the worker's confirmation."""

    def record_district_time(self, instant_iso: str) -> None:
        """Remember the district's clock (ISO with offset) as of now, never moving it back."""
        with self.transaction() as c:
            row = c.execute("SELECT value FROM meta WHERE key = 'district_time'").fetchone()
            if row is not None and str(row[0]) >= instant_iso:  # both ISO UTC
                return
            case_id = c.execute("SELECT COALESCE(MAX(id), 0) FROM cases").fetchone()[0]
            audit_id = c.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0]
            marks = json.dumps({"case_id": case_id, "audit_id": audit_id})
            c.executemany("INSERT INTO meta(key, value) VALUES (?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                          [("district_time", instant_iso), ("clock_marks", marks)])

    def newest_stamps(self, before_day: str | None) -> list[str]:
        """The newest case and audit timestamps recorded since the district's time was last
        recorded, each earlier than ``before_day`` (YYYY-MM-DD; None: no limit)."""
        marks = json.loads(self.get_meta("clock_marks") or "{}")
        cap = before_day or "9999"
        out: list[str] = []
        for table, col, mark in (("cases", "created_at", marks.get("case_id", 0)),
                                 ("audit", "at", marks.get("audit_id", 0))):
            # the newest entries by insertion (bounded: a save stays quick at 100,000 cases)
            rows = self._read(f"SELECT MAX(v) AS v FROM (SELECT {col} AS v FROM {table} "
                              f"WHERE id > ? AND {col} < ? ORDER BY id DESC LIMIT {RECENT})",
                              [int(mark), cap])
            if rows and rows[0]["v"]:
                out.append(str(rows[0]["v"]))
        return out

    def clock_confirmation(self) -> dict[str, Any] | None:
        """The worker's last confirmation of the date, or None."""
        raw = self.get_meta("clock_confirmed")
        try:
            value = json.loads(raw) if raw else None
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def confirm_clock(self, clock_day: str, day: str, worker: str, reason: str) -> None:
        """Keep the worker's confirmation that the desk's date is ``day`` while the clock
        reads ``clock_day``; audited under the worker's name in the same transaction."""
        body = {"clock_day": clock_day, "day": day, "worker": worker}
        with self.transaction("日期确认未保存") as c:
            c.execute("INSERT INTO meta(key, value) VALUES ('clock_confirmed', ?) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                      [json.dumps(body, ensure_ascii=False)])
            self._audit(c, worker, "clock.confirm", None, {**body, "reason": reason})
