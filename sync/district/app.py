"""The district's HTTP API (FastAPI). Routes stay thin: they authenticate, parse with
:mod:`sync.protocol` and call :mod:`sync.district.storage`.

Endpoints (all JSON, all answers carry ``X-Doorstep-Server-Time``; OpenAPI at
``/openapi.json``):

- ``GET  /api/v1/time`` — the server clock (no auth).
- ``POST /api/v1/enroll`` — one-time code → desk id and secret (the code is the auth).
- ``POST /api/v1/batches`` — signed; push records, atomically, idempotently.
- ``GET  /api/v1/changes?since=SEQ&limit=N&kinds=K,…`` — signed; statuses, bundle routes,
  catalog versions, holiday arrangements (of the kinds the desk names; else status,catalog).
- ``GET  /api/v1/handover?after=UUID`` — signed; a replacement laptop's hand-over of the
  replaced desk's open work (sync.district.replacement).
- ``PUT  /api/v1/attachments/{sha256}?offset=O&total=T`` — signed; resumable upload.
- ``GET  /api/v1/attachments/{sha256}`` — signed; how much is held.
- ``GET  /api/v1/receipts/verify?receipt_no=&uuid=&code=`` — is a receipt genuine (no
  auth, nothing personal in the answer, rate-limited per client address).
- ``POST /api/v1/desk/pin`` — signed; register a PIN: a new key share (see
  :mod:`sync.district.keyshares`). ``DELETE`` forgets it.
- ``POST /api/v1/desk/unlock`` — unlock token + PIN proof → the key share (not signed;
  refused for revoked desks, locked after five wrong PINs, rate-limited per address).
- ``GET  /healthz`` — liveness and the database kind.

Request bodies may be gzip-compressed (``Content-Encoding: gzip``; Starlette does not
decompress request bodies, so :func:`_signed` does, after checking the signature).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from dataclasses import dataclass
from tempfile import SpooledTemporaryFile
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync import protocol as P
from sync.district.errors import DistrictError
from sync.district.ratelimit import RateLimiter
from sync.district.replacement import handover
from sync.district.storage import Storage

log = logging.getLogger("doorstep.district")

MAX_BATCH_BYTES = 64 * 1024 * 1024  # decompressed batch body
MAX_ATTACHMENT_BYTES = int(os.environ.get("DOORSTEP_MAX_ATTACHMENT", 20 * 1024 * 1024))
VERIFY_RATE = int(os.environ.get("DOORSTEP_VERIFY_RATE", 60))  # per client address a minute
UNLOCK_RATE = int(os.environ.get("DOORSTEP_UNLOCK_RATE", 30))  # per client address a minute
UNKNOWN_DESK_MESSAGE = ("区级系统不认识本办事点（区级数据可能已从备份恢复）。请向区级管理员申请新的"
                        "注册码，在“同步设置”中重新注册；本机的案件都在，注册后会全部重新上传。")
SPOOL_BYTES = 1024 * 1024  # a body past this is spooled to a temporary file while read
P_SHA = PathParam(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the content, hex")


class ServerTimeMiddleware:
    """Adds the server clock to every answer, errors included (clients keep an offset)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((P.H_SERVER_TIME.lower().encode(), f"{time.time():.3f}".encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, stamped)


class BodyTooLarge(StarletteHTTPException):
    """A request body over :class:`BodyLimitMiddleware`'s cap (answered 413)."""

    def __init__(self, cap: int) -> None:
        super().__init__(413, f"请求体超过上限 {cap} 字节")
        self.cap = cap


class BodyLimitMiddleware:
    """Caps every request body the routes read whole (enrollment, PIN unlock, console
    forms), so an unauthenticated request cannot make the server hold a large body: past
    ``small`` bytes (``multipart``: ``upload``, which Starlette spools to disk) it is
    refused — by ``Content-Length`` before anything is read, else as the stream passes the
    cap. The signed endpoints are left to the signed reader (:func:`_signed_with_cap`),
    which checks the headers and the desk before reading and streams with its own caps."""

    SIGNED_PATHS = frozenset({P.PATH_BATCHES, P.PATH_PIN, P.PATH_RECONCILE,
                              P.PATH_STATUS_REPORTS, P.PATH_DISCARD,
                              P.PATH_ATTACHMENT_LINKS})
    SIGNED_PREFIX = P.PATH_ATTACHMENTS + "/"

    def __init__(self, app: ASGIApp, small: int = 1024 * 1024,
                 upload: int = 33 * 1024 * 1024) -> None:
        self.app, self.small, self.upload = app, small, upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if (scope["type"] != "http" or path in self.SIGNED_PATHS
                or path.startswith(self.SIGNED_PREFIX)):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        cap = self.upload if multipart else self.small
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > cap:
            body = P.ErrorBody(error=P.ERR_TOO_LARGE, message=f"请求体超过上限 {cap} 字节",
                               detail={"cap": cap})
            await JSONResponse(body.model_dump(exclude_none=True), status_code=413)(
                scope, receive, send)
            return
        seen = 0

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise BodyTooLarge(cap)
            return message

        await self.app(scope, capped, send)


def _error(status: int, code: str, message: str,
           detail: dict[str, Any] | None = None) -> JSONResponse:
    body = P.ErrorBody(error=code, message=message, detail=detail)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status)


