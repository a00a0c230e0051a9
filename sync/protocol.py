"""What crosses the wire between a desk and the district — defined once, used by both.

Every JSON message carries ``protocol`` (:data:`PROTOCOL_VERSION`). A server refuses a
request whose major version it does not speak with 400 ``protocol``.

Signing (every request after enrollment)::

    X-Doorstep-Desk:       desk id
    X-Doorstep-Timestamp:  unix seconds (integer, the desk's estimate of the server clock)
    X-Doorstep-Nonce:      32 hex characters, never reused
    X-Doorstep-Signature:  hex HMAC-SHA256(desk secret, canonical request)

    canonical request = METHOD \\n PATH[?QUERY] \\n TIMESTAMP \\n NONCE \\n sha256hex(body)

The body hash is over the bytes as sent (gzip-compressed when ``Content-Encoding: gzip``),
so the server authenticates before it decompresses anything. A timestamp more than
:data:`MAX_SKEW` seconds from the server clock is refused (401 ``stale_timestamp``) and
a nonce seen before is refused (401 ``replayed``). Every answer carries the server's clock
in the ``X-Doorstep-Server-Time`` header (and in ``server_time`` in JSON bodies); the client
keeps the offset and retries a stale request once.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import secrets
import uuid
import zlib
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, get_args

try:  # the district's (a faster exact JSON); the desk's bundle leaves it out: json alone
    import orjson as _orjson
except ImportError:  # pragma: no cover - the installed desk (installer/doorstep-desk.spec)
    _orjson = None  # type: ignore[assignment]
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    field_validator,
    model_validator,
)

PROTOCOL_VERSION = 1
MAX_SKEW = 300  # seconds a signed request's timestamp may differ from the server clock
MAX_SEQ = 2**63 - 1  # the largest cursor, offset or id a query parameter may carry (int64)

H_DESK = "X-Doorstep-Desk"
H_TIMESTAMP = "X-Doorstep-Timestamp"
H_NONCE = "X-Doorstep-Nonce"
H_SIGNATURE = "X-Doorstep-Signature"
H_SERVER_TIME = "X-Doorstep-Server-Time"
H_PROTOCOL = "X-Doorstep-Protocol"

API = "/api/v1"
PATH_TIME = f"{API}/time"
PATH_ENROLL = f"{API}/enroll"
PATH_BATCHES = f"{API}/batches"
PATH_CHANGES = f"{API}/changes"
PATH_ATTACHMENTS = f"{API}/attachments"
# which case and material each uploaded page belongs to (issue 17): sent after the bytes
PATH_ATTACHMENT_LINKS = f"{API}/attachment-links"
PATH_DISCARD = f"{API}/discard"
PATH_RECEIPT_VERIFY = f"{API}/receipts/verify"
PATH_PIN = f"{API}/desk/pin"
PATH_UNLOCK = f"{API}/desk/unlock"
PATH_RECONCILE = f"{API}/reconcile"
PATH_STATUS_REPORTS = f"{API}/status-reports"
PATH_HANDOVER = f"{API}/handover"  # a replacement laptop: the old desk's work
PATH_RELEASE = f"{API}/release"  # the newest desk release for a platform (issue 19)
PATH_RELEASE_FILE = f"{API}/release/file"  # its bytes, a piece at a time (resumable)
PATH_PROACTIVE_OUTCOMES = f"{API}/proactive/outcomes"  # issue 18: the desk's answers

# each enumeration once: the Literal the models check, and its values as a tuple
RecordResultKind = Literal["accepted", "duplicate", "conflict", "rejected"]
RECORD_RESULTS: tuple[str, ...] = get_args(RecordResultKind)
DeskCaseStatus = Literal["draft", "accepted", "deferred", "correction", "completed"]
DESK_CASE_STATUSES: tuple[str, ...] = get_args(DeskCaseStatus)
DISTRICT_STATUSES = ("received", "accepted", "needs_correction", "completed", "rejected",
                     "routed")
CLOSED_STATUSES = ("completed", "rejected")
# A bundle (一件事) case's route to one member item's department has its own lifecycle:
# pending → accepted → completed, or rejected (with the reason) / needs_correction (with a
# note, then accepted again). The bundle case is complete when every route is closed.
ROUTE_STATUSES = ("pending", "accepted", "needs_correction", "completed", "rejected")
ROUTE_CLOSED = ("completed", "rejected")
ROUTE_NEXT = {  # route status → the statuses it may move to
    "pending": ("accepted", "needs_correction", "rejected"),
    "accepted": ("completed", "needs_correction", "rejected"),
    "needs_correction": ("accepted", "rejected"),
    "completed": (), "rejected": (),
}

# Error codes in ErrorBody.error, so both sides (and the UI) can tell them apart.
ERR_AUTH = "auth"  # missing/unknown desk, bad signature
ERR_STALE = "stale_timestamp"
ERR_REPLAYED = "replayed"
ERR_REVOKED = "revoked"
ERR_BAD_CODE = "bad_enrollment_code"
ERR_PROTOCOL = "protocol"
ERR_TOO_LARGE = "too_large"
ERR_BATCH_CONFLICT = "batch_conflict"
ERR_HASH = "hash_mismatch"
ERR_OFFSET = "offset_mismatch"
ERR_WRONG_PIN = "wrong_pin"
ERR_PIN_LOCKED = "pin_locked"
ERR_NO_PIN = "no_pin"
# the signing desk id is not enrolled here: the district may have been restored from a
# backup made before this desk enrolled (the desk asks for a new enrollment code)
ERR_UNKNOWN_DESK = "unknown_desk"
# the desk's daily upload cap is reached (429, ``detail``: an :class:`UploadQuota` and
# ``need``, the bytes refused): its pages wait until the district's next day (issue 17)
ERR_UPLOAD_QUOTA = "upload_quota"
PIN_TRIES = 5  # wrong PINs the district answers before it stops serving a desk's key share


def utc_now() -> str:
    """The current UTC time as ISO 8601 with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
