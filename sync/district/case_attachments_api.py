"""``POST /api/v1/attachment-links`` (issue 17), installed by :func:`sync.district.app.create_app`:
signed; which case and material each page a desk uploaded belongs to
(:mod:`sync.district.case_attachments`)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool

from sync import protocol as P
from sync.district.app import SignedDep, _parse, _storage
from sync.district.case_attachments import link_attachments


def _doc(model: type[P.Message]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": model.model_json_schema()}}}}


def install(app: FastAPI) -> None:
    """Add the route to the district app."""

    @app.post(P.PATH_ATTACHMENT_LINKS, tags=["attachments"],
              openapi_extra=_doc(P.AttachmentLinksRequest),
              responses={200: {"model": P.AttachmentLinksResponse},
                         401: {"model": P.ErrorBody}})
    async def attachment_links(request: Request, auth: SignedDep
                               ) -> P.AttachmentLinksResponse:
        """The case and material of each page this desk uploaded (after the bytes)."""
        req: P.AttachmentLinksRequest = _parse(P.AttachmentLinksRequest, auth.body)
        out: P.AttachmentLinksResponse = await run_in_threadpool(
            link_attachments, _storage(request), auth.desk["desk_id"], req)
        return out
