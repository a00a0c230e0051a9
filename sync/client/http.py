"""Signed HTTP to the district: one ``requests.Session``, timeouts, retries with
exponential backoff and full jitter, gzip request bodies, and the server-clock offset.

Every request is safe to resend (batch ids, case UUIDs and revisions make uploads
idempotent), so network failures, timeouts and 5xx answers are retried up to ``retries``
times; refusals (auth, conflict, too large, the daily upload cap, malformed) are raised at
once as typed errors.
A ``stale_timestamp`` refusal is retried once, immediately, with the clock offset the
server's answer gave.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

import requests
from pydantic import ValidationError

from sync import protocol as P
from sync.client.errors import (
    AuthError,
    ConflictError,
    NetworkError,
    ProtocolError,
    QuotaError,
    ServerError,
    SyncError,
    TooLargeError,
)

log = logging.getLogger(__name__)
USER_AGENT = f"doorstep-desk-sync/protocol-{P.PROTOCOL_VERSION}"
M = TypeVar("M", bound=P.Message)
T = TypeVar("T")


def _json_answer(resp: requests.Response) -> dict[str, Any]:
    out: dict[str, Any] = resp.json()
    return out


class DistrictClient:
    """A connection to one district server, optionally as an enrolled desk."""

    def __init__(self, base_url: str, *, desk_id: str | None = None,
                 secret: str | None = None, session: requests.Session | None = None,
                 timeout: tuple[float, float] = (5.0, 60.0), retries: int = 4,
                 backoff: float = 0.5, backoff_max: float = 20.0, clock_offset: float = 0.0,
                 sleep: Callable[[float], None] = time.sleep,
                 jitter: Callable[[], float] = random.random) -> None:
        self.base_url = base_url.rstrip("/")
        self.desk_id, self._secret = desk_id, secret
        self._own_session = session is None
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.timeout, self.retries = timeout, retries
        self.backoff, self.backoff_max = backoff, backoff_max
        self.clock_offset = clock_offset
        # the district's clock (unix seconds) in its latest answer; None until one arrives
        self.server_seen: float | None = None
        self._sleep, self._jitter = sleep, jitter
        self.requests_made = 0

    def __repr__(self) -> str:  # never shows the secret
        return f"DistrictClient({self.base_url!r}, desk_id={self.desk_id!r})"

    def close(self) -> None:
        """Close the session if this client made it."""
        if self._own_session:
            self.session.close()

    def __enter__(self) -> DistrictClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def now(self) -> float:
        """The client's estimate of the server clock (unix seconds)."""
        return time.time() + self.clock_offset

    def _observe_clock(self, resp: requests.Response) -> None:
        stamp = resp.headers.get(P.H_SERVER_TIME)
        if stamp:
            try:
                seen = float(stamp)
            except ValueError:
                return
            self.clock_offset = seen - time.time()
            # two batches' answers may come back in either order (sync.client.desk's
            # window): the latest time the district was seen at is kept
            if self.server_seen is None or seen > self.server_seen:
                self.server_seen = seen

    # -- the one request path ---------------------------------------------------------------

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                json_body: Any = None, data: bytes | None = None, signed: bool = True,
                compress: bool = True, content_type: str | None = None,
                extra_headers: dict[str, str] | None = None) -> dict[str, Any]:
        """Send a request (signed unless ``signed=False``); the decoded JSON answer."""
        return self._exchange(method, path, _json_answer, params=params, json_body=json_body,
                              data=data, signed=signed, compress=compress,
                              content_type=content_type, extra_headers=extra_headers)

    def request_bytes(self, path: str, *, params: dict[str, Any] | None = None
                      ) -> tuple[bytes, requests.structures.CaseInsensitiveDict[str]]:
        """A signed GET whose answer is bytes (a release piece): the body and its headers."""
        return self._exchange("GET", path, lambda r: (r.content, r.headers), params=params,
                              compress=False)

    def _exchange(self, method: str, path: str, answer: Callable[[requests.Response], T], *,
                  params: dict[str, Any] | None = None, json_body: Any = None,
                  data: bytes | None = None, signed: bool = True, compress: bool = True,
                  content_type: str | None = None,
                  extra_headers: dict[str, str] | None = None) -> T:
        """The one request path: sign, send, retry; ``answer`` reads a success (a
        ``ValueError`` from it is an incomplete answer, retried like a 5xx)."""
        query = urlencode(params) if params else ""
        full_path = path + (f"?{query}" if query else "")
        headers: dict[str, str] = {}
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        else:
            body = data or b""
            if data is not None:
                headers["Content-Type"] = content_type or "application/octet-stream"
        if compress:
            body, extra = P.gzip_body(body)
            headers.update(extra)
        headers.update(extra_headers or {})
        if signed and not (self.desk_id and self._secret):
            raise AuthError("本办事点尚未注册到区级系统（doorstep-desk enroll）",
                            code="not_enrolled")
        stale_retried = False
        attempt = 0
        while True:
            h = dict(headers)
            if signed:
                assert self.desk_id and self._secret
                h.update(P.signed_headers(self.desk_id, self._secret, method, full_path, body,
                                          self.now()))
            err: SyncError
            try:
                self.requests_made += 1
                resp = self.session.request(method, self.base_url + full_path, data=body,
                                            headers=h, timeout=self.timeout)
            except requests.RequestException as exc:
                # the worker reads what to do; the exception's kind goes to the log only
                log.info("district unreachable: %s", type(exc).__name__)
                err = NetworkError("无法连接区级系统，请检查网络；连通后办事台会自动上传，"
                                   "已保存的案件不会丢失", code="network")
            else:
                self._observe_clock(resp)
                if resp.status_code < 400:
                    try:
                        return answer(resp)
                    except ValueError:
                        err = ServerError("区级系统的应答不完整", code="bad_answer",
                                          status=resp.status_code)
                else:
                    err = _refusal(resp)
                    if err.code == P.ERR_STALE and not stale_retried:
                        stale_retried = True  # the offset was just corrected from the answer
                        continue
                    if not isinstance(err, ServerError):
                        raise err
            attempt += 1
            if attempt > self.retries:
                raise err
            delay = min(self.backoff_max, self.backoff * 2 ** (attempt - 1)) * self._jitter()
            self._sleep(delay)

    def _call(self, model: type[M], method: str, path: str, **kw: Any) -> M:
        """A request whose answer is ``model``, read from the answer's bytes in one pass
        (issue 20: a batch's answer of 500 results, 1.4 ms rather than 3.2 decoded to
        Python and then validated). An answer that is not JSON is an incomplete one
        (retried, as any); JSON of another shape is :class:`ProtocolError`."""

        def answer(resp: requests.Response) -> M:
            try:
                return model.model_validate_json(resp.content)
            except ValidationError as exc:
                if any(e["type"] == "json_invalid" for e in exc.errors()):
                    raise ValueError("the answer is not JSON") from None
                raise ProtocolError(f"区级系统的应答格式不符: {exc}", code="bad_answer"
                                    ) from None

        return self._exchange(method, path, answer, **kw)

    # -- the protocol -----------------------------------------------------------------------

    def enroll(self, req: P.EnrollRequest) -> P.EnrollResponse:
        """Exchange a one-time code; the caller stores the id and secret."""
        return self._call(P.EnrollResponse, "POST", P.PATH_ENROLL,
                          json_body=req.model_dump(mode="json"), signed=False, compress=False)

    def push(self, batch: P.BatchRequest) -> P.BatchResponse:
        """Push one batch (resending the same batch id is safe)."""
        body = {"protocol": batch.protocol, "desk_id": batch.desk_id,
                "batch_id": str(batch.batch_id), "records": batch.records}  # no deep copy
        return self._call(P.BatchResponse, "POST", P.PATH_BATCHES, json_body=body)

    def push_body(self, body: tuple[bytes, dict[str, str]]) -> P.BatchResponse:
        """Push a batch body made by :func:`batch_body` (signed now, as it is sent)."""
        data, headers = body
        return self._call(P.BatchResponse, "POST", P.PATH_BATCHES, data=data,
                          content_type="application/json", compress=False,
                          extra_headers=headers)

    def changes(self, since: int, limit: int = 500) -> P.ChangesResponse:
        """Changes after cursor ``since``."""
        return self._call(P.ChangesResponse, "GET", P.PATH_CHANGES,
                          params={"since": since, "limit": limit,
                                  "kinds": ",".join(P.CHANGE_KINDS),  # all this desk reads
                                  "catalog_format": P.CATALOG_FORMAT})  # the authored one

    def handover(self, after: str = "", limit: int = 500) -> P.HandoverResponse:
        """The replaced desk's work, for a replacement laptop (issue 24; a page)."""
        return self._call(P.HandoverResponse, "GET", P.PATH_HANDOVER,
                          params={"after": after, "limit": limit})

    def reconcile(self, req: P.ReconcileRequest) -> P.ReconcileResponse:
        """Ask what the district holds of this desk's records, and its epoch (issue 22)."""
        return self._call(P.ReconcileResponse, "POST", P.PATH_RECONCILE,
                          json_body=req.model_dump(mode="json"), compress=False)

    def proactive_outcomes(self, req: P.ProactiveOutcomesRequest
                           ) -> P.ProactiveOutcomesResponse:
        """Send the worker's answers for the proactive list (issue 18)."""
        return self._call(P.ProactiveOutcomesResponse, "POST", P.PATH_PROACTIVE_OUTCOMES,
                          json_body=req.model_dump(mode="json"), compress=False)

    def report_statuses(self, req: P.StatusReportRequest) -> P.StatusReportResponse:
        """Send decisions the district lost back to it, as this desk's knowledge."""
        return self._call(P.StatusReportResponse, "POST", P.PATH_STATUS_REPORTS,
                          json_body=req.model_dump(mode="json"))

    def link_attachments(self, req: P.AttachmentLinksRequest) -> P.AttachmentLinksResponse:
        """Tell the district which case and material each uploaded page belongs to."""
        return self._call(P.AttachmentLinksResponse, "POST", P.PATH_ATTACHMENT_LINKS,
                          json_body=req.model_dump(mode="json"))

    def attachment_status(self, sha256: str) -> P.AttachmentStatus:
        """How much of an attachment the district holds."""
        return self._call(P.AttachmentStatus, "GET", f"{P.PATH_ATTACHMENTS}/{sha256}")

    def set_pin(self, req: P.PinSetupRequest) -> P.PinSetupResponse:
        """Register this desk's PIN (signed); the district answers a new key share."""
        return self._call(P.PinSetupResponse, "POST", P.PATH_PIN,
                          json_body=req.model_dump(mode="json"), compress=False)

    def remove_pin(self) -> dict[str, Any]:
        """Ask the district to forget this desk's PIN key share (signed)."""
        return self.request("DELETE", P.PATH_PIN, compress=False)

    def unlock(self, req: P.UnlockRequest) -> P.UnlockResponse:
        """The key share for a PIN unlock (not signed: the desk is locked)."""
        return self._call(P.UnlockResponse, "POST", P.PATH_UNLOCK,
                          json_body=req.model_dump(mode="json"), signed=False, compress=False)

    def release_offer(self, platform: str) -> P.ReleaseOffer:
        """The newest desk release for ``platform`` and the district's release key."""
        return self._call(P.ReleaseOffer, "GET", P.PATH_RELEASE, params={"platform": platform})

    def release_piece(self, platform: str, version: str, offset: int,
                      length: int = P.RELEASE_CHUNK) -> tuple[bytes, int]:
        """Up to ``length`` bytes of a release from ``offset``, and the file's size."""
        body, headers = self.request_bytes(P.PATH_RELEASE_FILE, params={
            "platform": platform, "version": version, "offset": offset, "length": length})
        try:
            size = int(headers.get("X-Doorstep-Size", ""))
        except ValueError:
            raise ProtocolError("区级系统的应答缺少安装包大小", code="bad_answer") from None
        return body, size

    def upload_attachment(self, data: bytes, chunk_size: int = 1024 * 1024, *,
                          on_held: Callable[[int], None] | None = None
                          ) -> P.AttachmentStatus:
        """Upload an attachment, resuming where the district's copy ends; idempotent.
        ``on_held`` is told the bytes each answered piece added to the district's copy:
        nothing for a page it already held (the sync summary's ``attachments_bytes``)."""
        sha = hashlib.sha256(data).hexdigest()
        status = self.attachment_status(sha)
        offset = status.received
        while not status.complete:
            chunk = data[offset:offset + chunk_size]
            try:
                status = self._call(P.AttachmentStatus, "PUT", f"{P.PATH_ATTACHMENTS}/{sha}",
                                    params={"offset": offset, "total": len(data)},
                                    data=chunk, compress=False)
            except ConflictError as exc:
                if exc.code != P.ERR_OFFSET:
                    raise
                offset = int(exc.detail.get("received", 0))
                continue
            if on_held is not None and status.received > offset:
                on_held(status.received - offset)
            offset = status.received
        return status