_FLAT = frozenset((str, int, bool, type(None)))  # what orjson encodes as json does
# An integer token orjson would decode as a float (past 64 bits: 20 digits, or a minus and
# 19) — or digits in a string that look like one: either way the text goes to json (exact,
# slower). Found by mapping every digit to 0 (a translate and two finds run in C: a regular
# expression took as long as decoding the text).
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else b if b == 0x2D else 0x20 for b in range(256))
_WIDE, _WIDE_NEGATIVE = b"0" * 20, b"-" + b"0" * 19


def _may_be_wide(raw: bytes) -> bool:
    shape = raw.translate(_DIGITS)
    return _WIDE in shape or _WIDE_NEGATIVE in shape


def canonical_json(data: Any) -> bytes:
    """Stable JSON bytes (sorted keys, no spaces) for hashing content: the bytes of
    ``json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))``.

    A flat object of strings, integers, booleans and nulls (a desk's case payload) is
    encoded by orjson where it is installed (the district; the desk's bundle leaves it
    out): the same bytes (``tests/sync/test_protocol_canonical.py``; what it would encode
    otherwise — a float, an integer past 64 bits, a lone surrogate, a key not a string —
    goes to json), a sixth of the time.
    """
    if _orjson is not None and type(data) is dict and _FLAT.issuperset(map(type, data.values())):
        try:
            return _orjson.dumps(data, option=_orjson.OPT_SORT_KEYS)
        except TypeError:  # (orjson.JSONEncodeError) a key not a string, a wide int, ...
            pass
    return _CANONICAL.encode(data).encode("utf-8")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_json(text: bytes | str, *, constants: bool = False) -> Any:
    """``json.loads(text)``, refusing NaN and Infinity (ValueError, as for any text that is
    not JSON) unless ``constants``; decoded by orjson when it gives the same values: not
    when an integer token may pass 64 bits, and not when orjson refuses the text (json then
    decides: NaN, a lone surrogate escape, a number past a double's range)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if _orjson is not None and not _may_be_wide(raw):
        try:
            return _orjson.loads(raw)
        except _orjson.JSONDecodeError:
            pass
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return json.loads(text) if constants else json.loads(text, parse_constant=_no_constant)


def content_hash(data: Any) -> str:
    """SHA-256 (hex) of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(data)).hexdigest()


# -- signing ---------------------------------------------------------------------------------


def new_nonce() -> str:
    """A fresh random nonce."""
    return secrets.token_hex(16)


def new_secret() -> str:
    """A fresh desk secret (shared HMAC key)."""
    return secrets.token_hex(32)


def canonical_request(method: str, path: str, timestamp: str, nonce: str, body: bytes,
                      body_sha256: str | None = None) -> bytes:
    """The bytes a request signature covers (``body_sha256``: the body's SHA-256 in hex,
    when the body was hashed as it streamed in)."""
    digest = body_sha256 if body_sha256 is not None else hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), path, timestamp, nonce, digest]).encode("utf-8")


