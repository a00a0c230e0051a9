"""Mounting the console on the district app: :func:`install` (one call in
``create_app``) adds the console's routers, its security headers (:class:`ConsoleHeaders`)
and its sign-in, 403 and 404 answers."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.district.console.auth import Forbidden, SignInRequired, optional_user
from sync.district.console.store import ConsoleStore

SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class ConsoleHeaders:
    """Security headers on every console answer; pages are never cached (they hold
    personal data), static files may be."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith("/console"):
            await self.app(scope, receive, send)
            return

        async def send_with(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in names]
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with)


def install(app: FastAPI) -> None:
    """Mount the console on the district app (its storage is ``app.state.storage``)."""
    from sync.district.console import (
        accounts,
        calendar,
        callbacks,
        case_exports,
        case_page,
        cases,
        catalog,
        catalog_workbook,
        desks,
        matters,
        routes,
    )
    from sync.district.console.views import render

    app.state.console = ConsoleStore(app.state.storage)
    # the pages by area, in the order their routes are matched
    app.include_router(routes.router, prefix="/console")  # sign-in, dashboard, batches
    app.include_router(callbacks.router, prefix="/console")  # 差评 callbacks
    app.include_router(desks.router, prefix="/console")  # 办事点
    app.include_router(catalog.router, prefix="/console")  # 事项目录
    app.include_router(accounts.router, prefix="/console")  # users, the audit log
    app.include_router(cases.router, prefix="/console")  # the case list, bulk decisions
    app.include_router(case_page.router, prefix="/console")  # one case, its attachments
    app.include_router(case_exports.router, prefix="/console")  # CSV / XLSX
    app.include_router(calendar.router, prefix="/console")
    app.include_router(catalog_workbook.router, prefix="/console")  # issue 16: the workbook
    app.include_router(matters.router, prefix="/console")  # issue 15: resident matters
    from sync.district.console import proactive as proactive_console

    app.include_router(proactive_console.router, prefix="/console")  # issue 18: 主动服务
    app.add_middleware(ConsoleHeaders)

    @app.get("/console", include_in_schema=False)
    def _root() -> Response:
        return RedirectResponse("/console/", status_code=307)

    @app.exception_handler(SignInRequired)
    async def _sign_in(_r: Request, exc: SignInRequired) -> Response:
        url = "/console/login?next=" + quote(exc.next_url, safe="")
        if exc.expired:
            url += "&expired=1"
        return RedirectResponse(url, status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        if exc.user is not None:  # signed in: the page keeps the menu and the 退出 button
            request.state.user = exc.user
            if exc.user.role == "department" and request.url.path == "/console/":
                return RedirectResponse("/console/matters", status_code=303)  # their start
        return render(request, "error.html", 403, title="不能执行此操作", message=exc.message)

    api_http = app.exception_handlers.get(StarletteHTTPException)

    @app.exception_handler(StarletteHTTPException)
    async def _not_found(request: Request, exc: StarletteHTTPException) -> Response:
        """An unknown page under /console/ is the console's own 404 page (with the menu
        when signed in); the API's answers (JSON) stay as they are."""
        path = request.url.path
        if exc.status_code == 404 and (path == "/console" or path.startswith("/console/")):
            user = await run_in_threadpool(optional_user, request)
            if user is not None:
                request.state.user = user
            return render(request, "error.html", 404, title="没有这个页面",
                          message="您要打开的页面不存在，可能是地址输错了或链接已失效。")
        if api_http is None:  # (the district app registers one)
            raise exc
        answer = api_http(request, exc)
        return answer if isinstance(answer, Response) else await answer
