"""``POST /api/v1/attachment-links`` (issue 17), a router of :func:`sync.district.app.create_app`:
signed; which case and material each page a desk uploaded belongs to
(:mod:`sync.district.case_attachments`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from sync import protocol as P
from sync.district.api_deps import SignedDep, body_doc, parse_body, storage_of
from sync.district.case_attachments import link_attachments

router = APIRouter()


@router.post(P.PATH_ATTACHMENT_LINKS, tags=["attachments"],
             openapi_extra=body_doc(P.AttachmentLinksRequest),
             responses={200: {"model": P.AttachmentLinksResponse},
                        401: {"model": P.ErrorBody}})
async def attachment_links(request: Request, auth: SignedDep
                           ) -> P.AttachmentLinksResponse:
    """The case and material of each page this desk uploaded (after the bytes)."""
    req: P.AttachmentLinksRequest = parse_body(P.AttachmentLinksRequest, auth.body)
    out: P.AttachmentLinksResponse = await run_in_threadpool(
        link_attachments, storage_of(request), auth.desk["desk_id"], req)
    return out