def sign(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the canonical request."""
    return hmac.new(secret.encode("utf-8"),
                    canonical_request(method, path, timestamp, nonce, body),
                    hashlib.sha256).hexdigest()


def signed_headers(desk_id: str, secret: str, method: str, path: str, body: bytes,
                   now: float) -> dict[str, str]:
    """The four signing headers for a request made at (estimated server) time ``now``."""
    ts = str(int(now))
    nonce = new_nonce()
    return {H_DESK: desk_id, H_TIMESTAMP: ts, H_NONCE: nonce,
            H_SIGNATURE: sign(secret, method, path, ts, nonce, body),
            H_PROTOCOL: str(PROTOCOL_VERSION)}


def verify(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes,
           signature: str) -> bool:
    """True when ``signature`` is right (constant-time comparison)."""
    return hmac.compare_digest(sign(secret, method, path, timestamp, nonce, body),
                               signature or "")


def verify_digest(secret: str, method: str, path: str, timestamp: str, nonce: str,
                  body_sha256: str, signature: str) -> bool:
    """:func:`verify` for a body known by its SHA-256 (hex): the server hashes a body as it
    streams in and checks the signature before holding the body in memory."""
    mac = hmac.new(secret.encode("utf-8"),
                   canonical_request(method, path, timestamp, nonce, b"", body_sha256),
                   hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, signature or "")


# -- receipt verification codes ----------------------------------------------------------------
#
# A receipt carries a code the desk makes with its receipt key (sent to the district at
# enrollment): HMAC-SHA256 over "RECEIPT NO|case uuid", first 80 bits, base32 — the same
# construction as desk.core.receipts.verify (a test keeps the two in step). The district
# recomputes it; a forger without the key cannot.

RECEIPT_CODE_BYTES = 10


def receipt_code(key_hex: str, receipt_no: str, case_uuid: str) -> str:
    """The 16-character verification code of a receipt (A-Z, 2-7)."""
    key = bytes.fromhex(key_hex)
    if len(key) < 16:
        raise ValueError("receipt key must be at least 16 bytes")
    msg = f"{receipt_no.strip().upper()}|{case_uuid.strip().lower()}".encode()
    digest = hmac.new(key, msg, hashlib.sha256).digest()
    return base64.b32encode(digest[:RECEIPT_CODE_BYTES]).decode("ascii")


def receipt_code_ok(key_hex: str, receipt_no: str, case_uuid: str, code: str) -> bool:
    """True when ``code`` (grouping, spaces and case do not matter) is the receipt's code."""
    try:
        expected = receipt_code(key_hex, receipt_no, case_uuid)
    except ValueError:
        return False
    typed = "".join(ch for ch in code if ch not in " -\t\r\n").upper()
    return hmac.compare_digest(expected.encode(), typed.encode("utf-8", "replace"))


# -- gzip ------------------------------------------------------------------------------------

GZIP_MIN = 1024  # bodies smaller than this are sent as they are


def gzip_body(body: bytes) -> tuple[bytes, dict[str, str]]:
    """Compress a request body when worth it; returns the bytes and the extra headers."""
    if len(body) < GZIP_MIN:
        return body, {}
    return gzip.compress(body, compresslevel=5, mtime=0), {"Content-Encoding": "gzip"}


class TooLarge(ValueError):
    """A body (after decompression) exceeds the allowed size."""


def gunzip_capped(body: bytes, cap: int) -> bytes:
    """Decompress at most ``cap`` bytes; :class:`TooLarge` beyond, ValueError if corrupt."""
    d = zlib.decompressobj(16 + 15)
    try:
        out = d.decompress(body, cap + 1)
    except zlib.error as exc:
        raise ValueError(f"gzip body is corrupt: {exc}") from None
    if len(out) > cap or d.unconsumed_tail:
        raise TooLarge(f"decompressed body exceeds {cap} bytes")
    if not d.eof:
        raise ValueError("gzip body is truncated")
    return out


# -- messages --------------------------------------------------------------------------------


class Message(BaseModel):
    """Base of every message: carries the protocol version."""

    model_config = ConfigDict(extra="ignore")
    protocol: int = Field(default=PROTOCOL_VERSION, description="protocol version")

    @field_validator("protocol")
    @classmethod
    def _same_major(cls, v: int) -> int:
        if v != PROTOCOL_VERSION:
            raise ValueError(f"protocol {v} is not spoken here (this side speaks "
                             f"{PROTOCOL_VERSION})")
        return v


class ErrorBody(Message):
    """Every error answer: a stable code, a message for people, the server clock."""

    error: str
    message: str
    detail: dict[str, Any] | None = None
    server_time: str = Field(default_factory=utc_now)


class TimeInfo(Message):
    """``GET /api/v1/time``: the server clock (unauthenticated)."""

    server_time: str
    server_epoch: float


class EnrollRequest(Message):
    """``POST /api/v1/enroll``: exchange a one-time code for a desk id and secret."""

    code: str = Field(min_length=4, max_length=64)
    desk_code: str = Field(default="", max_length=32, description="the desk's current code")
    desk_name: str = Field(default="", max_length=100)
    receipt_key: str = Field(pattern=r"^[0-9a-f]{64}$",
                             description="hex key the desk signs receipts with")
    client_version: str = Field(default="", max_length=40)
    previous_desk_id: str = Field(
        default="", max_length=40,
        description="the desk id this desk had before (re-enrollment): the district counts "
                    "the records it holds under it as this desk's, when it knows that desk "
                    "under the same desk code")


class EnrollResponse(Message):
    """The desk's identity at the district. ``desk_secret`` is shown exactly once."""

    desk_id: str
    desk_secret: str
    desk_code: str
    name: str
    enrolled_at: str
    server_time: str = Field(default_factory=utc_now)
    replaces: str = Field(default="", description="the desk this laptop replaces (its work "
                                                  "comes down at the first sync: handover)")
    release_key: str = Field(default="", description="the district's release signing key "
                                                     "(Ed25519, hex): the desk pins it and "
                                                     "installs only releases it signed")
    public_url: str = Field(default="", max_length=200,
                            description="the district's public address (its progress page "
                                        "/q): receipts' QR codes point there; empty: the "
                                        "address the desk enrolled with")


# The form data and materials travel as the desk stored them: JSON text, kept verbatim by
# the district. Their shape is checked here (an object's braces) without parsing them on
# every ingest — parsing both was half the district's cost per case; the district reads
# them only to display a case, and tolerates what it cannot read.
JsonObjectText = Annotated[str, StringConstraints(pattern=r"^\s*\{[\s\S]*\}\s*$",
                                                  max_length=1_000_000)]


class CasePayload(BaseModel):
    """The case as the desk stores it (what the district needs to check; more is kept)."""

    model_config = ConfigDict(extra="allow")
    uuid: uuid.UUID
    receipt_no: str = Field(min_length=1, max_length=64)
    item_code: str = Field(pattern=r"^[A-Z]{2,4}-[A-Z0-9]{2,10}$")
    item_name: str = Field(min_length=1)
    department: str = Field(min_length=1)
    catalog_version: str = Field(min_length=1)
    status: DeskCaseStatus
    revision: int = Field(ge=1)
    applicant_name: str = Field(min_length=1)
    created_at: str = Field(min_length=10)
    updated_at: str = Field(min_length=10)
    desk_code: str = Field(min_length=1)
    data_json: JsonObjectText = Field(description="a JSON object, encoded as a string")
    materials_json: JsonObjectText = Field(description="a JSON object, encoded as a string")
    priority: bool = Field(default=False, description="绿色通道: handle first (elderly, "
                                                      "disabled, seriously ill residents)")


class RatingPayload(BaseModel):
    """The resident's 好差评 rating of a case."""

    model_config = ConfigDict(extra="allow")
    uuid: uuid.UUID
    level: int = Field(ge=1, le=5)
    reason: str = Field(default="", max_length=500)
    rated_at: str = Field(min_length=10)


# -- resident matters (民情诉求, issue 15) ---------------------------------------------------
#
# A matter is a record kind beside cases (``kind: "matter"``, its uuid in ``case_uuid``):
# each revision the desk makes (recorded, handed over, closed on the spot) is one record.
# The district turns it into a work order (工单) whose decisions come back as ``matter``
# changes; the district's categories, time limits and departments come down to every desk
# as ``matter_config`` changes. A desk that does not name these kinds never gets them.

MatterUrgency = Literal["紧急", "一般", "复杂"]
MATTER_URGENCIES: tuple[str, ...] = get_args(MatterUrgency)
MatterSatisfaction = Literal["满意", "基本满意", "不满意"]
MATTER_SATISFACTION: tuple[str, ...] = get_args(MatterSatisfaction)
DeskMatterStatus = Literal["open", "closed"]
DESK_MATTER_STATUSES: tuple[str, ...] = get_args(DeskMatterStatus)
# a work order at the district: received → dispatched (派单) → signed (签收) → answered
# (反馈) → closed (回访 satisfied: 办结); 回访 不满意 → redo (重办) → signed/answered again.
# A matter closed on the spot at the desk is received as ``closed`` (the 民情台账 keeps it).
MATTER_STATUSES = ("received", "dispatched", "signed", "answered", "redo", "closed")
MATTER_NEXT = {  # status → the statuses a decision may move it to
    "received": ("dispatched", "closed"),
    "dispatched": ("signed", "dispatched"),  # dispatched again: to another department
    "signed": ("answered",),
    "answered": ("closed", "redo"),  # 回访: satisfied (办结) or not (重办)
    "redo": ("signed", "answered"),
    "closed": (),
}
MATTER_CHANGE_KINDS = ("matter", "matter_config")


# an ISO 8601 time with its offset (a matter's times: deadlines are compared across zones)
ISO_WITH_OFFSET = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"
CaseUuid = uuid.UUID  # (a payload's own ``uuid`` field hides the module in its class body)


class MatterHandover(BaseModel):
    """One hand-over of a matter at the desk (首问负责: from, to, why, who, when)."""

    model_config = ConfigDict(extra="allow")
    at: str = Field(min_length=10, max_length=40)
    from_owner: str = Field(min_length=1, max_length=40)
    to_owner: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=1, max_length=500)
    actor: str = Field(default="", max_length=40)
    revision: int = Field(ge=1)