# text JSON writes as it is, between quotes (a UUID, a record's kind, a desk id)
_PLAIN = re.compile(r"[0-9A-Za-z_.:+-]*\Z").match


def _text(s: str) -> str:
    # a JSON string written as the protocol's models write it (UTF-8, not \u escapes)
    if type(s) is str and _PLAIN(s):
        return f'"{s}"'
    return json.dumps(s, ensure_ascii=False)


def batch_body(desk_id: str, batch_id: str, records: list[dict[str, Any]]
               ) -> tuple[bytes, dict[str, str]]:
    """A batch request's body, gzip-compressed, and its extra headers.

    Each record may carry its ``payload_json`` text as the desk stored it: the body is
    assembled around those texts, so no payload is decoded and encoded again (the same
    JSON on the wire as a :class:`~sync.protocol.BatchRequest`, byte for byte when the
    payloads come compact: tests/sync/test_batch_body.py). The thread that sends a batch
    builds its body, while the desk records the answer before it (``push_outbox``)."""
    parts = []
    for r in records:
        payload = r.get("payload_json")
        if payload is None:
            payload = json.dumps(r["payload"], ensure_ascii=False, separators=(",", ":"))
        parts.append(f'{{"id":{int(r["id"])},"kind":{_text(r["kind"])},'
                     f'"case_uuid":{_text(r["case_uuid"])},'
                     f'"revision":{int(r["revision"])},"payload":{payload}}}')
    body = (f'{{"protocol":{P.PROTOCOL_VERSION},"desk_id":{_text(desk_id)},'
            f'"batch_id":{_text(str(batch_id))},"records":[{",".join(parts)}]}}')
    return P.gzip_body(body.encode("utf-8"))


def _refusal(resp: requests.Response) -> SyncError:
    try:
        body = resp.json()
        code, message = str(body.get("error", "")), str(body.get("message", ""))
        detail = body.get("detail") or {}
    except ValueError:
        code, message, detail = "", "", {}
    s = resp.status_code
    kw: dict[str, Any] = {"code": code, "status": s, "detail": detail}
    if code == P.ERR_UPLOAD_QUOTA:  # not retried: it lasts until the district's next day
        return QuotaError(message, **kw)
    if s in (401, 403):
        return AuthError(message, **kw)
    if s == 409:
        return ConflictError(message, **kw)
    if s == 413:
        return TooLargeError(message, **kw)
    if s >= 500 or s == 429:
        return ServerError(message, **kw)
    return ProtocolError(message, **kw)
