"""The proactive-service endpoint (issue 18), a router of :func:`sync.district.app.create_app`.

- ``POST /api/v1/proactive/outcomes`` — signed; the worker's answers for entries of the
  desk's list (:class:`sync.protocol.ProactiveOutcomesRequest`): 已确认 with the 免申 case,
  不需要 with the reason, 联系不上, 已迁出, 已故 (both kept as roster corrections), 上门服务
  with its date. An entry of another desk is rejected saying nothing about it.

The list itself comes down as ``proactive`` changes (``GET /api/v1/changes?kinds=…``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from sync import protocol as P
from sync.district import proactive
from sync.district.api_deps import SignedDep, body_doc, parse_body, storage_of

router = APIRouter()


@router.post(P.PATH_PROACTIVE_OUTCOMES, tags=["sync"],
             openapi_extra=body_doc(P.ProactiveOutcomesRequest),
             responses={200: {"model": P.ProactiveOutcomesResponse},
                        401: {"model": P.ErrorBody}, 422: {"model": P.ErrorBody}})
async def proactive_outcomes(request: Request, auth: SignedDep
                             ) -> P.ProactiveOutcomesResponse:
    """The worker's answers for residents on this desk's proactive list."""
    req: P.ProactiveOutcomesRequest = parse_body(P.ProactiveOutcomesRequest, auth.body)
    out: P.ProactiveOutcomesResponse = await run_in_threadpool(
        proactive.record_outcomes, storage_of(request), auth.desk, req)
    return out