class MatterPayload(BaseModel):
    """A resident matter as the desk stores it (one revision)."""

    model_config = ConfigDict(extra="allow")
    uuid: uuid.UUID
    matter_no: str = Field(min_length=1, max_length=64)
    category: str = Field(min_length=1, max_length=20)
    subcategory: str | None = Field(default=None, max_length=20)
    urgency: MatterUrgency
    description: str = Field(min_length=1, max_length=2000)
    status: DeskMatterStatus
    owner: str = Field(min_length=1, max_length=40, description="首问负责: the owner now")
    worker: str = Field(min_length=1, max_length=40, description="who recorded it")
    desk_code: str = Field(min_length=1, max_length=32)
    revision: int = Field(ge=1)
    created_at: str = Field(pattern=ISO_WITH_OFFSET, description="the desk's clock, with "
                                                                 "its offset")
    updated_at: str = Field(min_length=10, max_length=40)
    due_at: str = Field(pattern=ISO_WITH_OFFSET,
                        description="the desk's deadline (ISO 8601 with its offset)")
    answer_by: Literal["phone", "in_person", "none"]
    place_json: JsonObjectText = Field(default="{}")
    resident_json: JsonObjectText = Field(default="{}", description="{} when anonymous")
    from_case: CaseUuid | None = Field(default=None, description="办不成事: the case")
    from_receipt_no: str | None = Field(default=None, max_length=64)
    result: str | None = Field(default=None, max_length=2000)
    satisfaction: MatterSatisfaction | None = None
    handovers: list[MatterHandover] = Field(default_factory=list, max_length=200)


class Record(BaseModel):
    """One outbox entry in a batch. Checked one by one on the server, so a malformed
    record is rejected with a reason while the rest of the batch goes through."""

    model_config = ConfigDict(extra="forbid")
    id: int = Field(description="the desk's outbox id, echoed in the result")
    kind: Literal["case", "rating", "matter"]
    case_uuid: uuid.UUID = Field(description="the case's (or the matter's) uuid")
    revision: int = Field(ge=1)
    payload: dict[str, Any]


class CaseRecord(Record):
    """A case record with its payload checked (used to validate a whole batch at once)."""

    kind: Literal["case"]
    payload: CasePayload  # type: ignore[assignment]


class RatingRecord(Record):
    """A rating record with its payload checked."""

    kind: Literal["rating"]
    payload: RatingPayload  # type: ignore[assignment]


