"""The district's agreement endpoints (issue 22), a router of :func:`sync.district.app.create_app`.

- ``POST /api/v1/reconcile`` — signed; the desk says what it has had acknowledged (and the
  epoch it last saw, its pull cursor); the district answers its identity and epoch, how
  many of the desk's records it holds and the highest outbox id among them (see
  :mod:`sync.district.reconcile`).
- ``POST /api/v1/status-reports`` — signed; decisions the desk had pulled and the restored
  district no longer has, kept apart for administrators (never applied as decisions).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from sync import protocol as P
from sync.district.api_deps import SignedDep, body_doc, parse_body, storage_of

router = APIRouter()


@router.post(P.PATH_RECONCILE, tags=["sync"], openapi_extra=body_doc(P.ReconcileRequest),
             responses={200: {"model": P.ReconcileResponse}, 401: {"model": P.ErrorBody}})
async def reconcile(request: Request, auth: SignedDep) -> P.ReconcileResponse:
    """Does the district hold what this desk has had acknowledged? (each sync asks)"""
    req: P.ReconcileRequest = parse_body(P.ReconcileRequest, auth.body)
    out: P.ReconcileResponse = await run_in_threadpool(
        storage_of(request).reconcile.check, auth.desk["desk_id"], req)
    return out


@router.post(P.PATH_STATUS_REPORTS, tags=["sync"],
             openapi_extra=body_doc(P.StatusReportRequest),
             responses={200: {"model": P.StatusReportResponse},
                        401: {"model": P.ErrorBody}})
async def status_reports(request: Request, auth: SignedDep) -> P.StatusReportResponse:
    """Decisions this desk had pulled that the district no longer has (after a restore)."""
    req: P.StatusReportRequest = parse_body(P.StatusReportRequest, auth.body)
    out: P.StatusReportResponse = await run_in_threadpool(
        storage_of(request).reconcile.store_status_reports, auth.desk["desk_id"], req)
    return out
