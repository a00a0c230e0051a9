"""The console's 办事点 page: the desks, enrollment codes (issue, cancel), revoking a
desk and each desk's daily upload cap (a router of :func:`sync.district.console.mount.install`)."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sync.district import upload_quota as Q
from sync.district.api_deps import storage_of
from sync.district.console.auth import Admin, User, Viewer
from sync.district.console.routes import _cs, redirect
from sync.district.console.store import (
    ConsoleStore,
)
from sync.district.console.views import (
    flash,
    render,
)
from sync.district.errors import DistrictError
from sync.district.replacement import desk_received

router = APIRouter()


def server_address(request: Request) -> str:
    """The district address a worker types into the desk's 同步设置: the public address
    (``DOORSTEP_PUBLIC_URL``, behind a reverse proxy) or the one this page was opened at."""
    public: str = request.app.state.settings.public_url
    return (public or str(request.base_url)).rstrip("/")


def _desks_extra(request: Request, cs: ConsoleStore) -> dict[str, Any]:
    """What the 办事点 page shows besides the desks: unused enrollment codes (issue 21),
    the server address to type and each active desk's upload today and cap (issue 17)."""
    st = storage_of(request)
    settings = request.app.state.settings
    rule = Q.DailyCap(settings.desk_daily_upload, settings.zone,
                      Q.clock_of(request.app.state)())
    uploads = {u["desk_id"]: dict(u, used_text=Q.size_text(u["used"]),
                                  cap_text=Q.size_text(u["cap"]))
               for u in Q.overview(st, rule)}
    return {"codes": st.desks.pending_enroll_codes(), "server_url": server_address(request),
            "uploads": uploads}


@router.get("/desks", include_in_schema=False)
def desks(request: Request, user: User = Viewer) -> Response:
    """Enrolled desks with last seen and pending counts; enrollment codes; revoke."""
    st = storage_of(request)
    cs = _cs(request)
    cs.readmodel.refresh(max_age=1.0)
    return render(request, "desks.html", desks=cs.desks_overview(), new_code=None,
                  agreement=st.reconcile.agreement_overview(), offer=None,
                  received=desk_received(st), **_desks_extra(request, cs))


@router.post("/desks/codes/{key}/cancel", include_in_schema=False)
async def cancel_enroll_code(request: Request, key: str, user: User = Admin) -> Response:
    """Cancel an issued, unused enrollment code (audited)."""
    st = storage_of(request)
    cs = _cs(request)

    def audit(conn: Any, res: dict[str, Any]) -> None:  # in the cancelling transaction
        cs.audit.append_in(conn, user.username, "desk.enroll_code_cancel", res["desk_code"],
                    name=res["name"])

    try:
        res = await run_in_threadpool(partial(st.desks.cancel_enroll_code, key, audit=audit))
    except DistrictError as exc:
        return flash(redirect("/console/desks#codes"), "error", exc.message)
    return flash(redirect("/console/desks#codes"), "ok",
                 f"已作废 {res['desk_code']} {res['name']} 的注册码，它不能再用于注册。")


@router.post("/desks/codes", include_in_schema=False)
async def enroll_code(request: Request, user: User = Admin) -> Response:
    """Issue a one-time enrollment code (shown once, on this page only)."""
    st = storage_of(request)
    form = await request.form()
    cs = _cs(request)
    desk_code = str(form.get("desk_code") or "").strip().upper()
    name = str(form.get("name") or "").strip()
    # an explicit replacement of a lost or broken laptop (sync.district.desk_codes)
    replaces = str(form.get("replaces") or "").strip() or None
    try:
        code = await run_in_threadpool(partial(st.desks.create_enroll_code, desk_code, name,
                                               replaces=replaces))
    except DistrictError as exc:
        held = exc.extra.get("desk_id")
        if not held:
            return flash(redirect("/console/desks"), "error", exc.message)
        # the code is in use: offer the explicit choice of replacing that desk
        return render(request, "desks.html", 409, desks=await run_in_threadpool(
            cs.desks_overview), new_code=None, agreement=await run_in_threadpool(
            st.reconcile.agreement_overview), received=await run_in_threadpool(desk_received, st),
            offer={"message": exc.message, "desk_code": desk_code, "name": name,
                   "desk_id": held}, **await run_in_threadpool(_desks_extra, request, cs))
    await run_in_threadpool(partial(cs.audit.append, user.username, "desk.enroll_code", desk_code,
                                    name=name, **({"replaces": replaces} if replaces else {})))
    extra = await run_in_threadpool(_desks_extra, request, cs)
    issued = next((c for c in extra["codes"] if c["desk_code"] == desk_code), None)
    resp = render(request, "desks.html", desks=await run_in_threadpool(cs.desks_overview),
                  new_code={"code": code, "desk_code": desk_code, "name": name,
                            "replaces": replaces,
                            "expires_at": issued["expires_at"] if issued else None},
                  agreement=await run_in_threadpool(st.reconcile.agreement_overview), offer=None,
                  received=await run_in_threadpool(desk_received, st), **extra)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@router.post("/desks/{desk_id}/revoke", include_in_schema=False)
async def revoke(request: Request, desk_id: str, user: User = Admin) -> Response:
    """Revoke a desk: its requests are refused from now on."""
    st = storage_of(request)
    cs = _cs(request)
    try:
        await run_in_threadpool(st.desks.revoke, desk_id)
    except DistrictError as exc:
        return flash(redirect("/console/desks"), "error", exc.message)
    await run_in_threadpool(cs.audit.append, user.username, "desk.revoke", desk_id)
    # named as the clerk knows it: its code and name, not the internal id
    label = dict(await run_in_threadpool(cs.desk_choices)).get(desk_id, desk_id)
    return flash(redirect("/console/desks"), "ok", f"办事点 {label} 已停用，其请求从现在起被拒绝。")


@router.post("/desks/{desk_code}/upload-cap", include_in_schema=False)
async def upload_cap(request: Request, desk_code: str, user: User = Admin) -> Response:
    """Give a desk code its own daily upload cap (empty: the district's default); audited
    as ``desk.upload_cap`` like the command line's ``upload-cap``."""
    st = storage_of(request)
    form = await request.form()
    cs = _cs(request)
    text = str(form.get("cap") or "").strip()
    try:
        cap = Q.parse_size(text) if text else None
    except ValueError as exc:
        return flash(redirect("/console/desks"), "error", str(exc))

    def audit(conn: Any, out: dict[str, Any]) -> None:  # in the setting's transaction
        cs.audit.append_in(conn, user.username, "desk.upload_cap", out["desk_code"], cap=out["cap"],
                    previous=out["previous"])

    try:
        out = await run_in_threadpool(partial(Q.set_cap, st, desk_code, cap, user.username,
                                              audit=audit))
    except DistrictError as exc:
        return flash(redirect("/console/desks"), "error", exc.message)
    shown = Q.size_text(cap) if cap is not None else "区级默认 " + Q.size_text(
        request.app.state.settings.desk_daily_upload)
    return flash(redirect("/console/desks"), "ok",
                 f"办事点 {out['desk_code']} 的每日上传上限：{shown}；等待中的照片在其下次同步时上传。")