class MatterRecord(Record):
    """A resident matter's record with its payload checked."""

    kind: Literal["matter"]
    payload: MatterPayload  # type: ignore[assignment]


AnyRecord = Annotated[CaseRecord | RatingRecord | MatterRecord, Field(discriminator="kind")]
RECORDS = TypeAdapter(list[AnyRecord])
ONE_RECORD: TypeAdapter[CaseRecord | RatingRecord | MatterRecord] = TypeAdapter(AnyRecord)


MAX_BATCH_RECORDS = 2000


class BatchRequest(Message):
    """``POST /api/v1/batches``: records the desk pushes, committed atomically."""

    desk_id: str
    batch_id: uuid.UUID
    records: list[dict[str, Any]] = Field(
        max_length=MAX_BATCH_RECORDS,
        description="each a Record; malformed ones are rejected alone")


class RecordResult(BaseModel):
    """What became of one record."""

    index: int
    id: int | None
    case_uuid: str | None
    revision: int | None
    result: RecordResultKind
    reason: str = ""
    received_at: str | None = None


class BatchResponse(Message):
    """Per-record results, in the order of the request. A replayed batch id returns the
    stored answer with ``replayed`` true."""

    batch_id: str
    results: list[RecordResult]
    replayed: bool = False
    server_time: str = Field(default_factory=utc_now)


def batch_answer_body(stored: str, server_time: str) -> bytes:
    """The body of a :class:`BatchResponse` from the answer as the district stored it (a
    JSON object of the model's other fields, kept for replays) and the server clock — the
    fast path the batch route sends, one encoding instead of decode, validate and encode
    again. ``tests/sync/test_batch_body.py`` proves it reads as the model."""
    text = stored.rstrip()
    if not text.endswith("}") or '"server_time"' in text:
        raise ValueError("a stored batch answer is a JSON object without server_time")
    sep = "" if text.rstrip("} \n\t").endswith("{") else ","
    return f'{text[:-1]}{sep}"server_time":{json.dumps(server_time)}}}'.encode()


ChangeKind = Literal["status", "catalog", "route", "calendar", "matter", "matter_config",
                     "duplicate", "proactive"]
CHANGE_KINDS: tuple[str, ...] = get_args(ChangeKind)
# What a desk that does not say which kinds it understands gets: the kinds of the first
# protocol-1 desks, whose ``Change`` refuses any other (one unknown kind would stop their
# every pull). A desk names the kinds it understands in ``GET /changes?kinds=a,b,...``.
BASE_CHANGE_KINDS = ("status", "catalog")

# The catalog a ``catalog`` change carries (issue 16). Format 1: what the desks built before
# local parameters read — every item resolved (parameter values in place of their names and
# of ``{name}`` in texts), no ``params``, and none of the keys those desks refuse (``expr``
# checks, ``proactive``, a material's ``source``, translated notice bodies; see
# :mod:`forms.legacy`). Format 2: the catalog as authored (``params`` and references kept).
# A desk names the newest format it reads in ``GET /changes?catalog_format=N``; a desk
# that does not say gets :data:`BASE_CATALOG_FORMAT`.
CATALOG_FORMAT = 2
BASE_CATALOG_FORMAT = 1


# kind "duplicate" (issue 23): the district found that the case's resident applied for the
# same item at another desk within the item's ``once`` window (``status`` "flagged"), or a
# reviewer found it was not a duplicate (``status`` "cleared"). A note for the worker: it
# never changes the case's status. Desks that do not name this kind never get it.
DUPLICATE_CHANGE = "duplicate"
DuplicateState = Literal["flagged", "cleared"]
DUPLICATE_STATES: tuple[str, ...] = get_args(DuplicateState)


class DuplicateNote(BaseModel):
    """The body of a ``duplicate`` change: the other application as the district knows it
    (its receipt number, desk and acceptance date — nothing about its resident)."""

    model_config = ConfigDict(extra="ignore")
    state: DuplicateState
    other_receipt_no: str = Field(max_length=64)
    other_desk: str = Field(default="", max_length=100)
    other_date: str = Field(default="", max_length=10)
    rule: str = Field(default="", max_length=16, description="the item's once rule")
    note: str = Field(default="", max_length=500, description="the reviewer's finding "
                                                              "(cleared)")


class Change(BaseModel):
    """A change the district made: a case status, a bundle route's status (``route``: the
    member ``item_code`` / ``item_name`` and the department), a catalog version
    (``catalog``) or a year's holiday arrangement (``calendar``, a new version replaces the
    year's earlier one). ``seq`` orders them, catalog versions included: the newest catalog is the
    one published last, whatever its version text."""

    seq: int
    kind: ChangeKind
    case_uuid: str | None = None
    status: str | None = None
    note: str = ""
    department: str | None = None
    at: str
    catalog: dict[str, Any] | None = None
    # kind "calendar": a year's official holiday arrangement, as published —
    # {"year", "version", "holidays", "workdays", "source", "festivals", "published_at"}
    calendar: dict[str, Any] | None = None
    item_code: str | None = None
    item_name: str | None = None
    # kind "matter" (``case_uuid`` is the matter's uuid, ``status`` one of MATTER_STATUSES,
    # ``department`` the one dispatched to): {"answer", "due_at", "satisfaction", "reason",
    # "sla_state", "escalated_to"} as the district decided them
    matter: dict[str, Any] | None = None
    # kind "matter_config": the district's categories, time limits and departments, as
    # published (forms.matters.parse_config reads it)
    matter_config: dict[str, Any] | None = None
    # kind "duplicate": :class:`DuplicateNote` (``status`` is its state, ``note`` the words
    # for the worker; the case's own status is left alone)
    duplicate: dict[str, Any] | None = None
    # kind "proactive" (issue 18): :class:`ProactiveEntry`, one resident on the desk's list
    proactive: dict[str, Any] | None = None


