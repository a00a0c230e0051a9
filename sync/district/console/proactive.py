"""The console's 主动服务 page (issue 18): how far the proactive lists got — per item and
compound, eligible (listed), contacted, confirmed, declined, unreachable, home visits and
paid (the 免申 case completed) — the last runs, which desk serves which compound, and the
roster corrections (已迁出 / 已故) desks reported, ID numbers masked, for the department
that owns the roster. Read-only (runs and compounds are set from the command line)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sync.district import proactive
from sync.district.console import auth
from sync.district.console.auth import User, Viewer
from sync.district.console.views import render

router = APIRouter()


@router.get("/proactive", include_in_schema=False)
async def proactive_page(request: Request, user: User = Viewer) -> Response:
    """Coverage per item and compound, the runs, the compounds, the roster corrections."""
    st = auth.console(request).st
    cover = await run_in_threadpool(proactive.coverage, st)
    summary = await run_in_threadpool(proactive.summary, st)
    served = await run_in_threadpool(proactive.list_compounds, st)
    fixes = await run_in_threadpool(proactive.roster_corrections, st)
    return render(request, "proactive.html", cover=cover, runs=summary["runs"],
                  served=served, corrections=fixes,
                  correction_words={"moved": "已迁出", "deceased": "已故"})
