"""Console pages other than cases: sign-in, dashboard, batches, 差评 callbacks, desks,
catalog, users and the audit log. Routes stay thin: they check the role, call the
storage layer and render a template."""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.responses import FileResponse, RedirectResponse, Response

from forms.catalog import load_catalog
from sync.district.console import auth
from sync.district.console import charts as C
from sync.district.console.auth import Actor, Admin, Exporter, Revealer, User, Viewer
from sync.district.console.store import (
    CONTACT_ATTEMPTS,
    OPEN_STATUSES,
    ConsoleStore,
    local_today,
)
from sync.district.console.users import profile, username_problem
from sync.district.console.views import (
    HERE,
    RATING_LABELS,
    STATUS_LABELS,
    audit_action_codes,
    describe_audit,
    flash,
    local_time,
    render,
)
from sync.district.errors import DistrictError
from sync.district.replacement import desk_received

router = APIRouter()


def _cs(request: Request) -> ConsoleStore:
    return auth.console(request)


def _back(url: str, default: str = "/console/") -> str:
    """Only redirect within the console (never to another site)."""
    if url.startswith("/console") and not url.startswith("//") and "\\" not in url:
        return url
    return default


def masked_name(name: str) -> str:
    """A name as a viewer sees it: first and last character kept (``张*英``, ``李*``,
    ``欧**锋``); viewers reveal nothing, reviewers reveal with a reason on the case page."""
    s = (name or "").strip()
    if len(s) <= 1:
        return s
    if len(s) == 2:
        return s[0] + "*"
    return s[0] + "*" * (len(s) - 2) + s[-1]


def redirect(url: str) -> RedirectResponse:
    """A 303 redirect (after a POST: the browser GETs the page)."""
    return RedirectResponse(url, status_code=303)


# -- static files ---------------------------------------------------------------------------

_STATIC = {p.name: p for p in (HERE / "static").iterdir() if p.is_file()}


@router.get("/static/{name}", include_in_schema=False)
def static(name: str) -> Response:
    """The console's CSS and its small script (no CDN: the console works offline)."""
    path = _STATIC.get(name)
    if path is None:
        return Response("not found", status_code=404)
    return FileResponse(path, headers={"Cache-Control": "max-age=3600"})


# -- sign-in ------------------------------------------------------------------------------