# -- proactive service (主动服务 / 免申即享, issue 18) -----------------------------------------
#
# The district's run lists residents its roster says qualify for an item; each entry comes
# down to the desk serving their compound as a ``proactive`` change carrying only what the
# worker needs to find and confirm the person (name, masked ID, address, item, reason, due).
# Desks that do not name the kind never get it. The worker's answer for each goes back
# with ``POST /api/v1/proactive/outcomes`` (idempotent: the same answer again changes
# nothing; a later answer replaces an earlier one).

PROACTIVE_CHANGE = "proactive"
ProactiveOutcomeKind = Literal["confirmed", "declined", "unreachable", "moved", "deceased",
                               "home_visit"]
PROACTIVE_OUTCOMES: tuple[str, ...] = get_args(ProactiveOutcomeKind)
PROACTIVE_OUTCOME_WORDS = {"confirmed": "已确认", "declined": "不需要", "unreachable": "联系不上",
                           "moved": "已迁出", "deceased": "已故", "home_visit": "上门服务"}
DATE_ONLY = r"^\d{4}-\d{2}-\d{2}$"


class ProactiveEntry(BaseModel):
    """The body of a ``proactive`` change: one resident on the desk's list."""

    model_config = ConfigDict(extra="ignore")
    entry_id: int = Field(ge=1, le=MAX_SEQ)
    item_code: str = Field(max_length=20)
    item_name: str = Field(default="", max_length=100)
    name: str = Field(max_length=100)
    id_masked: str = Field(max_length=18, description="e.g. 420105********0017")
    address: str = Field(default="", max_length=500)
    compound: str = Field(default="", max_length=100)
    reason: str = Field(max_length=500)
    due: str = Field(pattern=DATE_ONLY)
    no_signature: bool = Field(default=False, description="免申: no application signature")


class ProactiveOutcome(BaseModel):
    """What the worker found for one entry. ``confirmed`` names the 免申 case filed;
    ``declined`` says why; ``home_visit`` gives the visit's date; ``moved`` and
    ``deceased`` go on to the district's roster corrections."""

    model_config = ConfigDict(extra="ignore")
    entry_id: int = Field(ge=1, le=MAX_SEQ)
    outcome: ProactiveOutcomeKind
    note: str = Field(default="", max_length=500)
    visit_date: str | None = Field(default=None, pattern=DATE_ONLY)
    case_uuid: uuid.UUID | None = None
    worker: str = Field(default="", max_length=40)
    at: str = Field(min_length=10, max_length=40)

    @model_validator(mode="after")
    def _complete(self) -> ProactiveOutcome:
        if self.outcome == "declined" and not self.note.strip():
            raise ValueError("note: 不需要时请写明原因")
        if self.outcome == "home_visit" and self.visit_date is None:
            raise ValueError("visit_date: 上门服务请填写上门日期")
        if self.outcome == "confirmed" and self.case_uuid is None:
            raise ValueError("case_uuid: 已确认时应附上所办的免申案件")
        return self


class ProactiveOutcomesRequest(Message):
    """``POST /api/v1/proactive/outcomes``: the desk's answers (at most 500 at a time)."""

    outcomes: list[ProactiveOutcome] = Field(max_length=500)


class ProactiveOutcomeResult(BaseModel):
    """What became of one answer: ``accepted`` (new or the same again) or ``rejected`` (not
    this desk's entry, or no such entry) with the reason."""

    entry_id: int
    result: Literal["accepted", "rejected"]
    reason: str = ""


class ProactiveOutcomesResponse(Message):
    """Per-answer results, in the order of the request."""

    results: list[ProactiveOutcomeResult]
    server_time: str = Field(default_factory=utc_now)


class HandoverCase(BaseModel):
    """One case of the replaced desk: its newest revision as the desk sent it and the
    district's state of it."""

    model_config = ConfigDict(extra="ignore")
    payload_json: str = Field(description="the case as the old desk sent it (JSON text)")
    district_status: str
    district_note: str = ""
    district_department: str | None = None
    received_at: str


class HandoverMatter(BaseModel):
    """One resident matter of the replaced desk (issue 15): its newest revision as the desk
    sent it (with its hand-overs), the district's state of it and the district's steps on it
    as the desk would have pulled them (``steps``: change-shaped dicts, oldest first)."""

    model_config = ConfigDict(extra="ignore")
    payload_json: str = Field(description="the matter as the old desk sent it (JSON text)")
    district_status: str
    district_department: str | None = None
    district_answer: str | None = None
    district_due_at: str | None = None
    district_updated_at: str | None = None
    received_at: str
    steps: list[dict[str, Any]] = Field(default_factory=list)


