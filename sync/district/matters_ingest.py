"""Resident matters in a pushed batch (issue 15): applied inside the batch's transaction by
:class:`sync.district.ingest._BatchWork`.

Each matter record is one revision. A new revision is inserted into ``matter_revisions``
(primary key ``(matter_uuid, revision)``: the same revision again is a duplicate when its
content is the same and a conflict when not — decided by the constraint, never by a check
before the insert); the work order in ``matters`` moves to the newest revision (never
back), keeping the district's own state. A matter another desk sent is refused with a
reason that says nothing about it. The first revision creates the work order (工单) with the
desk's deadline; a matter the desk closed on the spot is received as ``closed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, CursorResult, select, update

from sync import protocol as P
from sync.district import matters_rates
from sync.district.matters_store import current_config
from sync.district.matters_tables import matter_revisions, matters, number_keys

if TYPE_CHECKING:
    from sync.district.ingest import _BatchWork

NOT_THIS_DESKS_MATTER = "区级不能接收这条诉求记录（诉求编号不可用），请联系区级管理员"
SAME_REVISION_DIFFERS = "区级已有该诉求同一版本的不同内容（冲突），未覆盖；请核对后重新保存"

MatterIn = tuple[int, P.Record, P.MatterPayload, str, str]  # index, record, payload, hash, uuid


def apply_matters(work: _BatchWork, records: Sequence[Any], matter_in: list[MatterIn]) -> None:
    """Decide every matter record of the batch (results through ``work._result``)."""
    if not matter_in:
        return
    conn, st = work.conn, work.st
    first: dict[tuple[str, int], str] = {}
    todo: list[MatterIn] = []
    for i, rec, mp, h, u in matter_in:
        key = (u, rec.revision)
        if key in first:  # the same revision twice in one batch
            same = first[key] == h
            work._result(i, records[i], "duplicate" if same else "conflict",
                         "" if same else "同一诉求同一版本在本批次中内容不同", work.at)
            continue
        first[key] = h
        todo.append((i, rec, mp, h, u))
    uuids = sorted({t[4] for t in todo})
    owners = {r.uuid: r for r in _orders(conn, uuids)}
    fresh: list[MatterIn] = []
    for t in todo:
        known = owners.get(t[4])
        if known is not None and known.desk_id != work.desk_id:
            work._result(t[0], records[t[0]], "rejected", NOT_THIS_DESKS_MATTER)
        else:
            fresh.append(t)
    # the batch's new revisions in one statement, in one order of locks between batches
    # (a statement each was 36 % of the server's CPU in a city morning, issue 20); the
    # primary key decides, as before: a revision already held is read back and compared
    fresh.sort(key=lambda t: (t[4], t[1].revision))
    made = {(r[0], r[1]) for r in conn.execute(
        st.dialect_insert(matter_revisions).on_conflict_do_nothing().returning(
            matter_revisions.c.matter_uuid, matter_revisions.c.revision),
        [{"matter_uuid": u, "revision": rec.revision, "content_hash": h,
          "desk_id": work.desk_id, "batch_id": work.batch_id, "received_at": work.at,
          "payload_json": work.bodies[i]} for i, rec, _mp, h, u in fresh])} if fresh else set()
    held = {(r.matter_uuid, r.revision): r for r in conn.execute(select(
        matter_revisions.c.matter_uuid, matter_revisions.c.revision,
        matter_revisions.c.content_hash, matter_revisions.c.received_at,
        matter_revisions.c.desk_id).where(matter_revisions.c.matter_uuid.in_(
            sorted({u for _i, rec, _mp, _h, u in fresh if (u, rec.revision) not in made}))))
    } if len(made) < len(fresh) else {}
    newest: dict[str, P.MatterPayload] = {}
    for i, rec, mp, h, u in fresh:
        if (u, rec.revision) not in made:
            row = held[(u, rec.revision)]
            if row.desk_id != work.desk_id:
                work._result(i, records[i], "rejected", NOT_THIS_DESKS_MATTER)
            elif row.content_hash == h:
                work._result(i, records[i], "duplicate", received_at=row.received_at)
            else:
                work._result(i, records[i], "conflict", SAME_REVISION_DIFFERS, row.received_at)
            continue
        work._result(i, records[i], "accepted", received_at=work.at)
        if u not in newest or newest[u].revision < mp.revision:
            newest[u] = mp
    if newest:
        _store(work, owners, newest, current_config(conn).warn_fraction)


def _orders(conn: Connection, uuids: list[str]) -> CursorResult[Any]:
    """The work orders of ``uuids`` as a batch decides by them (owner desk, revision,
    what the rates' summary needs), locked (PostgreSQL) until the batch commits."""
    return conn.execute(select(
        matters.c.uuid, matters.c.desk_id, matters.c.revision,
        *[matters.c[c] for c in matters_rates.NEEDS]).where(
        matters.c.uuid.in_(uuids)).with_for_update())


def _desk_columns(mp: P.MatterPayload) -> dict[str, Any]:
    return {"matter_no": mp.matter_no, "category": mp.category,
            "subcategory": mp.subcategory, "urgency": mp.urgency,
            "description": mp.description, "desk_status": mp.status, "owner": mp.owner,
            "revision": mp.revision, "from_case": str(mp.from_case) if mp.from_case else None,
            "desk_updated_at": mp.updated_at, "desk_due_at": mp.due_at,
            **number_keys(mp.matter_no)}


def utc(text: str) -> str:
    """An ISO time with offset (checked by the protocol) in UTC: the district keeps its
    deadlines in UTC, so their text order is their time order."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).isoformat(
        timespec="seconds")


def warn_at(created: str, due: str, fraction: float) -> str:
    """When an order becomes 即将超时: ``fraction`` of its time limit left (UTC)."""
    start, end = datetime.fromisoformat(created), datetime.fromisoformat(due)
    return (end - (end - start) * fraction).astimezone(UTC).isoformat(timespec="seconds")


def _store(work: _BatchWork, owners: dict[str, Any], newest: dict[str, P.MatterPayload],
           fraction: float) -> None:
    """The work orders at their newest revisions: the new ones inserted in one statement,
    the known ones moved on (never back); every order's move in the three rates' summary
    written once per cell for the batch (:func:`matters_rates.moves`)."""
    conn, at = work.conn, work.at
    moves: list[tuple[dict[str, Any] | None, dict[str, Any]]] = []
    new_rows = []
    for u, mp in sorted(newest.items()):
        known = owners.get(u)
        if known is None:
            closed_here = mp.status == "closed"
            new_rows.append(dict(
                uuid=u, desk_id=work.desk_id, desk_code=mp.desk_code,
                desk_created_at=mp.created_at, received_at=at, updated_at=at,
                status="closed" if closed_here else "received", due_at=utc(mp.due_at),
                warn_at=warn_at(mp.created_at, mp.due_at, fraction),
                satisfaction=mp.satisfaction if closed_here else None,
                answer=mp.result if closed_here else None, batch_id=work.batch_id,
                department=None, signed_at=None, **_desk_columns(mp)))
        else:
            moves += _move_on(work, known, u, mp)
    if new_rows:
        made = {r[0] for r in conn.execute(work.st.dialect_insert(matters)
                                           .on_conflict_do_nothing()
                                           .returning(matters.c.uuid), new_rows)}
        moves += [(None, row) for row in new_rows if row["uuid"] in made]
        # an order another batch made meanwhile (another revision of a new matter, sent at
        # the same moment): moved on to this batch's revision if it is newer
        if len(made) < len(new_rows):
            for known in _orders(conn, sorted(r["uuid"] for r in new_rows
                                              if r["uuid"] not in made)):
                if known.desk_id == work.desk_id:
                    moves += _move_on(work, known, known.uuid, newest[known.uuid])
    matters_rates.moves(work.st, conn, moves)


def _move_on(work: _BatchWork, known: Any, u: str, mp: P.MatterPayload
             ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """A known order to revision ``mp`` when it is newer (the district's own state kept);
    its move in the rates' summary, or none."""
    values: dict[str, Any] = dict(_desk_columns(mp), updated_at=work.at, batch_id=work.batch_id)
    if mp.status == "closed" and known.status == "received":  # closed on the spot
        values.update(status="closed", satisfaction=mp.satisfaction, answer=mp.result)
    if not work.conn.execute(update(matters).where(
            matters.c.uuid == u, matters.c.revision < mp.revision).values(**values)).rowcount:
        return []
    before = {c: getattr(known, c) for c in matters_rates.NEEDS}
    return [(before, {**before, **{k: v for k, v in values.items()
                                   if k in matters_rates.NEEDS}})]
