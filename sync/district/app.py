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
- ``GET  /api/v1/attachments/{sha256}`` — signed; how much is held, and the desk's daily
  upload cap (a piece past it: 429 ``upload_quota``, :mod:`sync.district.upload_quota`).
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

import gc
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync import protocol as P
from sync.district import (
    attachments_api,
    case_attachments_api,
    keys_api,
    proactive_api,
    public_query_api,
    receipts_api,
    reconcile_api,
    releases_api,
    sync_api,
)
from sync.district.api_deps import MAX_BATCH_BYTES, Refusal, error_response, read_capped
from sync.district.config import DistrictSettings, load_settings
from sync.district.errors import DistrictError
from sync.district.middleware import (
    GZIP_MIN_BYTES,
    BodyLimitMiddleware,
    BodyTooLarge,
    ServerTimeMiddleware,
)
from sync.district.ratelimit import RateLimiter
from sync.district.serving import LOAD
from sync.district.storage import Storage, default_db_url

log = logging.getLogger("doorstep.district")

# The API by area, in the order their routes are matched (and listed in the OpenAPI schema).
ROUTERS = (
    sync_api.router,  # the clock, enrollment, batches, changes, hand-over
    attachments_api.router,  # resumable attachment uploads
    reconcile_api.router,  # issue 22: /reconcile and /status-reports
    releases_api.router,  # issue 19: /release and /release/file
    case_attachments_api.router,  # issue 17: /attachment-links
    public_query_api.router,  # issue 18: the resident's progress page /q
    proactive_api.router,  # issue 18: /proactive/outcomes
    keys_api.router,  # the PIN's key share: register, forget, unlock
    receipts_api.router,  # is a receipt genuine?
)


def create_app(db_url: str | None = None, *, storage: Storage | None = None,
               enable_discard: bool = False,
               settings: DistrictSettings | None = None) -> FastAPI:
    """The district app over ``storage`` (or a new :class:`Storage` for ``db_url``, else
    ``settings.db``); ``settings`` (default: read from the environment now) is
    ``app.state.settings`` for every route."""
    settings = settings or load_settings()
    app = FastAPI(title="Doorstep Desk district API", version=str(P.PROTOCOL_VERSION),
                  description=__doc__)
    app.state.settings = settings
    app.state.now = lambda: datetime.now(UTC)  # the district's clock (tests set another)
    app.state.storage = storage or Storage(db_url or default_db_url(settings))
    # per client address, counted in the database: shared by every server process
    app.state.limiters = {
        "unlock": RateLimiter(app.state.storage, "unlock", settings.unlock_rate),
        "verify": RateLimiter(app.state.storage, "verify", settings.verify_rate),
        "query": RateLimiter(app.state.storage, "query", settings.query_rate),
    }
    # several server processes: one holding the batches it works on and one more takes no
    # new connection meanwhile (sync.district.serving)
    LOAD.limit = app.state.storage.ingest.in_flight + 1
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=5)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(ServerTimeMiddleware)
    _install_handlers(app)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, Any]:
        return {"ok": True, "db": app.state.storage.dialect}

    for router in ROUTERS:
        app.include_router(router)

    if enable_discard:
        @app.post(P.PATH_DISCARD, include_in_schema=False)
        async def discard(request: Request) -> dict[str, int]:
            """Read and drop a body (the benchmark's network floor)."""
            body = await read_capped(request, MAX_BATCH_BYTES)
            return {"bytes": len(body)}

    from sync.district.console.mount import install as install_console

    install_console(app)  # the admin console under /console/ (issue 6)
    return app


def _install_handlers(app: FastAPI) -> None:
    """Every refusal and error answered as a :class:`sync.protocol.ErrorBody`."""

    @app.exception_handler(Refusal)
    async def _refusal(_r: Request, exc: Refusal) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.detail)

    @app.exception_handler(DistrictError)
    async def _district(_r: Request, exc: DistrictError) -> JSONResponse:
        resp = error_response(exc.status, exc.code, exc.message, dict(exc.extra) or None)
        if exc.retry_after:  # e.g. the daily upload cap: until the district's next day
            resp.headers["Retry-After"] = str(exc.retry_after)
        return resp

    @app.exception_handler(StarletteHTTPException)
    async def _http(_r: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, BodyTooLarge):
            return error_response(413, P.ERR_TOO_LARGE, str(exc.detail), {"cap": exc.cap})
        return error_response(exc.status_code, "http", str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_r: Request, exc: RequestValidationError) -> JSONResponse:
        msgs = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}"
                         for e in exc.errors()[:5])
        return error_response(422, "invalid", msgs)

    @app.exception_handler(Exception)
    async def _crash(_r: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error_response(500, "server", "服务器内部错误，请稍后重试")


def app_from_env() -> FastAPI:
    """App factory for ``uvicorn --factory`` and multi-worker serving: the settings from
    the environment (the database from ``$DOORSTEP_DB``; ``DOORSTEP_BENCH_DISCARD=1`` adds
    the benchmark's discard endpoint), each worker running the schedules."""
    settings = load_settings()
    app = create_app(enable_discard=settings.bench_discard, settings=settings)
    ready_to_serve(app)
    return app


def ready_to_serve(app: FastAPI) -> None:
    """What a server process does before its first request (``serve``, each worker of
    ``serve --workers N``): the database's collation checked, the catalog, the database
    connections and the routes built, the schedules started, the heap settled."""
    note_collation(app.state.storage)
    warm_catalog(app.state.storage)
    warm_pool(app.state.storage)
    warm_routes(app)
    start_schedules(app)  # issue 15: deadlines; issue 18: the proactive list
    settle_heap()


def settle_heap() -> None:
    """Before serving: what the process built to start (modules, models, routes, the
    catalog) is left out of every later garbage collection (``gc.freeze``), and the
    youngest generation is collected every 20,000 allocations rather than 700 — a
    500-case batch allocates some 50,000 objects, nearly all freed by reference counting,
    and the collections they set off took a tenth of the batch's CPU (issue 20)."""
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)


