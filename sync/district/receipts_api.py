"""Receipt verification: is a receipt genuine? (no sign-in, nothing personal, rate-limited
per client address; a router of :func:`sync.district.app.create_app`)."""

from __future__ import annotations

import uuid as uuid_mod

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sync import protocol as P
from sync.district.api_deps import error_response, storage_of

router = APIRouter()


@router.get(P.PATH_RECEIPT_VERIFY, response_model=P.ReceiptVerification, tags=["receipts"],
            responses={429: {"model": P.ErrorBody}})
async def verify_receipt(
        request: Request,
        receipt_no: str = Query(..., min_length=1, max_length=64,
                                pattern=r"^[A-Za-z0-9_-]+$",
                                description="the receipt number, e.g. HY-QL01-20261121-0007"),
        uuid: str = Query(..., pattern=r"^[0-9A-Fa-f]{8}-?([0-9A-Fa-f]{4}-?){3}"
                                       r"[0-9A-Fa-f]{12}$", description="the case UUID"),
        code: str = Query(..., min_length=1, max_length=40, pattern=r"^[A-Za-z0-9 -]+$",
                          description="the verification code printed on the receipt "
                                      "(grouping, spaces and case do not matter)"),
) -> JSONResponse:
    """Is a receipt genuine? No sign-in needed (a resident or a department may ask);
    the answer holds nothing personal: valid or not, whether the district has the case,
    and then the item and the acceptance date. At most ``DOORSTEP_VERIFY_RATE`` checks
    a minute per client address, counted in the database for every server process
    together (429 with ``Retry-After`` beyond)."""
    wait = await run_in_threadpool(request.app.state.limiters["verify"].hit,
                                   request.client.host if request.client else "")
    if wait:
        resp = error_response(429, "rate_limited", "查询过于频繁，请稍后再试",
                              {"retry_after": wait})
        resp.headers["Retry-After"] = str(wait)
        return resp
    out: P.ReceiptVerification = await run_in_threadpool(
        storage_of(request).cases.verify_receipt, receipt_no, str(uuid_mod.UUID(uuid)), code)
    return JSONResponse(out.model_dump(), headers={"Cache-Control": "no-store"})
