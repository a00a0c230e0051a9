"""What a desk pulls: the district's changes (case and route statuses, catalogs, calendars,
matters, duplicate notes, proactive entries), the proactive outcomes it answers, and the
handover of a desk's cases and matters to another desk.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from sync.protocol.messages import Message
from sync.protocol.paths import MAX_SEQ, utc_now

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
