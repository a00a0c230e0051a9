"""The console's 主动服务 page (issue 18): how far the proactive lists got — per item and
compound, eligible (listed), contacted, confirmed, declined, unreachable, home visits and
paid (the 免申 case completed) — the last runs, which desk serves which compound, and the
roster corrections (已迁出 / 已故) desks reported, ID numbers masked, for the department
that owns the roster. Read-only (runs and compounds are set from the command line)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sync.district import proactive
from sync.district.api_deps import storage_of
from sync.district.console.auth import User, Viewer
from sync.district.console.views import render

router = APIRouter()


@router.get("/proactive", include_in_schema=False)
async def proactive_page(request: Request, user: User = Viewer) -> Response:
    """Coverage per item and compound, the runs, the compounds, the roster corrections."""
    st = storage_of(request)
    cover = await run_in_threadpool(proactive.coverage, st)
    summary = await run_in_threadpool(proactive.summary, st)
    served = await run_in_threadpool(proactive.list_compounds, st)
    fixes = await run_in_threadpool(proactive.roster_corrections, st)
    return render(request, "proactive.html", cover=cover, runs=summary["runs"],
                  served=served, corrections=fixes,
                  correction_words={"moved": "已迁出", "deceased": "已故"})


OUTCOME_WORDS = {"": "待联系", "confirmed": "已确认", "declined": "不需要",
                 "unreachable": "联系不上", "home_visit": "上门服务", "moved": "已迁出",
                 "deceased": "已故"}


def case_mark(st: Any, case: dict[str, Any], data: Any) -> dict[str, Any] | None:
    """A case filed from 已确认 on the proactive list (the desk recorded ``data["proactive"]``):
    免申即享, whether no signature was needed, and the district's list entry it came from
    with the desk's answer (``linked``: the answer names this case). None otherwise."""
    mark = data.get("proactive") if isinstance(data, dict) else None
    if not isinstance(mark, dict) or not isinstance(mark.get("entry_id"), int):
        return None
    entry = proactive.case_entry(st, mark["entry_id"], str(case.get("desk_code") or ""))
    if entry is not None:
        entry["outcome_words"] = OUTCOME_WORDS.get(entry["outcome"] or "", entry["outcome"])
        entry["linked"] = entry["case_uuid"] == case.get("uuid")
    return {"entry_id": mark["entry_id"], "reason": str(mark.get("reason") or ""),
            "no_signature": bool(mark.get("no_signature")), "entry": entry}
