"""A desk's attachment uploads: how much the district holds, and the resumable,
content-addressed upload (a router of :func:`sync.district.app.create_app`)."""

from __future__ import annotations

from fastapi import APIRouter, Header, Query, Request
from starlette.concurrency import run_in_threadpool

from sync import protocol as P
from sync.district.api_deps import P_SHA, Refusal, SignedDep, signed_with_cap, storage_of
from sync.district.upload_quota import DailyCap, clock_of

router = APIRouter()


def daily_cap(request: Request) -> DailyCap:
    """The desks' daily upload rule now (``DOORSTEP_DESK_DAILY_UPLOAD``, the district's
    time zone and clock)."""
    settings = request.app.state.settings
    return DailyCap(settings.desk_daily_upload, settings.zone, clock_of(request.app.state)())


@router.get(P.PATH_ATTACHMENTS + "/{sha256}", response_model=P.AttachmentStatus,
            tags=["attachments"])
async def attachment_status(request: Request, auth: SignedDep,
                            sha256: str = P_SHA) -> P.AttachmentStatus:
    """How many bytes of the attachment the district holds from this desk (to resume
    an upload), and the desk's daily upload cap; another desk's files and uploads never
    show."""
    resp: P.AttachmentStatus = await run_in_threadpool(
        storage_of(request).attachments.status, auth.desk["desk_id"], sha256,
        daily_cap(request))
    return resp


@router.put(P.PATH_ATTACHMENTS + "/{sha256}", response_model=P.AttachmentStatus,
            tags=["attachments"], responses={413: {"model": P.ErrorBody},
                                            409: {"model": P.ErrorBody},
                                            429: {"model": P.ErrorBody}})
async def put_attachment(request: Request, sha256: str = P_SHA,
                         offset: int = Query(0, ge=0, le=P.MAX_SEQ),
                         total: int = Query(..., ge=1, le=P.MAX_SEQ),
                         x_doorstep_desk: str | None = Header(None),
                         ) -> P.AttachmentStatus:
    """Upload an attachment (or the chunk at ``offset``); content-addressed by SHA-256,
    idempotent, at most ``DOORSTEP_MAX_ATTACHMENT`` bytes (default 20 MB); each desk's
    pieces count against its daily cap (``DOORSTEP_DESK_DAILY_UPLOAD``, default 500 MB, or
    its own): past it, 429 ``upload_quota`` until the district's next midnight."""
    cap: int = request.app.state.settings.max_attachment
    if total > cap:
        raise Refusal(413, P.ERR_TOO_LARGE, f"附件大小 {total} 字节超过上限 {cap} 字节",
                      {"cap": cap})
    auth = await signed_with_cap(request, cap)
    resp: P.AttachmentStatus = await run_in_threadpool(
        storage_of(request).attachments.put, auth.desk["desk_id"], sha256, offset, total,
        auth.body, cap, daily_cap(request))
    return resp