class HandoverResponse(Message):
    """``GET /api/v1/handover``: for a desk enrolled as the replacement of another (issue
    24), that desk's open cases and those completed in the last 90 days, the highest
    receipt sequence per day of its code (numbering continues after it) and its receipt
    key (reprints carry the original verification code). ``replaces`` is empty for a desk
    that replaced nobody; ``more`` asks for the next page (``after`` = the last uuid)."""

    replaces: str = ""
    desk_code: str = ""
    receipt_key: str = ""
    cases: list[HandoverCase] = Field(default_factory=list)
    receipt_seq: dict[str, int] = Field(default_factory=dict,
                                        description="YYYYMMDD → highest sequence issued")
    more: bool = False
    # issue 15: the old desk's open matters (and those closed in the last 90 days), on the
    # first page only, and the highest matter number sequence per day of its code
    matters: list[HandoverMatter] = Field(default_factory=list)
    matter_seq: dict[str, int] = Field(default_factory=dict,
                                       description="YYYYMMDD → highest matter sequence")


class ChangesResponse(Message):
    """``GET /api/v1/changes?since=CURSOR&kinds=...``: changes after the cursor, oldest
    first, of the kinds the desk understands (:data:`BASE_CHANGE_KINDS` when it does not
    say); changes of other kinds are left out."""

    changes: list[Change]
    cursor: str
    more: bool
    server_time: str = Field(default_factory=utc_now)


class UploadQuota(BaseModel):
    """A desk's daily upload cap (issue 17): ``used`` of ``cap`` bytes received on the
    district's day ``day``; counting starts again at ``resets_at`` (UTC, ISO 8601: the
    district's next midnight)."""

    model_config = ConfigDict(extra="ignore")
    cap: int = Field(ge=0)
    used: int = Field(ge=0)
    day: str
    resets_at: str


class AttachmentStatus(Message):
    """An attachment's upload state (``HEAD``/``GET``/``PUT /api/v1/attachments/SHA``);
    ``GET`` also tells the desk's daily upload cap (``quota``: a desk waiting for it asks
    whether its pages may go again)."""

    sha256: str
    size: int | None = None
    received: int = 0
    complete: bool = False
    created: bool = False
    quota: UploadQuota | None = None
    server_time: str = Field(default_factory=utc_now)


AttachmentMime = Literal["image/jpeg", "application/pdf"]
ATTACHMENT_MIMES: tuple[str, ...] = get_args(AttachmentMime)
AttachmentLinkResultKind = Literal["accepted", "duplicate", "conflict", "rejected"]


class AttachmentLink(BaseModel):
    """One page of a case's material (issue 17): its bytes were uploaded before, by
    SHA-256 (``PUT /api/v1/attachments/SHA``); ``attachment_id`` (made on the desk) names
    the page, so resending the link is safe."""

    model_config = ConfigDict(extra="ignore")
    attachment_id: uuid.UUID
    case_uuid: uuid.UUID
    material: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")
    page: int = Field(ge=1, le=10_000)
    mime: AttachmentMime
    size: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    pages: int = Field(default=1, ge=1, le=10_000)
    created_at: str = Field(min_length=10, max_length=40, pattern=r"^[0-9T:.+Z-]+$")


class AttachmentLinksRequest(Message):
    """``POST /api/v1/attachment-links`` (signed): pages whose bytes the district holds
    from this desk, with the case and material each belongs to."""

    links: list[AttachmentLink] = Field(max_length=500)


class AttachmentLinkResult(BaseModel):
    """``accepted`` (new), ``duplicate`` (already linked, same page), ``conflict`` (this
    id already names another page) or ``rejected`` with the reason (not this desk's case,
    the case not received yet, the bytes not uploaded by this desk)."""

    model_config = ConfigDict(extra="ignore")
    attachment_id: uuid.UUID
    result: AttachmentLinkResultKind
    reason: str | None = None


class AttachmentLinksResponse(Message):
    """The answer to :class:`AttachmentLinksRequest`, one result per link, in order."""

    results: list[AttachmentLinkResult]
    server_time: str = Field(default_factory=utc_now)


class ReceiptVerification(Message):
    """``GET /api/v1/receipts/verify``: is a receipt genuine? No personal data: whether the
    code is right, whether the district has received the case, and (when it has) the item
    and the acceptance date printed on the receipt."""

    valid: bool
    received: bool = False
    receipt_no: str
    item_name: str | None = None
    accepted_date: str | None = None
    server_time: str = Field(default_factory=utc_now)


Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class PinSetupRequest(Message):
    """``POST /api/v1/desk/pin`` (signed): register a PIN for this desk's quick unlock.

    The district keeps only hashes of the unlock token and of the PIN proof (a value the
    desk derives from the PIN with Argon2id and a salt the district never sees), and
    answers with a new random key share. The desk wraps its data key under a key derived
    from the PIN *and* that share, and keeps the share nowhere: without the district's
    answer, the wrapped key cannot be opened however many PINs a thief tries offline.
    """

    token_hash: Hex64 = Field(description="sha256 of the desk's random unlock token, hex")
    proof_hash: Hex64 = Field(description="sha256 of the PIN proof, hex")


class PinSetupResponse(Message):
    """The new key share (replaces any earlier one; earlier PIN wraps stop working)."""

    key_share: Hex64
    tries: int = Field(description="wrong PINs allowed before the share is locked")
    server_time: str = Field(default_factory=utc_now)


class UnlockRequest(Message):
    """``POST /api/v1/desk/unlock`` (not signed: the desk's secret is inside the locked
    store): the unlock token and the PIN proof for the key share. Refused for a revoked
    desk; after :data:`PIN_TRIES` wrong proofs the share is locked until the desk sets a
    new PIN (which needs the full password)."""

    desk_id: str = Field(min_length=1, max_length=40)
    token: Hex64 = Field(description="the desk's unlock token, hex")
    proof: Hex64 = Field(description="the PIN proof, hex")