# issue 20: measured with bench_sync.py --pg-locale zh_CN.UTF-8, 50 desks at once
COLLATION_ADVICE = (
    "PostgreSQL database collation is %s: every comparison of the district's keys (case, "
    "desk and batch ids, ID digests, receipt numbers) goes through it, about 30 %% more of "
    "PostgreSQL's CPU per case than in a database made with --locale=C, where they "
    "compare by bytes (the district sorts no Chinese text in SQL). Move to one: "
    "createdb --locale=C --encoding UTF8 --template template0, then pg_dump | psql "
    "(installer/district/README-district.md)")


def note_collation(st: Storage) -> str | None:
    """Warn (in the log) when the PostgreSQL database compares text by a locale other
    than ``C``/``POSIX``; returns its collation then, else None."""
    coll = st.collation()
    if coll is None or coll in ("C", "POSIX"):
        return None
    log.warning(COLLATION_ADVICE, coll)
    return coll


def warm_catalog(st: Storage) -> None:
    """Read the current catalog's bundles and ``once`` rules before serving: the first
    batch of a fresh process otherwise parses every item file while a desk waits (~0.3 s
    of a 10,000-case sync, issue 20). Each is cached per catalog version."""
    from sync.district.duplicates import once_rules

    with st.read() as conn:
        st.ingest.bundle_members(conn)
        once_rules(st, conn)


def warm_pool(st: Storage) -> None:
    """Open the connections a burst of batches needs before serving, each having met the
    tables a batch reads and writes (:meth:`Database.warm_pool`; PostgreSQL only): a
    burst's first batches after the server started otherwise opened a dozen connections
    while desks waited (issue 20)."""
    from sync.district.desk_codes import receipt_numbers
    from sync.district.duplicates import resident_locks
    from sync.district.replacement import desk_sent
    from sync.district.tables import (
        batches,
        case_revisions,
        cases,
        changes,
        desk_records,
        desks,
        nonces,
    )

    st.warm_pool([t.name for t in (desks, nonces, batches, cases, case_revisions,
                                   receipt_numbers, desk_records, resident_locks,
                                   desk_sent, changes)])


# a path no route takes: matching it goes through every route of every router
_NO_ROUTE = {"type": "http", "method": "GET", "path": "/.warm-routes", "root_path": "",
             "headers": [], "query_string": b""}


def warm_routes(app: FastAPI) -> None:
    """Build every route's request handling before serving (issue 20). FastAPI builds an
    included router's routes — their parameters' and answers' validators — when the first
    request reaches that router (~80 ms for the district's), and reads each endpoint's
    source file for its error context on the endpoint's first request (~1.4 ms each): a
    fresh process's first requests waited for both — a desk's first sync after the server
    started, and each worker's. A path no route takes is matched through them all, and
    each endpoint's context is read, once."""
    from fastapi import routing as fastapi_routing

    for route in app.router.routes:
        route.matches(dict(_NO_ROUTE))
    # (FastAPI's own cache, by endpoint; absent from another FastAPI: nothing to warm)
    context = getattr(fastapi_routing, "_extract_endpoint_context", None)
    if context is not None:
        for route in _api_routes(app.router.routes):
            context(route.dependant.call)


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every API route, those of included routers too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)  # (FastAPI's included router)
        if inner is not None:
            yield from _api_routes(inner.routes)


def start_schedules(app: FastAPI) -> None:
    """The server's own schedules, every ``app.state.settings`` interval apart: the work
    orders' deadlines (issue 15: each worker ticks; each slot runs once) and the
    proactive-service list (issue 18)."""
    from sync.district.matters_store import start_schedule
    from sync.district.proactive_schedule import start_proactive_schedule

    settings: DistrictSettings = app.state.settings
    console = getattr(app.state, "console", None)
    start_schedule(app.state.storage, console, interval=settings.matter_schedule)
    start_proactive_schedule(app.state.storage, console,
                             interval=settings.proactive_schedule)
