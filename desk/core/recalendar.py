"""Promised dates when the official holiday arrangement arrives (Qt-free).

A promise counted across a year the desk had no official arrangement for was computed with
the fallback (statutory festival days, no make-up days) and marked inexact. When the
district's arrangement for that year arrives (or a corrected version of it),
:func:`recompute_promises` counts every open case's promised date and deferred-materials
due date again with it. A changed case gets a new revision (so the district sees the new
date through the ordinary, exactly-once push), a hash-chained audit entry and a line in
the worker's list — "承诺日期已按国务院通知更新：…" with the old and the new date — in the
same transaction; a reprinted receipt shows the new date and says it was updated.

The years to recompute are noted in the store in the pull's own transaction, so a crash
between the pull and the recomputation only delays it to the next round.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from desk.core import clock
from desk.core.cases import default_defer_days
from forms.calendar import SOURCE_LABELS, WorkCalendar
from forms.model import Item
from forms.workdays import add_working_days

if TYPE_CHECKING:
    from desk.core.store import Store
    from forms.catalog import Catalog

ACTOR = "节假日安排"
NOTICE = "承诺日期已按国务院通知更新"


class PromiseDesk(Protocol):
    """What recounting promises needs of an open desk: its store and the catalog each case
    was filled under. A :class:`desk.core.app.DeskContext` is one; named here rather than
    imported because ``app`` imports this module."""

    @property
    def store(self) -> Store: ...

    def catalog_for(self, version: str) -> Catalog: ...


def _item(ctx: PromiseDesk, case: dict[str, Any]) -> Item | None:
    try:
        cat = ctx.catalog_for(str(case.get("catalog_version") or ""))
        return cat.get(case["item_code"]) if case["item_code"] in cat else None
    except (KeyError, ValueError):
        return None


def _recompute_one(case: dict[str, Any], item: Item, cal: WorkCalendar,
                   source: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The column changes and the worker's lines for one case (empty when unchanged)."""
    accepted = date.fromisoformat(str(case["accepted_date"])[:10])
    changes: dict[str, Any] = {}
    updates: list[dict[str, Any]] = []
    if case.get("promised_date") and item.kind == "promised":
        wd = add_working_days(accepted, item.promised_days, cal)
        new, exact = wd.day.isoformat(), 1 if wd.exact else 0
        if new != case["promised_date"]:
            changes["promised_date"] = new
            updates.append({"field": "promised_date", "old": case["promised_date"],
                            "new": new, "source": source})
        if exact != case.get("promised_exact", 1) or changes:
            changes["promised_exact"] = exact
    mats = json.loads(case.get("materials_json") or "{}")
    old_due = mats.get("defer_due")
    if case["status"] == "deferred" and old_due:
        wd = add_working_days(accepted, default_defer_days(item), cal)
        new_due = wd.day.isoformat()
        if new_due != old_due or mats.get("defer_exact") is not wd.exact:
            for m in mats.get("missing", []):
                if m.get("due_date") == old_due and not m.get("supplied_on"):
                    m["due_date"] = new_due
            mats["defer_due"] = new_due
            mats["defer_exact"] = wd.exact
            changes["materials_json"] = json.dumps(mats, ensure_ascii=False, sort_keys=True)
            if new_due != old_due:
                updates.append({"field": "defer_due", "old": old_due, "new": new_due,
                                "source": source})
    if updates:
        data = json.loads(case.get("data_json") or "{}")
        data.setdefault("recalendared", []).extend(
            {"field": u["field"], "old": u["old"], "new": u["new"], "source": source}
            for u in updates)
        changes["data_json"] = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return changes, updates


def recompute_promises(ctx: PromiseDesk,
                       years: list[int] | None = None) -> list[dict[str, Any]]:
    """Recompute the open cases counted across ``years`` (default: the years whose
    arrangement arrived since the last run); returns the worker's lines for the cases
    whose dates changed."""
    store = ctx.store
    if years is None:
        store.calendar.note_local_calendars()  # a year file dropped in <data dir>/calendars
    pending = store.calendar.calendar_recompute_pending() if years is None else list(years)
    if not pending:
        return []
    cal = store.calendar.work_calendar()
    out: list[dict[str, Any]] = []
    for case in store.calendar.recalendar_candidates(pending):
        item = _item(ctx, case)
        if item is None:
            continue
        touched = sorted({y for y in pending})
        source = "；".join(f"{y}年：{cal.year(y).source}" for y in touched
                          if cal.year(y).origin == "district") or ""
        changes, updates = _recompute_one(case, item, cal, source)
        if not changes:
            continue

        def also(c: Any, new: dict[str, Any], updates: list[dict[str, Any]] = updates) -> None:
            store.calendar._record_promise_updates(c, new, updates)

        store.update_case(case["uuid"], changes, ACTOR, "case.recalendar",
                          {"years": touched, "updates": updates}, also=also)
        out.extend(line(case, u) for u in updates)
    if years is None:
        store.calendar.clear_calendar_recompute(pending)
    return out


def line(case: dict[str, Any], u: dict[str, Any]) -> dict[str, Any]:
    """One entry of the worker's list (JSON for ``sync``; the message for the window)."""
    what = "承诺办结日期" if u["field"] == "promised_date" else "补交材料期限"
    return {"case_uuid": case["uuid"], "receipt_no": case["receipt_no"],
            "item_name": case["item_name"], "field": u["field"], "old": u["old"],
            "new": u["new"],
            "message": f"{NOTICE}：{case['receipt_no']} {case['item_name']} {what} "
                       f"{u['old']} → {u['new']}"}


def message(row: dict[str, Any]) -> str:
    """The worker's line for a stored ``promise_updates`` row."""
    return str(line({"uuid": row["case_uuid"], "receipt_no": row["receipt_no"],
                     "item_name": row["item_name"]},
                    {"field": row["field"], "old": row["old_date"], "new": row["new_date"]}
                    )["message"])


def calendar_listing(ctx: PromiseDesk, today: date | None = None) -> list[dict[str, Any]]:
    """``doorstep-desk calendar --json``: every year the desk knows the official
    arrangement of (newest first) and, for this year and next when unknown, the fallback.
    Each: ``year``, ``source`` (district | local | shipped | package | fallback),
    ``source_label``, ``exact``, ``version``, ``notice``, ``holidays``, ``workdays``,
    ``published_at``."""
    cal = ctx.store.calendar.work_calendar()
    years = {c.year: c for c in cal.known_years()}
    today = today or clock.today()
    for y in (today.year, today.year + 1):
        years.setdefault(y, cal.year(y))
    return [{"year": c.year, "source": c.origin, "source_label": SOURCE_LABELS[c.origin],
             "exact": c.origin != "fallback", "version": c.version, "notice": c.source,
             "holidays": len(c.holidays), "workdays": len(c.workdays),
             "published_at": c.published_at}
            for c in sorted(years.values(), key=lambda c: -c.year)]
