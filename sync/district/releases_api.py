"""The desk-release endpoints (issue 19), a router of :func:`sync.district.app.create_app`.

- ``GET /api/v1/release?platform=linux`` — signed; the newest release for the platform and
  the district's release key (see :mod:`sync.district.releases`).
- ``GET /api/v1/release/file?platform=&version=&offset=&length=`` — signed; up to one MiB
  of the file from ``offset`` (``application/octet-stream``; the header
  ``X-Doorstep-Size`` gives the whole size). A desk resumes a broken download by asking
  from the length it already has, and checks the hash and signature at the end.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from sync import protocol as P
from sync.district import releases
from sync.district.api_deps import SignedDep, storage_of

H_SIZE = "X-Doorstep-Size"

router = APIRouter()


@router.get(P.PATH_RELEASE, response_model=P.ReleaseOffer, tags=["releases"],
            responses={401: {"model": P.ErrorBody}})
async def release_offer(request: Request, auth: SignedDep,
                        platform: str = Query(..., max_length=10)) -> P.ReleaseOffer:
    """The newest desk release for ``platform`` (linux|windows), and the release key."""
    out: P.ReleaseOffer = await run_in_threadpool(releases.newest, storage_of(request),
                                                  platform)
    return out


@router.get(P.PATH_RELEASE_FILE, tags=["releases"], response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}},
                       401: {"model": P.ErrorBody}, 404: {"model": P.ErrorBody}})
async def release_file(request: Request, auth: SignedDep,
                       platform: str = Query(..., max_length=10),
                       version: str = Query(..., max_length=40, pattern=P.RELEASE_VERSION),
                       offset: int = Query(0, ge=0, le=P.MAX_SEQ),
                       length: int = Query(P.RELEASE_CHUNK, ge=1, le=P.RELEASE_CHUNK),
                       ) -> Response:
    """A piece of a release file (at most one MiB from ``offset``)."""
    data, size = await run_in_threadpool(releases.read_piece, storage_of(request), platform,
                                         version, offset, length)
    return Response(data, media_type="application/octet-stream",
                    headers={H_SIZE: str(size)})