class Refusal(Exception):
    """An HTTP refusal raised by the auth and parsing helpers."""

    def __init__(self, status: int, code: str, message: str,
                 detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail


@dataclass
class Signed:
    """An authenticated request: the desk row and the (decompressed) body."""

    desk: dict[str, Any]
    body: bytes


def _too_large(cap: int) -> Refusal:
    return Refusal(413, P.ERR_TOO_LARGE, f"请求体超过上限 {cap} 字节", {"cap": cap})


async def _spool_capped(request: Request, cap: int) -> tuple[Any, str]:
    """The body streamed into a temporary file (in memory up to ``SPOOL_BYTES``, on disk
    past it) and hashed as it comes: ``(file, sha256 hex)``. Refused (413) past ``cap``
    bytes — by its ``Content-Length`` before anything is read, else as soon as the stream
    passes the cap. The caller closes the file."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > cap:
        raise _too_large(cap)
    spool = SpooledTemporaryFile(max_size=SPOOL_BYTES)  # closed by the caller
    digest, n = hashlib.sha256(), 0
    try:
        async for chunk in request.stream():
            n += len(chunk)
            if n > cap:
                raise _too_large(cap)
            digest.update(chunk)
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, digest.hexdigest()


async def _read_capped(request: Request, cap: int) -> bytes:
    """The body, refused (413) past ``cap`` bytes (see :func:`_spool_capped`)."""
    spool, _ = await _spool_capped(request, cap)
    with spool:
        data: bytes = spool.read()
    return data


def _storage(request: Request) -> Storage:
    st: Storage = request.app.state.storage
    return st


def _first_desks_catalogs(resp: P.ChangesResponse) -> P.ChangesResponse:
    """``resp`` with each catalog as the desks before parameters read it (catalog format
    1, :func:`forms.legacy.first_desks_catalog`); a catalog that cannot be converted is
    left as published (logged) — such a desk would refuse it either way."""
    from forms.catalog import CatalogError
    from forms.legacy import first_desks_catalog

    out = []
    for change in resp.changes:
        body = change.catalog
        if body:
            try:
                change = change.model_copy(update={"catalog": first_desks_catalog(body)})
            except CatalogError as exc:
                log.warning("catalog %s: not converted for an older desk: %s",
                            body.get("version"), exc)
        out.append(change)
    return resp.model_copy(update={"changes": out})


# what well-formed signing headers look like (anything else is refused unread)
_DESK_ID = re.compile(r"[A-Za-z0-9_.-]{1,40}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


async def _signed_with_cap(request: Request, cap: int) -> Signed:
    """Authenticate a signed request. Everything that can be checked without the body is
    checked before one byte of it is read: the headers' form, the clock, that the desk is
    enrolled and not revoked. Only then is the body streamed in (capped, hashed, spooled to
    a temporary file past ``SPOOL_BYTES``) and the signature checked over its hash; the body
    is held in memory only once the signature is right."""
    st = _storage(request)
    h = request.headers
    desk_id, ts, nonce, sig = (h.get(P.H_DESK), h.get(P.H_TIMESTAMP), h.get(P.H_NONCE),
                               h.get(P.H_SIGNATURE))
    if not (desk_id and ts and nonce and sig):
        raise Refusal(401, P.ERR_AUTH, "请求未签名（缺少办事点签名头）")
    if not (_DESK_ID.fullmatch(desk_id) and _TIMESTAMP.fullmatch(ts)
            and _NONCE.fullmatch(nonce) and _SIGNATURE.fullmatch(sig)):
        raise Refusal(401, P.ERR_AUTH, "签名头格式错误或办事点未注册")
    if abs(time.time() - int(ts)) > P.MAX_SKEW:
        raise Refusal(401, P.ERR_STALE, "请求时间与服务器时间相差过大",
                      {"server_epoch": time.time()})
    desk = await run_in_threadpool(st.desk, desk_id)
    if desk is None:  # issue 22: e.g. enrolled after the backup the district was restored from
        raise Refusal(401, P.ERR_UNKNOWN_DESK, UNKNOWN_DESK_MESSAGE)
    if desk["revoked_at"]:
        raise Refusal(403, P.ERR_REVOKED, "该办事点已被区级停用，请联系区级管理员")
    spool, body_sha = await _spool_capped(request, cap)
    with spool:
        # the path as sent (percent-encoding and all), as the client signed it
        path = (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1")
        if request.url.query:
            path += f"?{request.url.query}"
        if not P.verify_digest(desk["secret"], request.method, path, ts, nonce, body_sha,
                               sig):
            raise Refusal(401, P.ERR_AUTH, "签名无效或办事点未注册")
        raw: bytes = spool.read()  # signed by the desk: now it may be held
    if not await run_in_threadpool(st.remember_nonce, desk_id, nonce):
        raise Refusal(401, P.ERR_REPLAYED, "重复的请求（随机数已使用）")
    if h.get("content-encoding", "identity").lower() == "gzip":
        try:
            raw = P.gunzip_capped(raw, MAX_BATCH_BYTES)
        except P.TooLarge:
            raise Refusal(413, P.ERR_TOO_LARGE, f"解压后请求体超过上限 {MAX_BATCH_BYTES} 字节",
                          {"cap": MAX_BATCH_BYTES}) from None
        except ValueError as exc:
            raise Refusal(400, P.ERR_PROTOCOL, f"gzip 请求体无法解压: {exc}") from None
    return Signed(desk, raw)


async def signed(
    request: Request,
    x_doorstep_desk: str | None = Header(None, description="desk id"),
    x_doorstep_timestamp: str | None = Header(None, description="unix seconds"),
    x_doorstep_nonce: str | None = Header(None, description="random, never reused"),
    x_doorstep_signature: str | None = Header(None, description="hex HMAC-SHA256"),
) -> Signed:
    """Dependency: authenticate a signed request (see :mod:`sync.protocol`)."""
    return await _signed_with_cap(request, MAX_BATCH_BYTES)


SignedDep = Annotated[Signed, Depends(signed)]


def _parse(model: type[P.Message], body: bytes) -> Any:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(str(x) for x in e['loc']) or 'body'}: {e['msg']}"
                         for e in exc.errors()[:5])
        code = P.ERR_PROTOCOL if any(e["loc"][:1] == ("protocol",) for e in exc.errors()) \
            else "invalid"
        raise Refusal(400 if code == P.ERR_PROTOCOL else 422, code, msgs) from None


def _body_doc(model: type[P.Message]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": model.model_json_schema()}}}}


def create_app(db_url: str | None = None, *, storage: Storage | None = None,
               enable_discard: bool = False) -> FastAPI:
    """The district app over ``storage`` (or a new :class:`Storage` for ``db_url``)."""
    app = FastAPI(title="Doorstep Desk district API", version=str(P.PROTOCOL_VERSION),
                  description=__doc__)
    app.state.storage = storage or Storage(db_url)
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=5)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(ServerTimeMiddleware)

    @app.exception_handler(Refusal)
    async def _refusal(_r: Request, exc: Refusal) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.detail)

    @app.exception_handler(DistrictError)
    async def _district(_r: Request, exc: DistrictError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, dict(exc.extra) or None)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_r: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, BodyTooLarge):
            return _error(413, P.ERR_TOO_LARGE, str(exc.detail), {"cap": exc.cap})
        return _error(exc.status_code, "http", str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_r: Request, exc: RequestValidationError) -> JSONResponse:
        msgs = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}"
                         for e in exc.errors()[:5])
        return _error(422, "invalid", msgs)

    @app.exception_handler(Exception)
    async def _crash(_r: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return _error(500, "server", "服务器内部错误，请稍后重试")

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, Any]:
        return {"ok": True, "db": app.state.storage.dialect}

    @app.get(P.PATH_TIME, response_model=P.TimeInfo, tags=["sync"])
    def server_time() -> P.TimeInfo:
        """The server clock, for a desk that needs its offset before signing."""
        return P.TimeInfo(server_time=P.utc_now(), server_epoch=time.time())

    @app.post(P.PATH_ENROLL, response_model=P.EnrollResponse, tags=["sync"],
              responses={401: {"model": P.ErrorBody}})
    async def enroll(req: P.EnrollRequest, request: Request) -> P.EnrollResponse:
        """Exchange a one-time enrollment code for a desk id and secret."""
        resp: P.EnrollResponse = await run_in_threadpool(_storage(request).enroll, req)
        return resp

    @app.post(P.PATH_BATCHES, tags=["sync"], openapi_extra=_body_doc(P.BatchRequest),
              responses={200: {"model": P.BatchResponse}, 401: {"model": P.ErrorBody},
                         409: {"model": P.ErrorBody}, 413: {"model": P.ErrorBody}})
    async def push_batch(request: Request, auth: SignedDep) -> Response:
        """Commit a batch of records atomically; per-record results in request order."""
        batch: P.BatchRequest = _parse(P.BatchRequest, auth.body)
        if batch.desk_id != auth.desk["desk_id"]:
            raise Refusal(403, P.ERR_AUTH, "批次中的办事点编号与签名不符")
        _answer, text = await run_in_threadpool(_storage(request).ingest_batch_json,
                                                batch.desk_id, str(batch.batch_id),
                                                batch.records)
        # the stored answer as it is, with the server clock added (one encoding, not two)
        body = f'{text[:-1]},"server_time":"{P.utc_now()}"}}'.encode()
        return Response(body, media_type="application/json")

    @app.get(P.PATH_CHANGES, response_model=P.ChangesResponse, tags=["sync"],
             responses={401: {"model": P.ErrorBody}})
    async def pull_changes(request: Request, auth: SignedDep,
                           since: int = Query(0, ge=0, le=P.MAX_SEQ),
                           limit: int = Query(500, ge=1, le=2000),
                           kinds: str = Query("", max_length=200, description=(
                               "comma-separated change kinds the desk understands "
                               "(default: status,catalog)")),
                           catalog_format: int = Query(
                               P.BASE_CATALOG_FORMAT, ge=1, le=1000, description=(
                                   "the newest catalog format the desk reads (default 1: "
                                   "the catalog resolved, for desks before parameters)"))
                           ) -> P.ChangesResponse:
        """The desk's changes after cursor ``since`` (statuses, notes, bundle routes,
        catalog versions, holiday arrangements) of the kinds it understands; a catalog in
        the newest format the desk reads."""
        wanted = tuple(k for k in P.CHANGE_KINDS if k in kinds.split(",")) \
            if kinds else P.BASE_CHANGE_KINDS
        resp: P.ChangesResponse = await run_in_threadpool(
            _storage(request).changes_since, auth.desk["desk_id"], since, limit, wanted)
        if catalog_format < P.CATALOG_FORMAT and any(c.catalog for c in resp.changes):
            resp = await run_in_threadpool(_first_desks_catalogs, resp)
        return resp

    @app.get(P.PATH_HANDOVER, response_model=P.HandoverResponse, tags=["sync"],
             responses={401: {"model": P.ErrorBody}})
    async def take_handover(request: Request, auth: SignedDep,
                            after: str = Query("", max_length=36),
                            limit: int = Query(500, ge=1, le=2000)) -> P.HandoverResponse:
        """For a desk enrolled as the replacement of another: that desk's open cases and
        those completed in the last 90 days, a page at a time; its receipt numbering and
        receipt key (see sync.district.replacement). Empty for any other desk."""
        resp: P.HandoverResponse = await run_in_threadpool(
            handover, _storage(request), auth.desk["desk_id"], after, limit)
        return resp

    @app.get(P.PATH_ATTACHMENTS + "/{sha256}", response_model=P.AttachmentStatus,
             tags=["attachments"])
    async def attachment_status(request: Request, auth: SignedDep,
                                sha256: str = P_SHA) -> P.AttachmentStatus:
        """How many bytes of the attachment the district holds from this desk (to resume
        an upload); another desk's files and uploads never show."""
        resp: P.AttachmentStatus = await run_in_threadpool(
            _storage(request).attachment_status, auth.desk["desk_id"], sha256)
        return resp

    @app.put(P.PATH_ATTACHMENTS + "/{sha256}", response_model=P.AttachmentStatus,
             tags=["attachments"], responses={413: {"model": P.ErrorBody},
                                             409: {"model": P.ErrorBody}})
    async def put_attachment(request: Request, sha256: str = P_SHA,
                             offset: int = Query(0, ge=0, le=P.MAX_SEQ),
                             total: int = Query(..., ge=1, le=P.MAX_SEQ),
                             x_doorstep_desk: str | None = Header(None),
                             ) -> P.AttachmentStatus:
        """Upload an attachment (or the chunk at ``offset``); content-addressed by SHA-256,
        idempotent, at most ``DOORSTEP_MAX_ATTACHMENT`` bytes (default 20 MB)."""
        if total > MAX_ATTACHMENT_BYTES:
            raise Refusal(413, P.ERR_TOO_LARGE,
                          f"附件大小 {total} 字节超过上限 {MAX_ATTACHMENT_BYTES} 字节",
                          {"cap": MAX_ATTACHMENT_BYTES})
        auth = await _signed_with_cap(request, MAX_ATTACHMENT_BYTES)
        resp: P.AttachmentStatus = await run_in_threadpool(
            _storage(request).put_attachment, auth.desk["desk_id"], sha256, offset, total,
            auth.body, MAX_ATTACHMENT_BYTES)
        return resp

    from sync.district.reconcile_api import install as install_reconcile

    install_reconcile(app)  # issue 22: /reconcile and /status-reports

    from sync.district.releases_api import install as install_releases

    install_releases(app)  # issue 19: /release and /release/file

    from sync.district.case_attachments_api import install as install_attachment_links

    install_attachment_links(app)  # issue 17: /attachment-links

    from sync.district.public_query_api import install as install_query

    install_query(app)  # issue 18: the resident's progress page /q
    from sync.district.proactive_api import install as install_proactive

    install_proactive(app)  # issue 18: /proactive/outcomes

    from sync.district import keyshares

    @app.post(P.PATH_PIN, tags=["sync"], openapi_extra=_body_doc(P.PinSetupRequest),
              responses={200: {"model": P.PinSetupResponse}, 401: {"model": P.ErrorBody},
                         403: {"model": P.ErrorBody}})
    async def set_pin(request: Request, auth: SignedDep) -> P.PinSetupResponse:
        """Register (or replace) this desk's PIN; answers a fresh key share."""
        req: P.PinSetupRequest = _parse(P.PinSetupRequest, auth.body)
        out: P.PinSetupResponse = await run_in_threadpool(
            keyshares.set_pin, _storage(request), auth.desk["desk_id"], req)
        return out

    @app.delete(P.PATH_PIN, tags=["sync"], responses={401: {"model": P.ErrorBody}})
    async def remove_pin(request: Request, auth: SignedDep) -> dict[str, bool]:
        """Forget this desk's PIN key share."""
        had = await run_in_threadpool(keyshares.remove_pin, _storage(request),
                                      auth.desk["desk_id"])
        return {"removed": had}

    # per client address, counted in the database: shared by every server process
    unlock_limiter = RateLimiter(app.state.storage, "unlock", UNLOCK_RATE)

    @app.post(P.PATH_UNLOCK, tags=["sync"],
              responses={200: {"model": P.UnlockResponse}, 401: {"model": P.ErrorBody},
                         403: {"model": P.ErrorBody}, 423: {"model": P.ErrorBody},
                         429: {"model": P.ErrorBody}})
    async def unlock(req: P.UnlockRequest, request: Request) -> JSONResponse:
        """A desk's key share for its unlock token and a right PIN proof."""
        wait = await run_in_threadpool(unlock_limiter.hit,
                                       request.client.host if request.client else "")
        if wait:
            resp = _error(429, "rate_limited", "解锁尝试过于频繁，请稍后再试",
                          {"retry_after": wait})
            resp.headers["Retry-After"] = str(wait)
            return resp
        out: P.UnlockResponse = await run_in_threadpool(
            keyshares.unlock, _storage(request), req)
        return JSONResponse(out.model_dump(), headers={"Cache-Control": "no-store"})

    limiter = RateLimiter(app.state.storage, "verify", VERIFY_RATE)

    @app.get(P.PATH_RECEIPT_VERIFY, response_model=P.ReceiptVerification, tags=["receipts"],
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
        wait = await run_in_threadpool(limiter.hit,
                                       request.client.host if request.client else "")
        if wait:
            resp = _error(429, "rate_limited", "查询过于频繁，请稍后再试",
                          {"retry_after": wait})
            resp.headers["Retry-After"] = str(wait)
            return resp
        import uuid as uuid_mod

        out: P.ReceiptVerification = await run_in_threadpool(
            _storage(request).verify_receipt, receipt_no, str(uuid_mod.UUID(uuid)), code)
        return JSONResponse(out.model_dump(), headers={"Cache-Control": "no-store"})

    if enable_discard:
        @app.post(P.PATH_DISCARD, include_in_schema=False)
        async def discard(request: Request) -> dict[str, int]:
            """Read and drop a body (the benchmark's network floor)."""
            body = await _read_capped(request, MAX_BATCH_BYTES)
            return {"bytes": len(body)}

    from sync.district.console import install as install_console

    install_console(app)  # the admin console under /console/ (issue 6)
    return app


def app_from_env() -> FastAPI:
    """App factory for ``uvicorn --factory`` and multi-worker serving: the database from
    ``$DOORSTEP_DB``; ``DOORSTEP_BENCH_DISCARD=1`` adds the benchmark's discard endpoint."""
    app = create_app(os.environ.get("DOORSTEP_DB"),
                     enable_discard=os.environ.get("DOORSTEP_BENCH_DISCARD") == "1")
    from sync.district.matters_store import start_schedule

    # issue 15: each worker ticks; each slot runs once
    start_schedule(app.state.storage, getattr(app.state, "console", None))
    from sync.district.proactive_schedule import start_proactive_schedule

    start_proactive_schedule(app.state.storage, getattr(app.state, "console", None))  # 18
    return app
