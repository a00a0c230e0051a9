"""The messages every exchange starts from: :class:`Message` (the protocol version),
:class:`ErrorBody`, the server's time, and enrollment (a desk's first request).
"""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

from sync.protocol.paths import PROTOCOL_VERSION, utc_now


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
