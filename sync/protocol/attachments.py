"""Attachments (material photos): the desk's upload quota, an attachment's status, and the
links that tie an uploaded file to its case.
"""

from __future__ import annotations

import uuid
from typing import Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

from sync.protocol.messages import Message
from sync.protocol.paths import utc_now


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
