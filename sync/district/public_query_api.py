"""The public progress page's routes (issue 18), installed by
:func:`sync.district.app.create_app`: ``/q`` and ``/q/{receipt}/{code}`` (also ``/Q/…``,
the QR code's upper-case form). No sign-in; rate-limited per client address in the
database (every server process counts together), like receipt verification."""

from __future__ import annotations

import os

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from sync.district.app import _storage
from sync.district.public_query import Progress, page, progress_in
from sync.district.ratelimit import RateLimiter

QUERY_RATE = int(os.environ.get("DOORSTEP_QUERY_RATE", 30))  # per client address a minute
HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                      "form-action 'self'; base-uri 'none'",
           "Referrer-Policy": "no-referrer"}


def install(app: FastAPI) -> None:
    """Add the page's routes to the district app."""
    limiter = RateLimiter(app.state.storage, "query", QUERY_RATE)

    async def answer(request: Request, receipt_no: str, code: str) -> HTMLResponse:
        asked = bool(receipt_no or code)
        if not asked:
            return HTMLResponse(page(None, asked=False), headers=HEADERS)
        host, st = request.client.host if request.client else "", _storage(request)

        def work() -> tuple[int, Progress | None]:
            # one trip to the thread pool and one transaction: the request counted, then
            # the case read on the same connection (each round trip is most of the p95)
            with st.write() as conn:
                wait = limiter.hit_in(conn, host)
                if wait or not (receipt_no and code):
                    return wait, None
                return 0, progress_in(conn, receipt_no, code)

        wait, prog = await run_in_threadpool(work)
        if wait:
            return HTMLResponse(page(None, asked=True, receipt_no=receipt_no, code=code,
                                     limited=True), status_code=429,
                                headers={**HEADERS, "Retry-After": str(wait)})
        return HTMLResponse(page(prog, asked=True, receipt_no=receipt_no.strip().upper(),
                                 code=code if prog is None else ""),
                            status_code=200 if prog is not None else 404, headers=HEADERS)

    @app.get("/q", response_class=HTMLResponse, include_in_schema=False)
    @app.get("/Q", response_class=HTMLResponse, include_in_schema=False)
    async def query_form(request: Request, r: str = Query("", max_length=64),
                         c: str = Query("", max_length=40)) -> HTMLResponse:
        """The form, and its answer when a number and code were typed."""
        return await answer(request, r, c)

    @app.get("/q/{receipt_no}/{code}", response_class=HTMLResponse, include_in_schema=False)
    @app.get("/Q/{receipt_no}/{code}", response_class=HTMLResponse, include_in_schema=False)
    async def query_qr(request: Request, receipt_no: str, code: str) -> HTMLResponse:
        """From the receipt's QR code."""
        return await answer(request, receipt_no[:64], code[:40])
