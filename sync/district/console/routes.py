"""The console's sign-in, dashboard and batches pages, and the helpers every page module
uses (:func:`redirect`, :func:`masked_name`, the store of a request). The other pages are
routers of their own, by area: :mod:`.callbacks`, :mod:`.desks`, :mod:`.catalog`,
:mod:`.accounts`, :mod:`.cases`, :mod:`.matters`, … Routes stay thin: they check the role,
call the storage layer and render a template."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, RedirectResponse, Response

from sync.district.console import auth
from sync.district.console import charts as C
from sync.district.console.auth import User, Viewer
from sync.district.console.store import (
    OPEN_STATUSES,
    ConsoleStore,
    local_today,
)
from sync.district.console.views import (
    HERE,
    RATING_LABELS,
    STATUS_LABELS,
    flash,
    render,
)

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
    row = await run_in_threadpool(cs.users.begin_login, username) if username else None
    if row is None and username and await run_in_threadpool(cs.users.login_locked, username):
        await run_in_threadpool(cs.audit.append, username, "login.locked", username)
        return _login_page(request, "登录失败次数过多，账号已暂时锁定 15 分钟。", 429)
    ok = await run_in_threadpool(auth.check_password, row["password_hash"] if row else None,
                                 password)
    if not ok or row is None or row["disabled_at"]:
        if row:
            await run_in_threadpool(cs.users.end_login, username, False)
        await run_in_threadpool(cs.audit.append, username[:64] or "?", "login.failed", username[:64])
        return _login_page(request, "用户名或密码不正确。", 401)
    token = secrets.token_urlsafe(32)
    old = request.cookies.get(auth.COOKIE)
    await run_in_threadpool(cs.users.create_session, username, auth.token_hash(token),
                            secrets.token_urlsafe(32), auth.token_hash(old) if old else None)
    # every sign-in sweeps the sessions that expired (idle or too old): none piles up
    await run_in_threadpool(cs.users.purge_sessions, auth.IDLE_TIMEOUT, auth.MAX_AGE)
    await run_in_threadpool(cs.users.end_login, username, True)
    await run_in_threadpool(cs.audit.append, username, "login.ok", username)
    resp = redirect(_back(str(form.get("next") or ""), "/console/"))
    auth.set_cookie(resp, auth.COOKIE, token)
    auth.clear_cookie(resp, auth.LOGIN_COOKIE)
    return resp


@router.post("/logout", include_in_schema=False)
def logout(request: Request, user: User = auth.SignedIn) -> Response:
    """End the session."""
    cs = _cs(request)
    cs.users.end_session(user.token_hash)
    cs.audit.append(user.username, "logout", user.username)
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
    cs.readmodel.refresh(max_age=1.0)
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