def _login_page(request: Request, error: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    resp = render(request, "login.html", status, login_csrf=token, error=error,
                  next=_back(request.query_params.get("next", ""), "/console/"),
                  expired=request.query_params.get("expired") == "1")
    auth.set_cookie(resp, auth.LOGIN_COOKIE, token, max_age=3600)
    return resp


@router.get("/login", include_in_schema=False)
def login_form(request: Request) -> Response:
    """The sign-in page."""
    return _login_page(request)


@router.post("/login", include_in_schema=False)
async def login(request: Request) -> Response:
    """Check the password; on success a fresh session (the old one, if any, ends)."""
    form = await request.form()
    sent = str(form.get("csrf") or "")
    cookie = request.cookies.get(auth.LOGIN_COOKIE, "")
    if not sent or not cookie or not secrets.compare_digest(sent, cookie):
        return render(request, "error.html", 403, title="无法登录",
                      message="登录表单已过期，请刷新页面后重新登录。")
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    cs = _cs(request)
    # the attempt is counted before the password is checked, in one conditional UPDATE:
    # however many sign-ins race, at most MAX_FAILED_LOGINS passwords are checked
    row = await run_in_threadpool(cs.begin_login, username) if username else None
    if row is None and username and await run_in_threadpool(cs.login_locked, username):
        await run_in_threadpool(cs.audit, username, "login.locked", username)
        return _login_page(request, "登录失败次数过多，账号已暂时锁定 15 分钟。", 429)
    ok = await run_in_threadpool(auth.check_password, row["password_hash"] if row else None,
                                 password)
    if not ok or row is None or row["disabled_at"]:
        if row:
            await run_in_threadpool(cs.end_login, username, False)
        await run_in_threadpool(cs.audit, username[:64] or "?", "login.failed", username[:64])
        return _login_page(request, "用户名或密码不正确。", 401)
    token = secrets.token_urlsafe(32)
    old = request.cookies.get(auth.COOKIE)
    await run_in_threadpool(cs.create_session, username, auth.token_hash(token),
                            secrets.token_urlsafe(32), auth.token_hash(old) if old else None)
    # every sign-in sweeps the sessions that expired (idle or too old): none piles up
    await run_in_threadpool(cs.purge_sessions, auth.IDLE_TIMEOUT, auth.MAX_AGE)
    await run_in_threadpool(cs.end_login, username, True)
    await run_in_threadpool(cs.audit, username, "login.ok", username)
    resp = redirect(_back(str(form.get("next") or ""), "/console/"))
    auth.set_cookie(resp, auth.COOKIE, token)
    auth.clear_cookie(resp, auth.LOGIN_COOKIE)
    return resp


@router.post("/logout", include_in_schema=False)
def logout(request: Request, user: User = auth.SignedIn) -> Response:
    """End the session."""
    cs = _cs(request)
    cs.end_session(user.token_hash)
    cs.audit(user.username, "logout", user.username)
    resp = flash(redirect("/console/login"), "ok", f"{user.username} 已退出登录。")
    auth.clear_cookie(resp, auth.COOKIE)
    return resp


# -- dashboard ------------------------------------------------------------------------------

PERIODS = {"week": "本周", "month": "本月", "30": "近 30 天", "90": "近 90 天"}
_TONES = {"received": "t-new", "accepted": "t-ok", "needs_correction": "t-warn",
          "routed": "t-route", "completed": "t-done", "rejected": "t-bad"}


@router.get("/", include_in_schema=False)
def dashboard(request: Request, period: str = "week", user: User = Viewer) -> Response:
    """The work at a glance: intake, backlog, due dates, 好差评 and callbacks; ``period``
    (本周 / 本月 / 近 30 天 / 近 90 天) for intake, ratings and 差评率."""
    cs = _cs(request)
    cs.refresh(max_age=1.0)
    today_ = local_today()
    period = period if period in PERIODS else "week"
    start = {"week": today_ - timedelta(days=today_.weekday()),
             "month": today_.replace(day=1), "30": today_ - timedelta(days=29),
             "90": today_ - timedelta(days=89)}[period]
    d = cs.dashboard(start=start)
    today = d["today"]

    def top(rows: list[tuple[Any, ...]], label: Any, href: Any, n: int = 10) -> list[C.Bar]:
        rows = sorted(rows, key=lambda r: (-r[-2], str(r[0])))
        bars = [C.Bar(label(r), int(r[-2]), int(r[-1] or 0), href(r)) for r in rows[:n]]
        rest = rows[n:]
        if rest:  # the long tail in one bar, so the chart adds up to the total
            bars.append(C.Bar(f"其他（{len(rest)} 项）", sum(int(r[-2]) for r in rest),
                              sum(int(r[-1] or 0) for r in rest), "", "t-other"))
        return bars

    week = f"date_from={d['week_start']}&date_to={today}"
    charts = {
        "item": C.hbar(top(d["by_item"], lambda r: r[1],
                           lambda r: f"/console/cases?item={r[0]}&{week}"),
                       title="本周受理量（按事项）", part_label="今日 "),
        "desk": C.hbar(top(d["by_desk"], lambda r: r[1],
                           lambda r: f"/console/cases?desk={r[0]}&{week}"),
                       title="本周受理量（按办事点）", part_label="今日 "),
        "worker": C.hbar(top(d["by_worker"], lambda r: f"{r[1] or '未填'}（{r[0]}）",
                             lambda r: ""), title="本周受理量（按经办人）", part_label="今日 "),
        "backlog": C.stacked([C.Bar(STATUS_LABELS[s], int(d["backlog"].get(s, 0)),
                                    href=f"/console/cases?status={s}", tone=_TONES[s])
                              for s in OPEN_STATUSES], title="待办案件（按状态）"),
        "ratings": C.columns([C.Bar(RATING_LABELS[lv], int(d["ratings"].get(lv, 0)),
                                    tone="t-bad" if lv <= 2 else "t-ok")
                              for lv in (5, 4, 3, 2, 1)], title="近 30 天好差评分布"),
    }
    intake_today = sum(int(r[-1] or 0) for r in d["by_item"])
    intake_week = sum(int(r[-2]) for r in d["by_item"])
    rated = sum(d["ratings"].values())
    good = sum(v for k, v in d["ratings"].items() if k >= 3)
    return render(request, "dashboard.html", d=d, charts=charts, intake_today=intake_today,
                  period=period, PERIODS=PERIODS, period_label=PERIODS[period],
                  intake_week=intake_week, backlog=sum(d["backlog"].values()),
                  good_rate=(100.0 * good / rated) if rated else None, rated=rated,
                  near_end=(local_today() + timedelta(days=3)).isoformat())


# -- batches ------------------------------------------------------------------------------

@router.get("/batches", include_in_schema=False)
def batches(request: Request, page: int = 1, desk: str = "", user: User = Viewer) -> Response:
    """Batches received, newest first."""
    cs = _cs(request)
    return render(request, "batches.html", page=cs.list_batches(page, desk_id=desk),
                  desk=desk, desks=dict(cs.desk_choices()))


@router.get("/batches/{batch_id}", include_in_schema=False)
def batch(request: Request, batch_id: str, user: User = Viewer) -> Response:
    """One batch and what became of each record."""
    b = _cs(request).batch(batch_id)
    if b is None:
        return render(request, "error.html", 404, title="没有这个批次",
                      message=f"没有找到批次 {batch_id}。")
    if not user.can("reveal"):  # viewers see applicants' names masked (issue 21 item 16)
        for r in b["results"]:
            if r.get("case"):
                r["case"]["applicant_name"] = masked_name(r["case"]["applicant_name"])
    return render(request, "batch.html", b=b)


# -- 差评 callbacks --------------------------------------------------------------------------

@router.get("/callbacks", include_in_schema=False)
def callbacks(request: Request, state: str = "open", page: int = 1, desk: str = "",
              level: str = "", late: str = "", shown: int = 0, case: str = "",
              user: User = Viewer) -> Response:
    """差评 callback tasks: open ones by due date, or those done; filtered by desk, rating
    level and overdue. ``shown``/``case``: the phone just revealed for one task (once)."""
    cs = _cs(request)
    cs.refresh(max_age=1.0)
    state = state if state in ("open", "done") else "open"
    filters: dict[str, Any] = {"desk": desk, "level": int(level) if level in ("1", "2") else 0,
                               "late": late == "1"}
    phones: dict[str, str] = {}
    resp_flash = None
    if 0 < shown < 2**31 and user.can("reveal"):
        reason = cs.take_reveal(shown, user.username, case)
        if reason is not None:
            phones[case] = _full_phone(cs, case)
        else:
            resp_flash = "电话号码只显示一次，已恢复脱敏显示；如需再次查看请再点“显示电话号码”。"
    resp = render(request, "callbacks.html", page=cs.list_callbacks(state, page, **filters),
                  state=state, today=local_today().isoformat(), phones=phones,
                  f={"desk": desk, "level": filters["level"] or "", "late": late},
                  desks=cs.desk_choices(), CONTACT_ATTEMPTS=CONTACT_ATTEMPTS,
                  query=urlencode({k: v for k, v in (("state", state), ("desk", desk),
                                   ("level", filters["level"] or ""), ("late", late)) if v}))
    if phones:
        resp.headers["Cache-Control"] = "no-store"
    return flash(resp, "info", resp_flash) if resp_flash else resp


def _full_phone(cs: ConsoleStore, uuid: str) -> str:
    case_ = cs.st.get_case(uuid)
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
    if await run_in_threadpool(cs.callback, case_uuid) is None:
        return flash(redirect("/console/callbacks"), "error", "没有这个回访任务。")
    entry = await run_in_threadpool(cs.audit, user.username, "pii.reveal", case_uuid,
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
    rows = await run_in_threadpool(partial(cs.iter_callbacks, "done", outcome=picked))
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
    await run_in_threadpool(partial(cs.audit, user.username, "export", "csv",
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
        result = await run_in_threadpool(_cs(request).close_callback, case_uuid,
                                str(form.get("outcome") or ""), str(form.get("note") or ""),
                                user.username)
    except DistrictError as exc:
        return flash(redirect(f"/console/callbacks#cb-{case_uuid}"), "error", exc.message)
    if result == "retry":
        return flash(redirect(f"/console/callbacks#cb-{case_uuid}"), "ok",
                     "已记下本次未联系上，任务保留待再次回访（满 "
                     f"{CONTACT_ATTEMPTS} 次未联系上后办结）。")
    return flash(redirect("/console/callbacks"), "ok", "回访结果已记录。")


# -- desks ----------------------------------------------------------------------------------

def server_address(request: Request) -> str:
    """The district address a worker types into the desk's 同步设置: the public address
    (``DOORSTEP_PUBLIC_URL``, behind a reverse proxy) or the one this page was opened at."""
    public = os.environ.get("DOORSTEP_PUBLIC_URL", "").strip()
    return (public or str(request.base_url)).rstrip("/")


def _desks_extra(request: Request, cs: ConsoleStore) -> dict[str, Any]:
    """What the 办事点 page shows besides the desks: unused enrollment codes (issue 21)
    and the server address to type."""
    return {"codes": cs.st.pending_enroll_codes(), "server_url": server_address(request)}


@router.get("/desks", include_in_schema=False)
def desks(request: Request, user: User = Viewer) -> Response:
    """Enrolled desks with last seen and pending counts; enrollment codes; revoke."""
    cs = _cs(request)
    cs.refresh(max_age=1.0)
    return render(request, "desks.html", desks=cs.desks_overview(), new_code=None,
                  agreement=cs.st.agreement_overview(), offer=None,
                  received=desk_received(cs.st), **_desks_extra(request, cs))


@router.post("/desks/codes/{key}/cancel", include_in_schema=False)
async def cancel_enroll_code(request: Request, key: str, user: User = Admin) -> Response:
    """Cancel an issued, unused enrollment code (audited)."""
    cs = _cs(request)

    def audit(conn: Any, res: dict[str, Any]) -> None:  # in the cancelling transaction
        cs.audit_in(conn, user.username, "desk.enroll_code_cancel", res["desk_code"],
                    name=res["name"])

    try:
        res = await run_in_threadpool(partial(cs.st.cancel_enroll_code, key, audit=audit))
    except DistrictError as exc:
        return flash(redirect("/console/desks#codes"), "error", exc.message)
    return flash(redirect("/console/desks#codes"), "ok",
                 f"已作废 {res['desk_code']} {res['name']} 的注册码，它不能再用于注册。")


@router.post("/desks/codes", include_in_schema=False)
async def enroll_code(request: Request, user: User = Admin) -> Response:
    """Issue a one-time enrollment code (shown once, on this page only)."""
    form = await request.form()
    cs = _cs(request)
    desk_code = str(form.get("desk_code") or "").strip().upper()
    name = str(form.get("name") or "").strip()
    # an explicit replacement of a lost or broken laptop (sync.district.desk_codes)
    replaces = str(form.get("replaces") or "").strip() or None
    try:
        code = await run_in_threadpool(partial(cs.st.create_enroll_code, desk_code, name,
                                               replaces=replaces))
    except DistrictError as exc:
        held = exc.extra.get("desk_id")
        if not held:
            return flash(redirect("/console/desks"), "error", exc.message)
        # the code is in use: offer the explicit choice of replacing that desk
        return render(request, "desks.html", 409, desks=await run_in_threadpool(
            cs.desks_overview), new_code=None, agreement=await run_in_threadpool(
            cs.st.agreement_overview), received=await run_in_threadpool(desk_received, cs.st),
            offer={"message": exc.message, "desk_code": desk_code, "name": name,
                   "desk_id": held}, **await run_in_threadpool(_desks_extra, request, cs))
    await run_in_threadpool(partial(cs.audit, user.username, "desk.enroll_code", desk_code,
                                    name=name, **({"replaces": replaces} if replaces else {})))
    extra = await run_in_threadpool(_desks_extra, request, cs)
    issued = next((c for c in extra["codes"] if c["desk_code"] == desk_code), None)
    resp = render(request, "desks.html", desks=await run_in_threadpool(cs.desks_overview),
                  new_code={"code": code, "desk_code": desk_code, "name": name,
                            "replaces": replaces,
                            "expires_at": issued["expires_at"] if issued else None},
                  agreement=await run_in_threadpool(cs.st.agreement_overview), offer=None,
                  received=await run_in_threadpool(desk_received, cs.st), **extra)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@router.post("/desks/{desk_id}/revoke", include_in_schema=False)
async def revoke(request: Request, desk_id: str, user: User = Admin) -> Response:
    """Revoke a desk: its requests are refused from now on."""
    cs = _cs(request)
    try:
        await run_in_threadpool(cs.st.revoke_desk, desk_id)
    except DistrictError as exc:
        return flash(redirect("/console/desks"), "error", exc.message)
    await run_in_threadpool(cs.audit, user.username, "desk.revoke", desk_id)
    # named as the clerk knows it: its code and name, not the internal id
    label = dict(await run_in_threadpool(cs.desk_choices)).get(desk_id, desk_id)
    return flash(redirect("/console/desks"), "ok", f"办事点 {label} 已停用，其请求从现在起被拒绝。")


# -- catalog --------------------------------------------------------------------------------

@router.get("/catalog", include_in_schema=False)
def catalog(request: Request, user: User = Viewer) -> Response:
    """Published catalog versions; publish a new one."""
    shipped = load_catalog()
    cs = _cs(request)
    return render(request, "catalog.html", versions=cs.catalog_versions(),
                  shipped=shipped, shipped_count=len(shipped.items),
                  departments=cs.st.departments())


@router.post("/departments", include_in_schema=False)
async def add_department(request: Request, user: User = Admin) -> Response:
    """Add a department to the managed list cases may be routed to (audited)."""
    form = await request.form()
    name = " ".join(str(form.get("name") or "").split())
    cs = _cs(request)

    def audit(conn: Any, res: dict[str, Any]) -> None:
        cs.audit_in(conn, user.username, "department.add", name, added=res["added"])

    try:
        added = await run_in_threadpool(lambda: cs.st.add_department(
            name, source="console", actor=user.username, audit=audit))
    except DistrictError as exc:
        return flash(redirect("/console/catalog#departments"), "error",
                     exc.message.removeprefix("department: "))
    return flash(redirect("/console/catalog#departments"), "ok",
                 f"已添加部门“{name}”，转办时可以选择。" if added else f"部门“{name}”已在名单中。")


@router.post("/catalog/publish", include_in_schema=False)
async def publish(request: Request, user: User = Admin) -> Response:
    """Publish the shipped catalog or an uploaded catalog JSON; desks get it next sync.

    The form's upload arrives as Starlette's ``UploadFile`` (FastAPI's is a subclass used
    only for declared parameters), so that is the type checked here. A broken or wrongly
    shaped file is refused with what is wrong; only a real publish is audited."""
    form = await request.form()
    upload = form.get("file")
    cs = _cs(request)
    back = "/console/catalog"
    if isinstance(upload, StarletteUpload):
        name = upload.filename or "目录文件"
        try:
            raw = await upload.read(32 * 1024 * 1024 + 1)
        finally:
            await form.close()  # the spooled temporary file goes now, not at collection
        if not raw:
            return flash(redirect(back), "error", f"{name}：文件是空的，请选择目录 JSON 文件。")
        if len(raw) > 32 * 1024 * 1024:
            return flash(redirect(back), "error", f"{name}：目录文件超过 32 MB。")
        try:
            body = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            return flash(redirect(back), "error", f"{name}：不是 UTF-8 编码的文本文件。")
        except ValueError as exc:
            where = (f"第 {exc.lineno} 行第 {exc.colno} 列"
                     if isinstance(exc, json.JSONDecodeError) else "")
            return flash(redirect(back), "error",
                         f"{name}：不是有效的 JSON（{where}{getattr(exc, 'msg', exc)}）。")
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            return flash(redirect(back), "error",
                         f"{name}：格式不对——最外层须是对象，含 version（版本号文本）和 "
                         "items（事项列表）。")
    else:
        body = load_catalog().to_json()

    def audit(conn: Any, res: dict[str, Any]) -> None:  # in the publishing transaction
        if res["published"]:  # a version published before is not published again
            cs.audit_in(conn, user.username, "catalog.publish", res["version"],
                        published=True)

    try:
        res = await run_in_threadpool(lambda: cs.st.publish_catalog(
            body, actor=user.username, audit=audit))
    except DistrictError as exc:
        prefix = f"{upload.filename}：" if isinstance(upload, StarletteUpload) else ""
        return flash(redirect(back), "error", prefix + exc.message)
    text = (f"目录 {res['version']} 已发布，各办事点下次同步时收到。" if res["published"]
            else f"目录 {res['version']} 此前已发布，未重复发布。")
    return flash(redirect(back), "ok", text)


# -- users ----------------------------------------------------------------------------------

@router.get("/users", include_in_schema=False)
def users(request: Request, user: User = Admin) -> Response:
    """Console users and their roles."""
    from sync.district.matters_console import departments

    cs = _cs(request)
    return render(request, "users.html", users=cs.list_users(),
                  matter_departments=departments(cs.st))


@router.post("/users", include_in_schema=False)
async def add_user(request: Request, user: User = Admin) -> Response:
    """Add a console user."""
    form = await request.form()
    username = str(form.get("username") or "").strip()
    role = str(form.get("role") or "")
    pw = str(form.get("password") or "")
    real_name, unit = str(form.get("real_name") or ""), str(form.get("unit") or "")
    cs = _cs(request)
    department = await run_in_threadpool(_user_department, cs, role,
                                         str(form.get("department") or ""))
    problem = username_problem(username) or auth.password_problem(pw) or (
        "所属部门：部门用户必须选择诉求分类配置中的部门" if department is None else None)
    if problem:
        return flash(redirect("/console/users"), "error", problem)
    try:
        await run_in_threadpool(partial(cs.add_user, username, auth.hash_password(pw), role,
                                        real_name=real_name, unit=unit,
                                        department=department or ""))
    except DistrictError as exc:
        return flash(redirect("/console/users"), "error", exc.message)
    await run_in_threadpool(partial(cs.audit, user.username, "user.add", username, role=role,
                                    real_name=real_name.strip(), unit=unit.strip(),
                                    **({"department": department} if department else {})))
    return flash(redirect("/console/users"), "ok", f"已添加用户 {username}。")


def _user_department(cs: ConsoleStore, role: str, wanted: str) -> str | None:
    """A department user's department (a name of the matter configuration): None when the
    role needs one and ``wanted`` is not one; "" for the other roles (issue 15)."""
    if role != "department":
        return ""
    from sync.district.matters_console import department_name

    return department_name(cs.st, wanted)


@router.post("/users/{username}", include_in_schema=False)
async def change_user(request: Request, username: str, user: User = Admin) -> Response:
    """Change a user's role, or disable / enable the account (sessions end)."""
    form = await request.form()
    cs = _cs(request)
    what = str(form.get("what") or "")
    from sync.district.console.store import ROLES, now_iso

    if username == user.username and what in ("disable", "role"):
        return flash(redirect("/console/users"), "error", "不能停用或降级自己的账号。")
    values: dict[str, Any]
    if what == "role" and str(form.get("role")) in ROLES:
        role = str(form.get("role"))
        department = await run_in_threadpool(_user_department, cs, role,
                                             str(form.get("department") or ""))
        if department is None:
            return flash(redirect(f"/console/users#user-{username}"), "error",
                         f"{username} 的所属部门：改为部门用户须选择诉求分类配置中的部门")
        values = {"role": role, "department": department}
    elif what == "disable":
        values = {"disabled_at": now_iso()}
    elif what == "enable":
        values = {"disabled_at": None, "failed_logins": 0, "locked_until": None}
    elif what == "password":  # an admin resets it: the user's sessions end, lockout cleared
        pw = str(form.get("password") or "")
        problem = auth.password_problem(pw)
        if problem:
            return flash(redirect(f"/console/users#user-{username}"), "error",
                         f"{username} 的新{problem}")
        values = {"password_hash": await run_in_threadpool(auth.hash_password, pw),
                  "failed_logins": 0, "locked_until": None}
    elif what == "profile":
        try:
            real_name, unit = profile(str(form.get("real_name") or ""),
                                      str(form.get("unit") or ""))
        except DistrictError as exc:
            return flash(redirect("/console/users"), "error", exc.message)
        values = {"real_name": real_name, "unit": unit}
    else:
        return flash(redirect("/console/users"), "error", "未知的操作。")
    try:
        await run_in_threadpool(lambda: cs.set_user(username, **values))
    except DistrictError as exc:
        return flash(redirect("/console/users"), "error", exc.message)
    await run_in_threadpool(cs.audit, user.username, f"user.{what}", username, **{
        k: v for k, v in values.items() if k in ("role", "real_name", "unit", "department")
        and (k != "department" or v)})
    done = {"password": f"已重置 {username} 的密码，其登录会话已失效；请当面或电话告知新密码。",
            "profile": f"已更新 {username} 的姓名和科室。"}
    return flash(redirect("/console/users"), "ok", done.get(what, f"用户 {username} 已更新。"))


# -- audit log ------------------------------------------------------------------------------

@router.get("/audit", include_in_schema=False)
def audit_log(request: Request, target: str = "", action: str = "", before: int = 0,
              verify: str = "", case: str = "", user: User = Admin) -> Response:
    """The audit log, newest first, with the hash chain checked: the entries after the
    last verified one (checkpoint), or all of them with ``?verify=full``.

    Filters: ``case`` — a receipt number (or part), an applicant (also masked, 唐*梅) or
    a tail, as the case list searches: entries about those cases and exports that held
    them; ``action`` — a code or (part of) its Chinese label; ``target`` — exactly."""
    cs = _cs(request)
    check = cs.check_audit(full=verify == "full", actor=user.username)
    cs.refresh(max_age=1.0)
    cases = cs.case_uuids(case.strip()) if case.strip() else None
    entries = cs.audit_entries(target=target.strip() or None,
                               actions=audit_action_codes(action), cases=cases, limit=100,
                               before_id=before or None)
    describe_audit(cs, entries)
    return render(request, "audit.html", entries=entries, check=check,
                  broken=check.first_broken_entry, target=target, action=action, case=case,
                  matched=None if cases is None else len(cases))