class UnlockResponse(Message):
    """The desk's key share."""

    key_share: Hex64
    server_time: str = Field(default_factory=utc_now)


# -- agreement between a desk and the district (issue 22) ------------------------------------
#
# The district has an identity (``district_id``, random, made once) and an epoch that
# changes whenever its history may have gone back: a restore from a backup
# (``doorstep-district restore``), or a desk reporting more than the district holds. Each
# sync asks ``POST /api/v1/reconcile`` before pushing and after pulling: the desk says what
# it has had acknowledged, the district says how many of the desk's records it holds and
# the highest outbox id among them (the watermark). When the district holds less, the desk
# sends again every record after the watermark (and, if that is not enough, every record);
# on an epoch change it pulls again from the beginning.


class ReconcileRequest(Message):
    """``POST /api/v1/reconcile`` (signed): what the desk has had acknowledged."""

    epoch_id: str = Field(default="", max_length=64, pattern=r"^[0-9a-f]*$",
                          description="the district epoch the desk last saw ('' = never)")
    cursor: int = Field(default=0, ge=0, le=MAX_SEQ, description="the desk's pull cursor")
    acked: int = Field(default=0, ge=0, le=MAX_SEQ,
                       description="records the district has acknowledged to the desk")
    acked_max: int = Field(default=0, ge=0, le=MAX_SEQ,
                           description="the highest outbox id among them")
    final: bool = Field(default=False, description="the check at the end of a sync")


class ReconcileResponse(Message):
    """The district's identity, epoch and what it holds of the desk's records."""

    district_id: str
    epoch: int
    epoch_id: str
    epoch_started_at: str
    epoch_reason: str = Field(description="created | restore | detected")
    held: int = Field(description="the desk's records the district holds")
    watermark: int = Field(description="the highest outbox id among them (0: none known)")
    last_seq: int = Field(description="the district's newest change seq")
    agreed: bool = Field(description="held equals what the desk has had acknowledged, "
                                     "in the district's current epoch")
    server_time: str = Field(default_factory=utc_now)


class StatusReport(BaseModel):
    """A district decision the desk had pulled and the district no longer has (after a
    restore): sent back as the desk's knowledge; the district keeps it apart, for an
    administrator to decide again, never as its own decision."""

    model_config = ConfigDict(extra="ignore")
    case_uuid: uuid.UUID
    kind: Literal["status", "route"] = "status"
    status: str = Field(min_length=1, max_length=20, pattern=r"^[a-z_]+$")
    note: str = Field(default="", max_length=2000, pattern=r"^[^\x00]*$")
    department: str | None = Field(default=None, max_length=60, pattern=r"^[^\x00]*$")
    item_code: str | None = Field(default=None, max_length=16, pattern=r"^[A-Z0-9-]*$")
    at: str = Field(min_length=10, max_length=40, pattern=r"^[0-9T:.+Z-]+$")


class StatusReportRequest(Message):
    """``POST /api/v1/status-reports`` (signed)."""

    epoch_id: str = Field(max_length=64, pattern=r"^[0-9a-f]*$")
    reports: list[StatusReport] = Field(max_length=2000)


class StatusReportResponse(Message):
    """How many reports were kept (new), and how many ignored (not this desk's case)."""

    stored: int
    ignored: int
    server_time: str = Field(default_factory=utc_now)


# -- desk releases (issue 19) ------------------------------------------------------------------

ReleasePlatform = Literal["linux", "windows"]
RELEASE_PLATFORMS: tuple[str, ...] = get_args(ReleasePlatform)
RELEASE_VERSION = r"^[0-9]{1,4}(\.[0-9]{1,6}){1,3}$"
RELEASE_CHUNK = 1024 * 1024  # the most a desk asks for in one piece


def version_key(version: str) -> tuple[int, ...]:
    """A release version as numbers, for ordering (``0.10.0`` after ``0.9.2``)."""
    return tuple(int(part) for part in version.split("."))


def release_message(platform: str, version: str, filename: str, size: int, sha256: str,
                    notes: str) -> bytes:
    """What the district's release key signs: the file by its hash, what it is for, and
    the notes the worker reads before choosing to install it."""
    return "\n".join(("doorstep-release/1", platform, version, filename, str(size),
                      sha256, hashlib.sha256(notes.encode()).hexdigest())).encode()


class ReleaseInfo(BaseModel):
    """One desk release the district serves: the file by size and SHA-256, the worker's
    release notes, and the Ed25519 signature over :func:`release_message`."""

    model_config = ConfigDict(extra="ignore")
    platform: ReleasePlatform
    version: str = Field(pattern=RELEASE_VERSION)
    filename: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._+~-]+$")
    size: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    notes: str = Field(default="", max_length=4000)
    published_at: str
    signature: str = Field(pattern=r"^[0-9a-f]{128}$")


class ReleaseOffer(Message):
    """``GET /api/v1/release?platform=P`` (signed): the newest release for the platform
    (``release`` is None when there is none) and the district's release key."""

    release: ReleaseInfo | None = None
    release_key: str = ""


def record_shape() -> dict[str, Any]:
    """JSON Schema of a :class:`Record` (for the OpenAPI description)."""
    return Record.model_json_schema()
