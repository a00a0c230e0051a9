"""A desk's PIN: registering its key share, forgetting it, and unlocking with it (a router
of :func:`sync.district.app.create_app`; see :mod:`sync.district.keyshares`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sync import protocol as P
from sync.district import keyshares
from sync.district.api_deps import SignedDep, body_doc, error_response, parse_body, storage_of

router = APIRouter()


@router.post(P.PATH_PIN, tags=["sync"], openapi_extra=body_doc(P.PinSetupRequest),
             responses={200: {"model": P.PinSetupResponse}, 401: {"model": P.ErrorBody},
                        403: {"model": P.ErrorBody}})
async def set_pin(request: Request, auth: SignedDep) -> P.PinSetupResponse:
    """Register (or replace) this desk's PIN; answers a fresh key share."""
    req: P.PinSetupRequest = parse_body(P.PinSetupRequest, auth.body)
    out: P.PinSetupResponse = await run_in_threadpool(
        keyshares.set_pin, storage_of(request), auth.desk["desk_id"], req)
    return out


@router.delete(P.PATH_PIN, tags=["sync"], responses={401: {"model": P.ErrorBody}})
async def remove_pin(request: Request, auth: SignedDep) -> dict[str, bool]:
    """Forget this desk's PIN key share."""
    had = await run_in_threadpool(keyshares.remove_pin, storage_of(request),
                                  auth.desk["desk_id"])
    return {"removed": had}


@router.post(P.PATH_UNLOCK, tags=["sync"],
             responses={200: {"model": P.UnlockResponse}, 401: {"model": P.ErrorBody},
                        403: {"model": P.ErrorBody}, 423: {"model": P.ErrorBody},
                        429: {"model": P.ErrorBody}})
async def unlock(req: P.UnlockRequest, request: Request) -> JSONResponse:
    """A desk's key share for its unlock token and a right PIN proof."""
    # per client address, counted in the database: shared by every server process
    wait = await run_in_threadpool(request.app.state.limiters["unlock"].hit,
                                   request.client.host if request.client else "")
    if wait:
        resp = error_response(429, "rate_limited", "解锁尝试过于频繁，请稍后再试",
                              {"retry_after": wait})
        resp.headers["Retry-After"] = str(wait)
        return resp
    out: P.UnlockResponse = await run_in_threadpool(
        keyshares.unlock, storage_of(request), req)
    return JSONResponse(out.model_dump(), headers={"Cache-Control": "no-store"})
