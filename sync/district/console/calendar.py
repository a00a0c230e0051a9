"""The console's holiday-arrangement page (节假日安排): the published years and their
versions for everyone; for admins, a form shaped like the State Council's notice — one line
per festival with its days off and make-up working days — with a preview of the year's
working days per month, and publishing (a published year corrected is its next version;
desks follow at their next sync). Checking, versioning and the audit entry are
:func:`sync.district.calendars.publish_calendar`'s."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from forms.calendar import FESTIVALS, CalendarError, fallback_holidays, notice_from_festivals
from sync.district.api_deps import storage_of
from sync.district.calendars import (
    CalendarRefused,
    calendar_body,
    calendar_versions,
    month_preview,
    publish_calendar,
)
from sync.district.console import auth
from sync.district.console.auth import Admin, User, Viewer
from sync.district.console.store import local_today
from sync.district.console.views import flash, render

router = APIRouter()
ROWS = len(FESTIVALS) + 2  # the seven festivals and two spare lines (a one-off holiday)


def _rows_from(body: dict[str, Any] | None) -> list[dict[str, str]]:
    """The form's lines: from a published notice, else the festivals' names."""
    rows: list[dict[str, str]] = []
    for f in (body or {}).get("festivals") or []:
        rows.append({"name": str(f.get("name", "")), "start": str(f.get("start", "")),
                     "end": str(f.get("end", "")),
                     "workdays": ", ".join(str(w) for w in f.get("workdays") or [])})
    if not rows:
        rows = [{"name": n, "start": "", "end": "", "workdays": ""} for n in FESTIVALS]
    return rows + [{"name": "", "start": "", "end": "", "workdays": ""}] * (ROWS - len(rows))


def _page(request: Request, year: int, source: str, rows: list[dict[str, str]], *,
          status: int = 200, problems: list[dict[str, str]] | None = None,
          preview: list[int] | None = None, warnings: list[str] | None = None,
          totals: dict[str, int] | None = None, year_text: str | None = None) -> Response:
    versions = calendar_versions(storage_of(request))
    hints = sorted(d.isoformat() for d in fallback_holidays(year)) if 2000 <= year <= 2100 \
        else []
    return render(request, "calendar.html", status, year=year, source=source, rows=rows,
                  year_text=str(year) if year_text is None else year_text,
                  versions=versions, problems=problems or [], preview=preview,
                  warnings=warnings or [], totals=totals or {}, hints=hints,
                  current=[v for v in versions if v["year"] == year][:1])


@router.get("/calendar", include_in_schema=False)
def calendar_page(request: Request, year: int = 0, user: User = Viewer) -> Response:
    """Published arrangements; the form for ``year`` (next year by default), filled with
    the year's newest version when there is one (to correct it)."""
    year = year or local_today().year + 1
    body = calendar_body(storage_of(request), year) if 2000 <= year <= 2100 else None
    return _page(request, year, str((body or {}).get("source", "")), _rows_from(body))


@router.post("/calendar", include_in_schema=False)
async def calendar_submit(request: Request, user: User = Admin) -> Response:
    """Preview (``action=preview``) or publish (``action=publish``) the form's notice."""
    form = await request.form()
    raw_year = str(form.get("year") or "").strip()
    year = int(raw_year) if raw_year.isdigit() else 0
    source = str(form.get("source") or "").strip()
    rows = [{k: str(form.get(f"{k}_{i}") or "").strip()
             for k in ("name", "start", "end", "workdays")} for i in range(ROWS)]
    try:
        body = notice_from_festivals(year if year else raw_year, source, rows)
        cal, warnings, months = month_preview(body)
    except (CalendarError, CalendarRefused) as exc:
        return _page(request, year, source, rows, status=400, problems=exc.problems,
                     year_text=raw_year)
    totals = {"holidays": len(cal.holidays), "workdays": len(cal.workdays),
              "working": sum(months)}
    if form.get("action") != "publish":
        return _page(request, year, source, rows, preview=months, warnings=warnings,
                     totals=totals)
    cs = auth.console(request)
    try:
        res = await run_in_threadpool(publish_calendar, cs, body, actor=user.username)
    except CalendarRefused as exc:
        return _page(request, year, source, rows, status=400, problems=exc.problems)
    if res["published"]:
        text = (f"{year} 年节假日安排第 {res['version']} 版已发布，各办事点下次同步时收到，"
                f"并据此重算承诺日期。")
    else:
        text = f"{year} 年节假日安排与已发布的第 {res['version']} 版相同，未重复发布。"
    if warnings:
        text += "注意：" + "；".join(warnings)
    return flash(RedirectResponse(f"/console/calendar?year={year}", status_code=303),
                 "ok", text)
