"""The public progress page's routes (issue 18), a router of
:func:`sync.district.app.create_app`: ``/q`` and ``/q/{receipt}/{code}`` (also ``/Q/…``,
the QR code's upper-case form). No sign-in; rate-limited per client address in the
database (every server process counts together), like receipt verification."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from sync.district.api_deps import storage_of
from sync.district.public_query import Progress, page, progress_in

HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                      "form-action 'self'; base-uri 'none'",
           "Referrer-Policy": "no-referrer"}

router = APIRouter()


async def _answer(request: Request, receipt_no: str, code: str) -> HTMLResponse:
    asked = bool(receipt_no or code)
    if not asked:
        return HTMLResponse(page(None, asked=False), headers=HEADERS)
    host, st = request.client.host if request.client else "", storage_of(request)
    limiter = request.app.state.limiters["query"]  # counted in the database

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


@router.get("/q", response_class=HTMLResponse, include_in_schema=False)
@router.get("/Q", response_class=HTMLResponse, include_in_schema=False)
async def query_form(request: Request, r: str = Query("", max_length=64),
                     c: str = Query("", max_length=40)) -> HTMLResponse:
    """The form, and its answer when a number and code were typed."""
    return await _answer(request, r, c)


@router.get("/q/{receipt_no}/{code}", response_class=HTMLResponse,
            include_in_schema=False)
@router.get("/Q/{receipt_no}/{code}", response_class=HTMLResponse,
            include_in_schema=False)
async def query_qr(request: Request, receipt_no: str, code: str) -> HTMLResponse:
    """From the receipt's QR code."""
    return await _answer(request, receipt_no[:64], code[:40])
