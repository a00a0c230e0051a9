"""Errors the district storage raises; the HTTP layer maps each to a status and code."""

from __future__ import annotations


class DistrictError(Exception):
    """A refusal with a stable ``code`` and a message for people."""

    status = 400
    code = "refused"
    retry_after = 0  # seconds, when not 0: the answer's ``Retry-After`` header

    def __init__(self, message: str, **extra: object) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class NotFound(DistrictError):
    """No such case, desk, catalog or attachment."""

    status = 404
    code = "not_found"


class Refused(DistrictError):
    """The request is understood but not allowed in the current state."""

    status = 409
    code = "refused"


class BatchConflict(DistrictError):
    """A batch id was reused for different records (or by another desk)."""

    status = 409
    code = "batch_conflict"


REPLAYED_MESSAGE = "重复的请求（随机数已使用）"


class Replayed(DistrictError):
    """A signed request whose nonce was used before (a replay)."""

    status = 401
    code = "replayed"


class BadEnrollmentCode(DistrictError):
    """Unknown, used or expired one-time enrollment code."""

    status = 401
    code = "bad_enrollment_code"


class TooLarge(DistrictError):
    """A body or attachment is over the size cap."""

    status = 413
    code = "too_large"


class OffsetMismatch(DistrictError):
    """A resumed attachment chunk does not start where the server's copy ends."""

    status = 409
    code = "offset_mismatch"


class HashMismatch(DistrictError):
    """An attachment's content does not hash to its name."""

    status = 400
    code = "hash_mismatch"
