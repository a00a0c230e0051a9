"""The district API's middleware: the server clock on every answer, and the cap on the
request bodies the routes read whole (installed by :func:`sync.district.app.create_app`)."""

from __future__ import annotations

import time

from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync import protocol as P

# answers shorter than this go uncompressed (the GZip middleware's threshold, and the batch
# route's, which compresses its own answer: sync.district.sync_api)
GZIP_MIN_BYTES = 2048


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
    cap. The signed endpoints are left to the signed reader (:func:`sync.district.api_deps.signed_with_cap`),
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

