"""Duplicate applications across desks (issue 23): one resident, one item, two desks.

A desk refuses a second application it knows of (the item's ``once`` rule, catalog data);
it cannot know what another desk accepted. The district can: each new case of an item with
a ``once`` rule is indexed here by the resident (a digest of the applicant's ID number —
the same digest the console searches by, never the number) and checked, in its batch's
transaction, against the other desks' cases of that resident and item within the rule's
window (``while_open``: the other one not closed; ``per_year``: accepted in the same year;
``lifetime``: any; a rejected case never counts, nor a case the worker saved as one of the
item's allowed exceptions, 补办/变更).

Race-free: before looking, the batch takes a row lock on ``resident_locks`` for each
(resident, item) it touches (an upsert, in sorted order), so two desks' batches for the
same resident are decided one after the other on PostgreSQL too (SQLite has one writer,
and writes no lock rows).
A flag is a pair of rows in ``case_duplicates`` (each case → the other), unique by its
primary key: the same batches sent again make no second pair.

Each flag reaches its case's desk as a ``duplicate`` change (:data:`sync.protocol.
DUPLICATE_CHANGE`) that leaves the case's status alone. The change is written after the
batch commits, by :func:`notify_duplicates` (writers of ``changes`` are serialised, which
a batch must not wait for while it holds its case locks); a flag not yet told is told at
the next batch or pull. A reviewer clears a flag as 已核实非重复 (:func:`clear_duplicate`,
audited in the same transaction), which reaches both desks as a ``cleared`` change.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Sequence
from types import EllipsisType
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    select,
    update,
)

from sync import protocol as P
from sync.district.database import Database
from sync.district.errors import NotFound, Refused
from sync.district.tables import cases, changes, desks, metadata

AuditHook = Callable[[Connection, dict[str, Any]], None]

# each (resident, item) a batch looks at is locked here first (one row, upserted)
resident_locks = Table(
    "resident_locks", metadata,
    Column("id_hash", String(24), nullable=False),
    Column("item_code", String(16), nullable=False),
    Column("at", String(40), nullable=False),
    PrimaryKeyConstraint("id_hash", "item_code"),
)
# the cases of items with a ``once`` rule are indexed by resident (digest) and item in their
# own ``cases`` row: ``resident_hash``, ``resident_date``, ``resident_exception`` (index
# ``cases_resident``; a table of its own, ``resident_items``, until revision 0007)
# a flag: two rows, each case → the other; ``flag_seq``/``clear_seq``: the change that told
# the case's desk (NULL: not yet told; 0: never to be told — cleared before it was)
case_duplicates = Table(
    "case_duplicates", metadata,
    Column("case_uuid", String(36), nullable=False),
    Column("other_uuid", String(36), nullable=False),
    Column("desk_id", String(40), nullable=False),  # the case's desk
    Column("item_code", String(16), nullable=False),
    Column("rule", String(16), nullable=False),
    Column("state", String(16), nullable=False, server_default="flagged"),  # | cleared
    Column("flagged_at", String(40), nullable=False),
    Column("cleared_at", String(40)),
    Column("cleared_by", String(64)),
    Column("clear_note", Text, nullable=False, server_default=""),
    Column("flag_seq", BigInteger),
    Column("clear_seq", BigInteger),
    PrimaryKeyConstraint("case_uuid", "other_uuid"),
    Index("case_duplicates_state", "state", "case_uuid"),
    Index("case_duplicates_untold", "flag_seq"),
    Index("case_duplicates_cleared", "clear_seq"),
)

_RULES_FILL = threading.Lock()
RULE_WORDS = {"while_open": "未办结期间不能重复申请", "per_year": "每年度限申请一次",
              "lifetime": "限申请一次"}


def id_digest(id_number: str) -> str:
    """The resident's key: the console's digest of a full ID number
    (:func:`sync.district.console.schema.search_hash` ``("id", …)``; a test keeps them
    equal)."""
    norm = id_number.upper()
    if not norm.isalnum():  # (an ID number as typed is: no per-character pass for it)
        norm = "".join(ch for ch in norm if ch.isalnum())
    if not norm:
        return ""
    return hashlib.sha256(f"doorstep:id:{norm}".encode()).hexdigest()[:24]


def once_rules(db: Any, conn: Connection, latest: str | EllipsisType | None = ...
               ) -> dict[str, str]:
    """Item code → its ``once`` rule in the catalog published last (the shipped one before
    any), cached per version on ``db``. ``latest``: that version, when the caller has read
    it in this transaction (:func:`~sync.district.catalog_import.latest_version`)."""
    from sync.district.catalog_import import current_catalog, latest_version

    latest = (latest_version(conn) if latest is ... else latest) or ""
    cached = getattr(db, "_once_rules", None)
    if cached is not None and cached[0] == latest:
        return dict(cached[1])
    with _RULES_FILL:  # one thread reads the catalog; the others at the door wait for it
        cached = getattr(db, "_once_rules", None)
        if cached is not None and cached[0] == latest:
            return dict(cached[1])
        cat = current_catalog(conn, latest)
        rules = {it.code: it.once.rule for it in cat.items if it.once is not None}
        db._once_rules = (latest, rules)
    return dict(rules)


def _resident(cp: P.CasePayload) -> tuple[str, str] | None:
    """(ID digest, the exception chosen or "") of a case, or None without an ID number."""
    try:
        # (only strings are read from it: no scan for wide integers)
        data = P.loads_json(cp.data_json, constants=True, numbers=False)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    fields = data.get("fields", data)
    pid = fields.get("applicant_id") if isinstance(fields, dict) else None
    if not isinstance(pid, str) or not pid.strip():
        return None
    exc = data.get("duplicate_exception")
    kind = exc.get("kind") if isinstance(exc, dict) else ""
    return id_digest(pid), str(kind or "")[:40]


def _accepted(cp: P.CasePayload) -> str:
    acc = cp.accepted_date
    return (acc if isinstance(acc, str) and len(acc) >= 10 else cp.created_at)[:10]


def _counts(rule: str, mine: str, other: Any) -> bool:
    """Whether the other case stops this one under the rule (the desk's rule,
    :func:`desk.core.residents.counts_against`, with the district's statuses)."""
    if other["district_status"] == "rejected" or other["excepted"]:
        return False
    if rule == "while_open":
        return str(other["district_status"]) not in P.CLOSED_STATUSES
    if rule == "per_year":
        return str(other["accepted_date"])[:4] == mine[:4]
    return True


def residents_ahead(db: Any, cases: Iterable[tuple[str, P.CasePayload]]
                    ) -> dict[str, tuple[str, str] | None]:
    """Case UUID → :func:`_resident` of each case ``(uuid, payload)`` whose item had a
    ``once`` rule when the rules were last read (every case before they were): the ID
    digests worked out before the batch's transaction, which :func:`residents` takes as
    they are (a digest depends on the payload alone; the rules only say whose is needed)."""
    cached = getattr(db, "_once_rules", None)
    rules = cached[1] if cached is not None else None
    return {u: _resident(cp) for u, cp in cases if rules is None or cp.item_code in rules}


def residents(db: Database, conn: Connection,
              newest: Iterable[tuple[str, P.CasePayload]],
              ahead: dict[str, tuple[str, str] | None] | None = None,
              latest: str | EllipsisType | None = ...) -> dict[str, tuple[str, str, str, str]]:
    """Case UUID → (resident's ID digest, acceptance date, exception chosen or "", the
    item's rule) for the cases ``(uuid, payload)`` of items with a ``once`` rule that name
    an ID number: the first three are what their ``cases`` rows are indexed by (written
    with the row, by ingest's upsert). ``ahead``: :func:`residents_ahead` of these cases."""
    rules = once_rules(db, conn, latest)
    ahead = ahead or {}
    out = {}
    for u, cp in newest:
        if cp.item_code in rules:
            who = ahead[u] if u in ahead else _resident(cp)
            if who is not None:
                out[u] = (who[0], _accepted(cp), who[1], rules[cp.item_code])
    return out


Others = dict[tuple[str, str], dict[str, list[Any]]]  # (digest, item) → desk code → cases


def _mine(stored: Sequence[tuple[str, P.CasePayload]],
          found: dict[str, tuple[str, str, str, str]]
          ) -> list[tuple[P.CasePayload, str, str, str]]:
    return [(cp, found[u][0], found[u][2], u) for u, cp in stored if u in found]


def others_ahead(db: Database, conn: Connection, at: str,
                 stored: Sequence[tuple[str, P.CasePayload]],
                 found: dict[str, tuple[str, str, str, str]]) -> Others | None:
    """:func:`flag_duplicates`' locks and read, taken before the batch's ``cases`` rows
    are written, when the batch is of one desk code (as a desk's batches are): the read
    then finds the other desks' cases of these residents only, rather than walking this
    batch's own rows, just indexed, to set them aside (PostgreSQL: a heap read for each,
    7 ms of a batch of 500, issue 20). None for a batch of several codes (read after)."""
    mine = _mine(stored, found)
    if len({cp.desk_code for cp, _, _, _ in mine}) != 1:
        return None if mine else {}
    return _lock_and_read(db, conn, at, mine, before_rows=True)


def _lock_and_read(db: Database, conn: Connection, at: str,
                   mine: list[tuple[P.CasePayload, str, str, str]], *,
                   before_rows: bool = False) -> Others:
    # PostgreSQL: the lock rows first, in one order (two batches never wait for each other
    # in a cycle; Database.insert_rows inserts them in this order), then the read — a batch
    # for the same resident either waits here for this one's commit and sees its cases, or
    # committed before and is seen. SQLite's one writer decides batches one after the other
    # already: no lock rows to write there.
    hashes = sorted({h for _, h, _, _ in mine})
    if not db.is_sqlite:
        made = db.insert_returning(
            conn, "resident_locks", (("id_hash", "text"), ("item_code", "text"),
                                     ("at", "text")),
            [(h, code, at) for h, code in sorted({(h, cp.item_code) for cp, h, _, _ in mine})],
            "ON CONFLICT (id_hash, item_code) DO UPDATE SET at = excluded.at "
            "RETURNING id_hash, xmax = 0")
        if before_rows:
            # a lock row this statement made (xmax 0: inserted, not updated) is a resident
            # and item no case has had (every case indexed by resident has its lock row:
            # written with it, and revision 0008 for those before): nothing to read for
            # them — most of a morning's residents (PostgreSQL: an index probe each, 11 ms
            # per 1,000 cases, issue 20). Before this batch's own rows only: read after
            # them, a resident's two cases in the batch under two desk codes are compared.
            seen = {h for h, fresh in made if not fresh}
            hashes = [h for h in hashes if h in seen]
    # every case of these residents (theirs and ours), read once after the locks, by
    # resident and item, then by desk code: a case is compared with other desks' cases
    # only (comparing it with its own desk's too made a batch's work grow with every case
    # its resident ever had there: 3 s per 500-case batch after 5,000 of one resident).
    # A batch of one desk code (as a desk's batches are) leaves that code's rows in the
    # database.
    known: Others = {}
    codes = {cp.desk_code for cp, _, _, _ in mine}
    mark = "?" if db.is_sqlite else "%s"
    for i in range(0, len(hashes), 500):
        among, args = db.among(hashes[i:i + 500])  # (straight to the driver)
        sql = ("SELECT uuid AS case_uuid, resident_hash AS id_hash, item_code, desk_code, "
               "resident_date AS accepted_date, resident_exception AS excepted, desk_id, "
               f"district_status FROM cases WHERE resident_hash {among}")
        if len(codes) == 1:
            sql += f" AND desk_code != {mark}"
            args += (next(iter(codes)),)
        for r in conn.exec_driver_sql(sql, args).mappings():
            known.setdefault((r["id_hash"], r["item_code"]), {}).setdefault(
                str(r["desk_code"]), []).append(r)
    return known


def flag_duplicates(db: Database, conn: Connection, desk_id: str, at: str,
                    stored: Sequence[tuple[str, P.CasePayload]],
                    found: dict[str, tuple[str, str, str, str]],
                    others: Others | None = None) -> int:
    """Flag each of the batch's stored cases ``(uuid, payload)`` that another desk's case
    of the same resident and item stops (inside the batch's transaction, after the cases'
    rows — indexed by resident, ``found``: :func:`residents` — are written; every statement
    once for the whole batch). ``others``: :func:`others_ahead`, when it read them before
    the rows were written. Returns how many new pairs were flagged."""
    mine = _mine(stored, found)
    if not mine:
        return 0
    known = others if others is not None else _lock_and_read(db, conn, at, mine)
    rows = []
    for cp, h, exc, u in mine:
        if exc:  # saved as an allowed exception (补办, 变更): not a duplicate
            continue
        _h, acc, _exc, rule = found[u]
        for code, theirs in known.get((h, cp.item_code), {}).items():
            if code == cp.desk_code:
                continue
            for o in theirs:
                if o["case_uuid"] == u or not _counts(rule, acc, o):
                    continue
                rows += [(u, o["case_uuid"], desk_id, cp.item_code, rule, at),
                         (o["case_uuid"], u, o["desk_id"], cp.item_code, rule, at)]
    if not rows:
        return 0
    done = db.insert_rows(conn, "case_duplicates", tuple((c, "text") for c in (
        "case_uuid", "other_uuid", "desk_id", "item_code", "rule", "flagged_at")), rows,
        "ON CONFLICT (case_uuid, other_uuid) DO NOTHING")
    # (a driver that does not count: say some, and let notify_duplicates find out)
    return done // 2 if done >= 0 else len(rows) // 2


def _note(other: dict[str, Any], rule: str, state: str, note: str = "") -> str:
    if state == "cleared":
        return (f"区级已核实：与{other['desk_name']}受理的 {other['receipt_no']} 不属重复申请"
                + (f"（{note}）" if note else ""))
    return (f"区级发现重复申请：该居民已于 {other['accepted_date']} 在{other['desk_name']}申请"
            f"本事项（受理编号 {other['receipt_no']}）；本事项{RULE_WORDS.get(rule, '')}。"
            "请核实后告知居民，区级核实前两件申请均暂缓办理")


def _others(conn: Connection, uuids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The cases named, with their desk's name and acceptance date."""
    out = {}
    for r in conn.execute(select(
            cases.c.uuid, cases.c.receipt_no, cases.c.item_name, cases.c.desk_code,
            cases.c.desk_id, desks.c.name, cases.c.resident_date.label("accepted_date")).join(
            desks, desks.c.desk_id == cases.c.desk_id, isouter=True).where(
            cases.c.uuid.in_(sorted(set(uuids))))).mappings():
        out[r["uuid"]] = {"uuid": r["uuid"], "receipt_no": r["receipt_no"],
                          "item_name": r["item_name"], "desk_code": r["desk_code"],
                          "desk_id": r["desk_id"],
                          "desk_name": r["name"] or r["desk_code"],
                          "accepted_date": r["accepted_date"] or ""}
    return out


def _tell(conn: Connection, flag: dict[str, Any], other: dict[str, Any], state: str,
          actor: str, at: str, note: str = "") -> int:
    seq: int = conn.execute(changes.insert().values(
        kind=P.DUPLICATE_CHANGE, desk_id=flag["desk_id"], case_uuid=flag["case_uuid"],
        status=state, note=_note(other, flag["rule"], state, note),
        item_code=flag["item_code"], item_name=other["item_name"], actor=actor, at=at
    ).returning(changes.c.seq)).scalar_one()
    return seq


def duplicate_bodies(conn: Connection, rows: Sequence[Any]) -> dict[int, dict[str, Any]]:
    """The ``duplicate`` body (:class:`sync.protocol.DuplicateNote`) of each pulled change
    of that kind, by seq: the other case as the district knows it."""
    seqs = [r["seq"] for r in rows if r["kind"] == P.DUPLICATE_CHANGE]
    if not seqs:
        return {}
    flags = conn.execute(select(case_duplicates).where(
        case_duplicates.c.flag_seq.in_(seqs) | case_duplicates.c.clear_seq.in_(seqs))
    ).mappings().all()
    others = _others(conn, [f["other_uuid"] for f in flags])
    out = {}
    for f in flags:
        other = others.get(f["other_uuid"])
        if other is None:
            continue
        for seq, state in ((f["flag_seq"], "flagged"), (f["clear_seq"], "cleared")):
            if seq in seqs:
                out[seq] = P.DuplicateNote(
                    state=state, other_receipt_no=other["receipt_no"], other_desk=other["desk_name"],
                    other_date=other["accepted_date"], rule=f["rule"],
                    note=f["clear_note"] if state == "cleared" else "").model_dump()
    return out


def untold(db: Database) -> bool:
    """Whether a flag waits to be told to its desk (a cheap index probe)."""
    with db.read() as conn:
        return conn.execute(select(case_duplicates.c.case_uuid).where(
            case_duplicates.c.flag_seq.is_(None)).limit(1)).first() is not None


def notify_duplicates(db: Any) -> int:
    """Write a ``duplicate`` change for every flag not yet told to its case's desk (in its
    own transaction, with the change writers serialised). Returns how many."""
    with db.write() as conn:
        db.serialise_changes(conn)
        flags = conn.execute(select(case_duplicates).where(
            case_duplicates.c.flag_seq.is_(None)).order_by(
            case_duplicates.c.flagged_at, case_duplicates.c.case_uuid,
            case_duplicates.c.other_uuid).with_for_update()).mappings().all()
        if not flags:
            return 0
        others = _others(conn, [f["other_uuid"] for f in flags])
        now = P.utc_now()
        for f in flags:
            other = others.get(f["other_uuid"])
            seq = 0 if other is None else _tell(conn, dict(f), other, "flagged", "system", now)
            conn.execute(update(case_duplicates).where(
                case_duplicates.c.case_uuid == f["case_uuid"],
                case_duplicates.c.other_uuid == f["other_uuid"]).values(flag_seq=seq))
    return len(flags)


def clear_duplicate(db: Any, case_uuid: str, other_uuid: str, *, note: str, actor: str,
                    audit: AuditHook | None = None) -> dict[str, Any]:
    """已核实非重复: clear the flag between two cases (both rows), tell both desks, and
    write the audit entry in the same transaction."""
    note = " ".join(note.split())[:500]
    if len(note) < 2:
        raise Refused("note: 请写明核实情况（如：居民补办、两地户籍不同人），至少 2 个字")
    now = P.utc_now()
    with db.write() as conn:
        db.serialise_changes(conn)
        flags = conn.execute(select(case_duplicates).where(
            ((case_duplicates.c.case_uuid == case_uuid)
             & (case_duplicates.c.other_uuid == other_uuid))
            | ((case_duplicates.c.case_uuid == other_uuid)
               & (case_duplicates.c.other_uuid == case_uuid))).with_for_update()
        ).mappings().all()
        if not flags:
            raise NotFound("duplicate: 这两件案件之间没有重复申请标记")
        if all(f["state"] == "cleared" for f in flags):
            raise Refused("duplicate: 该重复申请标记已核实为非重复")
        others = _others(conn, [case_uuid, other_uuid])
        told = []
        for f in flags:
            values: dict[str, Any] = {"state": "cleared", "cleared_at": now,
                                      "cleared_by": actor, "clear_note": note}
            other = others.get(f["other_uuid"])
            if f["flag_seq"] is None:  # its desk was never told: nothing to take back
                values["flag_seq"] = 0
            elif f["flag_seq"] and other is not None:
                values["clear_seq"] = _tell(conn, dict(f), other, "cleared", actor, now, note)
                told.append(f["desk_id"])
            conn.execute(update(case_duplicates).where(
                case_duplicates.c.case_uuid == f["case_uuid"],
                case_duplicates.c.other_uuid == f["other_uuid"]).values(**values))
        out = {"case_uuid": case_uuid, "other_uuid": other_uuid, "note": note, "at": now,
               "desks_told": len(told)}
        if audit is not None:
            audit(conn, out)
    return out


def duplicates_of(db: Database, case_uuid: str) -> list[dict[str, Any]]:
    """The flags on a case, each with the other case (receipt, desk, date) — the console's
    case page."""
    with db.read() as conn:
        flags = [dict(r) for r in conn.execute(select(case_duplicates).where(
            case_duplicates.c.case_uuid == case_uuid).order_by(
            case_duplicates.c.flagged_at)).mappings()]
        others = _others(conn, [f["other_uuid"] for f in flags])
    for f in flags:
        f["other"] = others.get(f["other_uuid"], {"receipt_no": f["other_uuid"],
                                                 "desk_name": "", "accepted_date": ""})
        f["rule_words"] = RULE_WORDS.get(f["rule"], f["rule"])
    return flags


def flagged_cases() -> Any:
    """A sub-select of the cases with a flag not cleared (the console's 重复申请 filter)."""
    return select(case_duplicates.c.case_uuid).where(case_duplicates.c.state == "flagged")


__all__ = ["case_duplicates", "clear_duplicate", "duplicate_bodies", "duplicates_of",
           "flag_duplicates",
           "flagged_cases", "id_digest", "notify_duplicates", "once_rules", "resident_locks",
           "residents", "untold"]
