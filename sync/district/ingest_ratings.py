"""Ratings (好差评) in a pushed batch: decided inside the batch's transaction by
:class:`sync.district.ingest._BatchWork` — one ``INSERT`` for the batch's new ratings (issue
20), the first rating of a case kept: the same again is a duplicate, a different one a
conflict; a case the district does not hold, or another desk's, cannot be rated (answered
alike, saying nothing about the other desk's case)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from sync import protocol as P
from sync.district.tables import cases, ratings
from sync.reasons import CASE_NOT_RECEIVED

if TYPE_CHECKING:
    from sync.district.ingest import _BatchWork

RatingIn = tuple[int, P.Record, P.RatingPayload, str, str]  # index, record, payload, hash, uuid


def apply_ratings(work: _BatchWork, records: Sequence[Any], rating_in: list[RatingIn],
                  known_cases: set[str]) -> None:
    """Decide every rating record of the batch (results through ``work._result``): a
    rating is stored once, and only for a case of this desk the district holds."""
    if not rating_in:
        return
    conn, desk_id, at = work.conn, work.desk_id, work.at
    uuids = sorted({u for *_, u in rating_in})
    # only this desk's own cases may be rated by it: another desk's case is answered
    # exactly like a case the district does not have (nothing about it is compared)
    missing = set(uuids) - known_cases
    if missing:
        missing -= {r[0] for r in conn.execute(select(cases.c.uuid).where(
            cases.c.uuid.in_(sorted(missing)), cases.c.desk_id == desk_id))}
    stored = {r.case_uuid: (r.content_hash, r.received_at) for r in conn.execute(
        select(ratings.c.case_uuid, ratings.c.content_hash, ratings.c.received_at).where(
            ratings.c.case_uuid.in_(sorted(set(uuids) - missing))))}
    # the first rating of each case in the batch is inserted (one statement for the
    # batch: a city morning's 10 ratings a desk were 10 statements, issue 20); a later
    # one in the same batch is compared with it, as with one stored before
    first: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    later: list[tuple[int, str, str]] = []
    for i, _rec, rp, h, u in rating_in:
        if u in missing:
            work._result(i, records[i], "rejected", CASE_NOT_RECEIVED)
        elif u in stored:
            work._same_or_conflict(i, records[i], h, *stored[u])
        elif u in first:
            later.append((i, h, u))
        else:
            first[u] = i
            rows.append({"case_uuid": u, "level": rp.level, "reason": rp.reason,
                         "rated_at": rp.rated_at, "received_at": at,
                         "desk_id": desk_id, "content_hash": h})
    rows.sort(key=lambda r: r["case_uuid"])  # one order of locks between batches
    made = {r[0] for r in conn.execute(work.st.dialect_insert(ratings)
                                       .on_conflict_do_nothing()
                                       .returning(ratings.c.case_uuid), rows)} \
        if rows else set()
    lost = sorted(set(first) - made)  # a concurrent batch stored it first
    if lost:
        stored.update({r.case_uuid: (r.content_hash, r.received_at) for r in conn.execute(
            select(ratings.c.case_uuid, ratings.c.content_hash, ratings.c.received_at)
            .where(ratings.c.case_uuid.in_(lost)))})
    for row in rows:
        u, i = row["case_uuid"], first[row["case_uuid"]]
        if u in made:
            work._result(i, records[i], "accepted", received_at=at)
            stored[u] = (row["content_hash"], at)
        else:
            work._same_or_conflict(i, records[i], row["content_hash"], *stored[u])
    for i, h, u in later:
        work._same_or_conflict(i, records[i], h, *stored[u])
