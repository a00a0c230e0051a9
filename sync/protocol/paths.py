"""The protocol's HTTP surface: its version, the signed headers, every path and error code
(both sides tell answers apart by :class:`~sync.protocol.messages.ErrorBody` ``error``), and
the clock both sides stamp with (:func:`utc_now`).
"""

from __future__ import annotations

from datetime import UTC, datetime

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
