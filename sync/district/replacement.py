"""A new laptop for an existing desk (issue 24): what the district hands over, and what
it can say about a revoked desk.

A replacement is enrolled with an enrollment code issued as the explicit replacement of a
desk (``doorstep-district enroll-code --replaces DESK_ID``, or the console's 替换此办事点);
:func:`sync.district.desk_codes.take_over` revokes the old desk and records the
replacement. From then on the old desk's cases belong to the new one (its later
revisions — a 容缺 supply, a correction — are the new desk's to send), and at its first
sync the new desk fetches the hand-over (:func:`handover`): the old desk's
cases not completed at the district, with their materials checklists, due dates and
statuses, and those completed in the last 90 days (for reprints); the highest receipt
number per day so numbering continues; the old desk's receipt key so a reprint carries
the very verification code of the original.

Cases the old laptop saved but never synced are lost with it: the console says so for a
revoked desk with its last sync time and what the district received (:func:`desk_received`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
)

from sync import protocol as P
from sync.district.config import district_zone
from sync.district.database import Database, driver_sql
from sync.district.desk_codes import desk_replacements, receipt_numbers, replacement_of
from sync.district.tables import batches, case_revisions, cases, changes, desks, metadata

RECENT_COMPLETED_DAYS = 90
# receipt numbers left unused, on each day the old laptop may have worked without syncing
# (from its last contact to its revocation), for the receipts it printed and never sent
UNSYNCED_RESERVE = 50
MAX_UNSYNCED_DAYS = 60


def unsynced_days(contact: str | None, revoked: str) -> list[str]:
    """The days (YYYYMMDD, the district's zone) from the old desk's last contact to its
    revocation: it may have numbered receipts the district never saw on each."""
    zone = district_zone()
    try:
        end = datetime.fromisoformat(revoked).astimezone(zone).date()
        start = datetime.fromisoformat(contact).astimezone(zone).date() if contact else end
    except ValueError:
        return []
    start = max(start, end - timedelta(days=MAX_UNSYNCED_DAYS))
    return [(start + timedelta(days=i)).strftime("%Y%m%d")
            for i in range((end - start).days + 1)]


# Cases each desk sent (issue 21: the 办事点 page at 1,000,000 cases) and the receipt number
# of the case it sent last: kept by ingest in the batch's own transaction
# (:func:`count_sent`), built for a district made before them by the console's migrate
# (:func:`build_sent_counts`) and revision 0010 — counting them took a 2.5 s GROUP BY over
# every revision on each view of the page, and the newest receipt an index of every
# revision by desk (an index entry per revision sent, issue 20).
desk_sent = Table(
    "desk_sent_counts", metadata,
    Column("desk_id", String(40), primary_key=True),
    Column("cases", Integer, nullable=False),
    # the case it sent last: its first revision's receive time, and its receipt number
    Column("newest_at", String(40)),
    Column("newest_receipt", String(64)),
)
# a desk's count grows by a batch's cases; its newest receipt moves to the batch's when
# that is newer (received later, or at the same instant with a higher number: the order
# the page used when it read every revision)
_NEWER = ("excluded.newest_at IS NOT NULL AND (desk_sent_counts.newest_at IS NULL OR "
          "excluded.newest_at > desk_sent_counts.newest_at OR "
          "(excluded.newest_at = desk_sent_counts.newest_at AND "
          "excluded.newest_receipt > desk_sent_counts.newest_receipt))")
_COUNT_SENT = (
    "INSERT INTO desk_sent_counts (desk_id, cases, newest_at, newest_receipt) "
    "VALUES (?, ?, ?, ?) ON CONFLICT (desk_id) DO UPDATE SET "
    "cases = desk_sent_counts.cases + excluded.cases, "
    f"newest_at = CASE WHEN {_NEWER} THEN excluded.newest_at "
    "ELSE desk_sent_counts.newest_at END, "
    f"newest_receipt = CASE WHEN {_NEWER} THEN excluded.newest_receipt "
    "ELSE desk_sent_counts.newest_receipt END")
# per desk, the receipt number of the case whose first revision it sent last (one pass
# over the revisions: a district made before desk_sent_counts kept it)
NEWEST_SENT = (
    "SELECT desk_id, received_at, receipt_no FROM (SELECT r.desk_id, r.received_at, "
    "c.receipt_no, row_number() OVER (PARTITION BY r.desk_id "
    "ORDER BY r.received_at DESC, c.receipt_no DESC) AS n FROM case_revisions r "
    "JOIN cases c ON c.uuid = r.case_uuid WHERE r.revision = 1) AS firsts WHERE n = 1")


def count_sent(conn: Connection, desk_id: str, inserted: set[tuple[str, int]],
               sent_before: set[str] | None = None, batch_id: str | None = None,
               unsure: set[str] | None = None,
               newest: tuple[str, str] | None = None) -> None:
    """In the ingesting transaction, after its revisions and its ``cases`` rows are written
    (which holds those rows' locks, so a concurrent batch with the same case counts after
    this one commits): the cases among ``inserted`` (case, revision) that ``desk_id`` sends
    for the first time add 1 each to its count. ``newest``: (receive time, receipt number)
    of the case the batch brought a first revision of last (the highest number), which
    becomes the desk's newest receipt when it is newer than the one kept. ``sent_before``:
    the cases among them the desk had sent, when the caller read that in this transaction
    with no other writer about (SQLite's one writer) — otherwise they are read here, after
    the locks (with ``batch_id``, the batch that wrote ``inserted``: only the other
    revisions come back, a few rows rather than the batch's 500: 2.5 → 1.9 ms CPU per batch
    on PostgreSQL).
    ``unsure``, with ``sent_before``: the cases whose history is still read here, the rest
    being known (on PostgreSQL, the cases whose row another batch wrote while this one
    ran: the caller knows the others — the rows it found locked, the rows its own insert
    made — so a morning's new cases are not read back: 7.8 ms of PostgreSQL's work in a
    batch of 500, issue 20)."""
    uuids = sorted({u for u, _ in inserted})
    before: set[str] = set() if sent_before is None else set(sent_before)
    lite = conn.dialect.name == "sqlite"
    ask = uuids if sent_before is None else sorted(set(uuids) & (unsure or set()))
    for i in range(0, len(ask), 1000):
        part = ask[i:i + 1000]  # straight to the driver (no expanding IN to compile)
        among, args = ((f"IN ({', '.join('?' * len(part))})", tuple(part)) if lite else
                       ("= ANY(%s)", (part,)))
        if batch_id is not None:  # (no index has it: still read by the cases alone)
            among, args = among + (" AND batch_id <> ?" if lite else " AND batch_id <> %s"), \
                (*args, batch_id)
        # by the cases alone (the primary key), the desk checked here: asked with "AND
        # desk_id", both engines could walk case_revisions_desk through every revision the
        # desk ever sent (PostgreSQL before its statistics caught up: 85 ms of a batch at
        # 10,000 of them, growing with each; tests/sync/test_sent_count_plan.py, issue 20)
        before.update(u for u, r, d in conn.exec_driver_sql(
            "SELECT case_uuid, revision, desk_id FROM case_revisions "
            f"WHERE case_uuid {among}", args)
            if d == desk_id and (u, r) not in inserted)
    n = len(set(uuids) - before)
    if not n and newest is None:
        return
    at, receipt = newest or (None, None)
    driver_sql(conn, _COUNT_SENT, (desk_id, n, at, receipt))


def build_sent_counts(conn: Connection) -> None:
    """``desk_sent_counts`` from every revision (a district made before it; once). On
    PostgreSQL the table is locked first, so a batch committing meanwhile either is in the
    recount or adds to it after."""
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql("LOCK TABLE desk_sent_counts IN EXCLUSIVE MODE")
    conn.execute(delete(desk_sent))
    rev = case_revisions.c
    conn.execute(desk_sent.insert().from_select(
        ["desk_id", "cases"], select(rev.desk_id, func.count(func.distinct(rev.case_uuid)))
        .group_by(rev.desk_id)))
    newest = [{"d": d, "at": at, "no": no} for d, at, no in conn.exec_driver_sql(NEWEST_SENT)]
    if newest:
        conn.execute(desk_sent.update().where(desk_sent.c.desk_id == bindparam("d")).values(
            newest_at=bindparam("at"), newest_receipt=bindparam("no")), newest)


def desk_received(db: Database) -> dict[str, dict[str, Any]]:
    """Per desk: ``cases`` it sent the district (counted by who sent them, so a replaced
    desk keeps its count after its cases passed to the replacement), ``last_batch_at``
    (its last sync that sent anything), ``newest_receipt`` (the receipt number of the
    case it sent last) and ``replaced_by`` (the desk that replaced it, if any)."""
    out: dict[str, dict[str, Any]] = {}

    def entry(desk_id: str) -> dict[str, Any]:
        return out.setdefault(desk_id, {"cases": 0, "last_batch_at": None,
                                        "newest_receipt": None, "replaced_by": None})

    with db.read() as conn:
        for desk_id, n, no in conn.execute(select(desk_sent.c.desk_id, desk_sent.c.cases,
                                                  desk_sent.c.newest_receipt)):
            entry(desk_id).update(cases=int(n), newest_receipt=no)
        # per desk, its newest batch: one probe of an index by (desk_id, received_at)
        newest = (select(func.max(batches.c.received_at))
                  .where(batches.c.desk_id == desks.c.desk_id).scalar_subquery())
        for desk_id, last in conn.execute(select(desks.c.desk_id, newest)):
            if last is not None:
                entry(desk_id)["last_batch_at"] = last
        for new, old in conn.execute(select(desk_replacements.c.desk_id,
                                            desk_replacements.c.replaces)):
            entry(old)["replaced_by"] = new
    return out


def lineage(conn: Connection, desk_id: str) -> list[str]:
    """``desk_id`` and every desk it replaced, directly or through earlier replacements."""
    out = [desk_id]
    while len(out) < 50:
        prev = conn.execute(select(desk_replacements.c.replaces).where(
            desk_replacements.c.desk_id == out[-1])).scalar()
        if prev is None or prev in out:
            break
        out.append(prev)
    return out


def _cutoff(days: int = RECENT_COMPLETED_DAYS) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="milliseconds")


def handover(db: Database, desk_id: str, after: str = "", limit: int = 500
             ) -> P.HandoverResponse:
    """What a replacement desk takes over (see the module's text), a page at a time
    (cases ordered by uuid after ``after``); an empty answer for any other desk."""
    limit = max(1, min(limit, 2000))
    rev = case_revisions.c
    with db.read() as conn:
        rep = replacement_of(conn, desk_id)
        if rep is None:
            return P.HandoverResponse()
        old = conn.execute(select(desks.c.desk_code, desks.c.receipt_key,
                                  desks.c.last_seen_at, desks.c.revoked_at).where(
            desks.c.desk_id == rep["replaces"])).first()
        if old is None:
            return P.HandoverResponse()
        earlier = lineage(conn, desk_id)[1:]
        # the case's first revision, by its primary key, sent by a replaced desk (no index
        # of the revisions by desk: a probe per case of the replacement's, revision 0010)
        first = case_revisions.alias("first")
        sent_by_old = select(first.c.case_uuid).where(
            first.c.case_uuid == cases.c.uuid, first.c.revision == 1,
            first.c.desk_id.in_(earlier)).exists()
        recent = _cutoff()
        rows = conn.execute(
            select(cases.c.uuid, cases.c.district_status, cases.c.district_note,
                   cases.c.district_department, cases.c.received_at, rev.payload_json)
            .join(case_revisions, and_(rev.case_uuid == cases.c.uuid,
                                       rev.revision == cases.c.revision))
            .where(cases.c.desk_id == desk_id, sent_by_old,
                   cases.c.uuid > after,
                   or_(cases.c.district_status.not_in(P.CLOSED_STATUSES),
                       func.coalesce(cases.c.district_updated_at, cases.c.updated_at)
                       >= recent))
            .order_by(cases.c.uuid).limit(limit + 1)).all()
        seq: dict[str, int] = {}
        if not after:  # the receipt numbers its code used lately (all desks under it)
            prefix = f"{old.desk_code}-"
            for (no,) in conn.execute(select(receipt_numbers.c.receipt_no).where(
                    receipt_numbers.c.receipt_no.like(prefix + "%"))):
                day, _, n = str(no)[len(prefix):].partition("-")
                if day.isdigit() and n.isdigit():
                    seq[day] = max(seq.get(day, 0), int(n))
            last_batch = conn.execute(select(func.max(batches.c.received_at)).where(
                batches.c.desk_id == rep["replaces"])).scalar()
            contact = max(filter(None, (old.last_seen_at, last_batch)), default=None)
            for day in unsynced_days(contact, old.revoked_at or rep["at"]):
                seq[day] = seq.get(day, 0) + UNSYNCED_RESERVE
            matter_list, matter_seq = handover_matters(conn, desk_id, earlier, old.desk_code,
                                                       recent)
            for day in unsynced_days(contact, old.revoked_at or rep["at"]):
                matter_seq[day] = matter_seq.get(day, 0) + UNSYNCED_RESERVE
        else:
            matter_list, matter_seq = [], {}
    more = len(rows) > limit
    return P.HandoverResponse(
        replaces=rep["replaces"], desk_code=old.desk_code, receipt_key=old.receipt_key,
        cases=[P.HandoverCase(payload_json=r.payload_json, district_status=r.district_status,
                              district_note=r.district_note or "",
                              district_department=r.district_department,
                              received_at=r.received_at) for r in rows[:limit]],
        receipt_seq=seq, more=more, matters=matter_list, matter_seq=matter_seq)


def handover_matters(conn: Connection, desk_id: str, earlier: list[str], desk_code: str,
                     recent: str) -> tuple[list[P.HandoverMatter], dict[str, int]]:
    """The resident matters a replacement takes over (issue 15): those the replaced desks
    sent (now ``desk_id``'s: :func:`~sync.district.desk_codes.take_over`) that are open at
    the district or closed since ``recent``, each with its newest revision and the
    district's steps; and the highest matter-number sequence per day of ``desk_code``."""
    from sync.district.matters_store import change_extras
    from sync.district.matters_tables import matter_revisions, matters

    mrev, m = matter_revisions.c, matters.c
    # each matter's first revision by its primary key (an IN over the revisions of the
    # replaced desks read every matter revision the district held)
    first = matter_revisions.alias("first")
    sent_by_old = select(first.c.matter_uuid).where(
        first.c.matter_uuid == m.uuid, first.c.revision == 1,
        first.c.desk_id.in_(earlier)).exists()
    rows = conn.execute(
        select(m.uuid, m.status, m.department, m.answer, m.due_at, m.updated_at,
               m.received_at, mrev.payload_json)
        .join(matter_revisions, and_(mrev.matter_uuid == m.uuid, mrev.revision == m.revision))
        .where(m.desk_id == desk_id, sent_by_old,
               or_(m.status != "closed", m.updated_at >= recent[:19]))
        .order_by(m.received_at, m.uuid)).all()
    steps: dict[str, list[dict[str, Any]]] = {r.uuid: [] for r in rows}
    if rows:
        found = [dict(r) for r in conn.execute(
            select(changes.c.seq, changes.c.kind, changes.c.case_uuid, changes.c.status,
                   changes.c.note, changes.c.department, changes.c.at)
            .where(changes.c.kind == "matter", changes.c.case_uuid.in_(list(steps)))
            .order_by(changes.c.seq)).mappings()]
        bodies, _ = change_extras(conn, found)
        for ch in found:
            steps[ch["case_uuid"]].append({**ch, "note": ch["note"] or "",
                                           "department": ch["department"] or "",
                                           "matter": bodies.get(int(ch["seq"]), {})})
    seq: dict[str, int] = {}
    prefix = f"{desk_code}-M"
    for (no,) in conn.execute(select(m.matter_no).where(m.matter_no.like(prefix + "%"))):
        day, _, n = str(no)[len(prefix):].partition("-")
        if day.isdigit() and n.isdigit():
            seq[day] = max(seq.get(day, 0), int(n))
    return [P.HandoverMatter(payload_json=r.payload_json, district_status=r.status,
                             district_department=r.department, district_answer=r.answer,
                             district_due_at=r.due_at,
                             district_updated_at=steps[r.uuid][-1]["at"]
                             if steps[r.uuid] else None,
                             received_at=r.received_at, steps=steps[r.uuid])
            for r in rows], seq


__all__ = ["RECENT_COMPLETED_DAYS", "build_sent_counts", "count_sent", "desk_received",
           "desk_sent", "handover", "lineage"]
