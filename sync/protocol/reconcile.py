"""The agreement between a desk and the district (issue 22) and the desk's status reports."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

from sync.protocol.messages import Message
from sync.protocol.paths import MAX_SEQ, utc_now

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
