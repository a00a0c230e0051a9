"""The district's agreement endpoints (issue 22), installed by :func:`sync.district.app.create_app`.

- ``POST /api/v1/reconcile`` — signed; the desk says what it has had acknowledged (and the
  epoch it last saw, its pull cursor); the district answers its identity and epoch, how
  many of the desk's records it holds and the highest outbox id among them (see
  :mod:`sync.district.reconcile`).
- ``POST /api/v1/status-reports`` — signed; decisions the desk had pulled and the restored
  district no longer has, kept apart for administrators (never applied as decisions).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool

from sync import protocol as P
from sync.district.app import SignedDep, _parse, _storage


def _doc(model: type[P.Message]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": model.model_json_schema()}}}}


def install(app: FastAPI) -> None:
    """Add the two routes to the district app."""

    @app.post(P.PATH_RECONCILE, tags=["sync"], openapi_extra=_doc(P.ReconcileRequest),
              responses={200: {"model": P.ReconcileResponse}, 401: {"model": P.ErrorBody}})
    async def reconcile(request: Request, auth: SignedDep) -> P.ReconcileResponse:
        """Does the district hold what this desk has had acknowledged? (each sync asks)"""
        req: P.ReconcileRequest = _parse(P.ReconcileRequest, auth.body)
        out: P.ReconcileResponse = await run_in_threadpool(
            _storage(request).reconcile, auth.desk["desk_id"], req)
        return out

    @app.post(P.PATH_STATUS_REPORTS, tags=["sync"], openapi_extra=_doc(P.StatusReportRequest),
              responses={200: {"model": P.StatusReportResponse},
                         401: {"model": P.ErrorBody}})
    async def status_reports(request: Request, auth: SignedDep) -> P.StatusReportResponse:
        """Decisions this desk had pulled that the district no longer has (after a restore)."""
        req: P.StatusReportRequest = _parse(P.StatusReportRequest, auth.body)
        out: P.StatusReportResponse = await run_in_threadpool(
            _storage(request).store_status_reports, auth.desk["desk_id"], req)
        return out
