"""A pushed batch's records parsed, checked and hashed before the batch's write
transaction (:func:`prepare_records`, for :mod:`sync.district.ingest`): each record
validated (a malformed one refused with a reason naming its fields), its payload's
canonical JSON and content hash, the case UUID as text once, and the batch's digest (what a
replay of the batch id must match)."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from sync import protocol as P
from sync import reasons
from sync.district.matters_ingest import MatterIn

log = logging.getLogger("sync.district.ingest")  # (its log, as before the split)
# a UUID as str(uuid.UUID(...)) writes it: lower-case hex in groups of 8-4-4-4-12
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z"
                             ).match


@dataclass
class PreparedBatch:
    """A batch's records parsed, checked and hashed (before the write transaction)."""

    rejected: dict[int, str] = field(default_factory=dict)
    # (index in the batch, record, payload, content hash, case UUID as text)
    cases: list[tuple[int, P.Record, P.CasePayload, str, str]] = field(default_factory=list)
    ratings: list[tuple[int, P.Record, P.RatingPayload, str, str]] = field(
        default_factory=list)
    matters: list[MatterIn] = field(default_factory=list)  # resident matters (issue 15)
    bodies: dict[int, str] = field(default_factory=dict)
    digest: str = ""
    residents: dict[str, tuple[str, str] | None] = field(default_factory=dict)  # ahead


def describe_record(exc: ValidationError, index: int) -> str:
    """The worker's reason for a record that does not parse (which fields, what to do);
    the validator's own text goes to the district's log."""
    parts, locs = [], []
    for e in exc.errors()[:5]:
        loc = [str(x) for x in e["loc"]]
        if loc and loc[0] in ("case", "rating", "matter"):  # the discriminator's tag
            loc = loc[1:]
        if not loc and e["type"].startswith("union_tag"):
            loc = ["kind"]
        locs.append(loc)
        parts.append(f"{'.'.join(loc) or 'record'}: {e['msg']}")
    log.warning("record %d refused as malformed: %s", index, "; ".join(parts))
    return reasons.malformed(locs)


def prepare_records(records: Sequence[Any]) -> PreparedBatch:
    prep = PreparedBatch()
    parsed: list[tuple[int, P.CaseRecord | P.RatingRecord | P.MatterRecord]] = []
    try:  # the fast path: the whole batch is well formed
        parsed = list(enumerate(P.RECORDS.validate_python(records)))
    except ValidationError:
        for i, raw in enumerate(records):
            try:
                parsed.append((i, P.ONE_RECORD.validate_python(raw)))
            except ValidationError as exc:
                prep.rejected[i] = describe_record(exc, i)
    lines = []
    sha256 = hashlib.sha256
    for i, rec in parsed:
        p = rec.payload
        raw_u = records[i]["case_uuid"]
        # the UUID as text: the desk's own, when it is already the canonical text (as a
        # desk sends it) — UUID.__str__ and __eq__ cost 3 µs a record
        canonical = type(raw_u) is str and _CANONICAL_UUID(raw_u) is not None
        same = ((canonical and records[i]["payload"].get("uuid") == raw_u)
                or p.uuid == rec.case_uuid)
        if not same or (isinstance(p, P.CasePayload | P.MatterPayload)
                        and p.revision != rec.revision):
            log.warning("record %d refused: payload uuid/revision differ from the record's", i)
            prep.rejected[i] = reasons.MISMATCH
            continue
        body = P.canonical_json(records[i]["payload"])
        h = sha256(body).hexdigest()
        u = raw_u if canonical else str(rec.case_uuid)
        prep.bodies[i] = body.decode("utf-8")
        if isinstance(rec, P.CaseRecord):
            prep.cases.append((i, rec, rec.payload, h, u))
        elif isinstance(rec, P.MatterRecord):
            prep.matters.append((i, rec, rec.payload, h, u))
        else:
            prep.ratings.append((i, rec, rec.payload, h, u))
        lines.append(f"{i} {rec.id} {rec.kind} {u} {rec.revision} {h}")
    for i in sorted(prep.rejected):
        lines.append(f"{i} {P.content_hash(records[i])}")
    prep.digest = hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()
    return prep
