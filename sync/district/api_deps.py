"""What every route of the district API shares: the signed-request dependency
(:data:`SignedDep`), the refusal it and the parsers raise (:class:`Refusal`, answered as a
:class:`sync.protocol.ErrorBody`), capped body reading and the storage of the app.

A signed request is checked header by header before one byte of its body is read; the body
is streamed in (capped, hashed, spooled) and held only once its signature is right.
Request bodies may be gzip-compressed (``Content-Encoding: gzip``; Starlette does not
decompress request bodies, so :func:`signed_with_cap` does, after checking the signature).
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from tempfile import SpooledTemporaryFile
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from sync import protocol as P
from sync.district.errors import REPLAYED_MESSAGE
from sync.district.storage import Storage

MAX_BATCH_BYTES = 64 * 1024 * 1024  # decompressed batch body
UNKNOWN_DESK_MESSAGE = ("区级系统不认识本办事点（区级数据可能已从备份恢复）。请向区级管理员申请新的"
                        "注册码，在“同步设置”中重新注册；本机的案件都在，注册后会全部重新上传。")
SPOOL_BYTES = 1024 * 1024  # a body past this is spooled to a temporary file while read
P_SHA = PathParam(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the content, hex")


def error_response(status: int, code: str, message: str,
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
    """An authenticated request: the desk row and the (decompressed) body; ``nonce``:
    a batch's nonce, still to be recorded in the batch's own transaction (empty once
    recorded: every other request's)."""

    desk: dict[str, Any]
    body: bytes
    nonce: str = ""


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


async def read_capped(request: Request, cap: int) -> bytes:
    """The body, refused (413) past ``cap`` bytes (see :func:`_spool_capped`)."""
    spool, _ = await _spool_capped(request, cap)
    with spool:
        data: bytes = spool.read()
    return data


def storage_of(request: Request) -> Storage:
    st: Storage = request.app.state.storage
    return st


# what well-formed signing headers look like (anything else is refused unread)
_DESK_ID = re.compile(r"[A-Za-z0-9_.-]{1,40}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


async def signed_with_cap(request: Request, cap: int) -> Signed:
    """Authenticate a signed request. Everything that can be checked without the body is
    checked before one byte of it is read: the headers' form, the clock, that the desk is
    enrolled and not revoked. Only then is the body streamed in (capped, hashed, spooled to
    a temporary file past ``SPOOL_BYTES``) and the signature checked over its hash; the body
    is held in memory only once the signature is right."""
    st = storage_of(request)
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
    desk = await run_in_threadpool(st.desks.get, desk_id)
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
    # a batch's nonce is recorded in the batch's own transaction (Ingest.batch_json): the
    # nonce and the batch commit together, in one write rather than two (issue 20)
    batch = request.method == "POST" and request.url.path == P.PATH_BATCHES
    if not batch and not await run_in_threadpool(st.desks.remember_nonce, desk_id, nonce):
        raise Refusal(401, P.ERR_REPLAYED, REPLAYED_MESSAGE)
    if h.get("content-encoding", "identity").lower() == "gzip":
        try:
            raw = P.gunzip_capped(raw, MAX_BATCH_BYTES)
        except P.TooLarge:
            raise Refusal(413, P.ERR_TOO_LARGE, f"解压后请求体超过上限 {MAX_BATCH_BYTES} 字节",
                          {"cap": MAX_BATCH_BYTES}) from None
        except ValueError as exc:
            raise Refusal(400, P.ERR_PROTOCOL, f"gzip 请求体无法解压: {exc}") from None
    return Signed(desk, raw, nonce if batch else "")


async def signed(
    request: Request,
    x_doorstep_desk: str | None = Header(None, description="desk id"),
    x_doorstep_timestamp: str | None = Header(None, description="unix seconds"),
    x_doorstep_nonce: str | None = Header(None, description="random, never reused"),
    x_doorstep_signature: str | None = Header(None, description="hex HMAC-SHA256"),
) -> Signed:
    """Dependency: authenticate a signed request (see :mod:`sync.protocol`)."""
    return await signed_with_cap(request, MAX_BATCH_BYTES)


SignedDep = Annotated[Signed, Depends(signed)]


def parse_body(model: type[P.Message], body: bytes) -> Any:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(str(x) for x in e['loc']) or 'body'}: {e['msg']}"
                         for e in exc.errors()[:5])
        code = P.ERR_PROTOCOL if any(e["loc"][:1] == ("protocol",) for e in exc.errors()) \
            else "invalid"
        raise Refusal(400 if code == P.ERR_PROTOCOL else 422, code, msgs) from None


def parse_batch(body: bytes) -> tuple[str, str, list[dict[str, Any]]]:
    """(desk id, batch id, records) of a ``POST /api/v1/batches`` body. The JSON is
    decoded once (the records are left as the dicts the ingest checks one by one, so a
    malformed one is refused alone); the envelope is checked by :class:`BatchRequest`.
    A body this does not take (not JSON, a record not an object, too many) goes to
    :func:`parse_body` for the refusal the model gives."""
    try:
        doc = P.loads_json(body)
    except ValueError:
        doc = None
    records = doc.get("records") if type(doc) is dict else None
    if (type(records) is list and len(records) <= P.MAX_BATCH_RECORDS
            and all(type(r) is dict for r in records)):
        try:
            head = P.BatchRequest.model_validate({**doc, "records": []})
        except ValidationError:
            pass
        else:
            return head.desk_id, str(head.batch_id), records
    batch: P.BatchRequest = parse_body(P.BatchRequest, body)
    return batch.desk_id, str(batch.batch_id), batch.records


def body_doc(model: type[P.Message]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": model.model_json_schema()}}}}

