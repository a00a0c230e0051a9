"""The console's 差评 callbacks: the list, the audited reveal of a phone number, the
ledger CSV and closing a callback (a router of :func:`sync.district.console.mount.install`)."""

from __future__ import annotations

import json
from functools import partial
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sync.district.api_deps import storage_of
from sync.district.console.auth import Actor, Exporter, Revealer, User, Viewer
from sync.district.console.routes import _cs, redirect
from sync.district.console.store import (
    CONTACT_ATTEMPTS,
    local_today,
)
from sync.district.console.views import (
    RATING_LABELS,
    flash,
    local_time,
    render,
)
from sync.district.errors import DistrictError
from sync.district.storage import Storage

router = APIRouter()


@router.get("/callbacks", include_in_schema=False)
def callbacks(request: Request, state: str = "open", page: int = 1, desk: str = "",
              level: str = "", late: str = "", shown: int = 0, case: str = "",
              user: User = Viewer) -> Response:
    """差评 callback tasks: open ones by due date, or those done; filtered by desk, rating
    level and overdue. ``shown``/``case``: the phone just revealed for one task (once)."""
    cs = _cs(request)
    cs.readmodel.refresh(max_age=1.0)
    state = state if state in ("open", "done") else "open"
    filters: dict[str, Any] = {"desk": desk, "level": int(level) if level in ("1", "2") else 0,
                               "late": late == "1"}
    phones: dict[str, str] = {}
    resp_flash = None
    if 0 < shown < 2**31 and user.can("reveal"):
        reason = cs.audit.take_reveal(shown, user.username, case)
        if reason is not None:
            phones[case] = _full_phone(storage_of(request), case)
        else:
            resp_flash = "电话号码只显示一次，已恢复脱敏显示；如需再次查看请再点“显示电话号码”。"
    resp = render(request, "callbacks.html", page=cs.callbacks.page(state, page, **filters),
                  state=state, today=local_today().isoformat(), phones=phones,
                  f={"desk": desk, "level": filters["level"] or "", "late": late},
                  desks=cs.desk_choices(), CONTACT_ATTEMPTS=CONTACT_ATTEMPTS,
                  query=urlencode({k: v for k, v in (("state", state), ("desk", desk),
                                   ("level", filters["level"] or ""), ("late", late)) if v}))
    if phones:
        resp.headers["Cache-Control"] = "no-store"
    return flash(resp, "info", resp_flash) if resp_flash else resp


def _full_phone(st: Storage, uuid: str) -> str:
    case_ = st.cases.get(uuid)
    payload = (case_ or {}).get("payload") or {}
    try:
        data = json.loads(payload.get("data_json") or "{}")
    except ValueError:
        return ""
    fields = data.get("fields", data) if isinstance(data, dict) else {}
    return str(fields.get("applicant_phone") or "") if isinstance(fields, dict) else ""


@router.post("/callbacks/{case_uuid}/phone", include_in_schema=False)
async def callback_phone(request: Request, case_uuid: str, user: User = Revealer) -> Response:
    """The resident's full phone for a callback, in one step: audited as a reveal with the
    reason 差评回访, shown once on the callbacks page (redirect after POST)."""
    cs = _cs(request)
    if await run_in_threadpool(cs.callbacks.get, case_uuid) is None:
        return flash(redirect("/console/callbacks"), "error", "没有这个回访任务。")
    entry = await run_in_threadpool(cs.audit.append, user.username, "pii.reveal", case_uuid,
                                    reason="差评回访：联系评价人")
    return redirect(f"/console/callbacks?{urlencode({'shown': entry, 'case': case_uuid})}"
                    f"#cb-{case_uuid}")


LEDGER_COLUMNS = (
    ("受理编号", "receipt_no"), ("事项", "item_name"), ("办事点", "desk_code"),
    ("经办人", "worker"), ("评价", "level"), ("评价意见", "reason"), ("评价时间", "rated_at"),
    ("联系电话（脱敏）", "phone_masked"), ("回访期限", "due_date"), ("回访结果", "outcome"),
    ("情况说明", "note"), ("回访人", "handled_by"), ("回访时间", "handled_at"),
    ("未联系上次数", "attempts"),
)


@router.get("/callbacks/ledger.csv", include_in_schema=False)
async def callback_ledger(request: Request, outcome: str = "纳入台账限期整改",
                          user: User = Exporter) -> Response:
    """整改台账: the callbacks put on the ledger for rectification (or any outcome; ``all``
    for every handled task) as CSV (Excel reads it: BOM), audited with its row count."""
    import csv
    import io

    cs = _cs(request)
    picked = "" if outcome == "all" else outcome
    rows = await run_in_threadpool(partial(cs.callbacks.all, "done", outcome=picked))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([c for c, _ in LEDGER_COLUMNS])
    for r in rows:
        cells = []
        for _, key in LEDGER_COLUMNS:
            v = r.get(key)
            if key == "level":
                v = RATING_LABELS.get(int(v or 0), v)
            elif key in ("rated_at", "handled_at"):
                v = local_time(v)
            v = "" if v is None else str(v)
            cells.append("'" + v if v[:1] in ("=", "+", "-", "@", "\t", "\r") else v)
        w.writerow(cells)
    await run_in_threadpool(partial(cs.audit.append, user.username, "export", "csv",
                                    filters={"callbacks": picked or "全部已回访"},
                                    rows=len(rows)))
    name = f"整改台账-{local_today():%Y%m%d}.csv"
    return Response(("\ufeff" + buf.getvalue()).encode("utf-8"), media_type="text/csv; "
                    "charset=utf-8", headers={
                        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                        "Cache-Control": "no-store"})


@router.post("/callbacks/{case_uuid}", include_in_schema=False)
async def close_callback(request: Request, case_uuid: str, user: User = Actor) -> Response:
    """Record a callback's outcome and note."""
    form = await request.form()
    try:
        result = await run_in_threadpool(_cs(request).callbacks.close, case_uuid,
                                str(form.get("outcome") or ""), str(form.get("note") or ""),
                                user.username)
    except DistrictError as exc:
        return flash(redirect(f"/console/callbacks#cb-{case_uuid}"), "error", exc.message)
    if result == "retry":
        return flash(redirect(f"/console/callbacks#cb-{case_uuid}"), "ok",
                     "已记下本次未联系上，任务保留待再次回访（满 "
                     f"{CONTACT_ATTEMPTS} 次未联系上后办结）。")
    return flash(redirect("/console/callbacks"), "ok", "回访结果已记录。")
