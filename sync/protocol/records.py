"""What a desk pushes: a batch of records — cases, ratings and resident matters (民情诉求),
each a revision the desk made — and the district's answer for each record.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from sync.protocol.messages import Message
from sync.protocol.paths import utc_now
from sync.protocol.statuses import DeskCaseStatus, RecordResultKind

# The form data and materials travel as the desk stored them: JSON text, kept verbatim by
# the district. Their shape is checked here (an object's braces) without parsing them on
# every ingest — parsing both was half the district's cost per case; the district reads
# them only to display a case, and tolerates what it cannot read.
#
# The check is the pattern below (the OpenAPI schema states it), done by looking at the
# text's two ends rather than by the regex engine, which walked every character of both
# texts: a third of a batch's validation (issue 20).
JSON_OBJECT_PATTERN = r"^\s*\{[\s\S]*\}\s*$"
_JSON_OBJECT = re.compile(JSON_OBJECT_PATTERN)


def _json_object_braces(text: str) -> str:
    """``text`` if it matches :data:`JSON_OBJECT_PATTERN` (starts with ``{`` and ends with
    ``}``, whitespace around them allowed), else pydantic's own error for a pattern."""
    if (text[:1] == "{" and text[-1:] == "}") or _JSON_OBJECT.fullmatch(text):
        return text
    raise PydanticCustomError("string_pattern_mismatch",
                              "String should match pattern '{pattern}'",
                              {"pattern": JSON_OBJECT_PATTERN})


JsonObjectText = Annotated[str, StringConstraints(max_length=1_000_000),
                           AfterValidator(_json_object_braces),
                           WithJsonSchema({"type": "string", "maxLength": 1_000_000,
                                           "pattern": JSON_OBJECT_PATTERN})]


class CasePayload(BaseModel):
    """The case as the desk stores it (what the district needs to check; more is kept:
    the payload is stored as the desk sent it, every field; the model holds only those the
    district reads — collecting the others into the model too was a quarter of a batch's
    validation, issue 20)."""

    model_config = ConfigDict(extra="ignore")
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
    accepted_date: Any = Field(default=None, description=(
        "受理日期 (YYYY-MM-DD), once the case is accepted; read as the desk's date when it "
        "is such a text, and otherwise not"))


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


def record_shape() -> dict[str, Any]:
    """JSON Schema of a :class:`Record` (for the OpenAPI description)."""
    return Record.model_json_schema()
