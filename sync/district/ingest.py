"""Batch ingest: a desk's pushed batch applied in one transaction — the part of
:class:`~sync.district.storage.Storage` reached as ``storage.ingest``.

The records are parsed, checked and hashed before the write lock is taken
(:func:`sync.district.ingest_records.prepare_records`). Inside the transaction the batch id is claimed first (a replay gets the
first commit's answer back), then :class:`_BatchWork` decides each record: a new revision
is inserted; the same case revision again is a duplicate when its content is the same and a
conflict when not (decided by the primary key of ``case_revisions``, never
check-then-insert); a case another desk uploaded, or one the district has closed, is
refused. A bundle (一件事) case gets one ``case_routes`` row per service its resident chose
(the ``services`` field through the catalog's ``bundle_services``; alternatives not chosen
get none); a rating is stored once, and only for a case the district holds. Refused records
are written to ``rejections``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import EllipsisType
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy import delete as sa_delete

from sync import protocol as P
from sync.district.catalog_import import latest_version
from sync.district.database import COPY_FROM, Database, driver_sql
from sync.district.desk_codes import claim_receipts
from sync.district.desk_dates import flag_desk_dates
from sync.district.duplicates import (
    flag_duplicates,
    notify_duplicates,
    others_ahead,
    residents,
    residents_ahead,
)
from sync.district.errors import REPLAYED_MESSAGE, BatchConflict, Replayed
from sync.district.ingest_ratings import apply_ratings
from sync.district.ingest_records import PreparedBatch, prepare_records
from sync.district.matters_ingest import apply_matters
from sync.district.reconcile import Reconcile
from sync.district.replacement import count_sent
from sync.district.tables import (
    RESIDENT_COLS,
    batches,
    case_revisions,
    case_routes,
    rejections,
)

log = logging.getLogger(__name__)
# Batches a server process works on at once (issue 20); the others wait at the door
# (roughly in the order they came: a semaphore wakes its oldest waiter) rather than share
# the process's one core (the GIL) 40 ways, so the first of 50 desks arriving at once hear
# back after a batch's work, not after everyone's. PostgreSQL: two, one being written while
# the next is parsed and checked (p50 of 50 desks at once, 2 workers: 2.1–2.4 s → 1.5 s).
# SQLite: one — its writers take turns anyway, and a batch parsed beside the one in the
# writers' turn only shares that process's GIL with it (the other process parses on the
# other core); the README's sizing section has the alternating runs that chose this.
# A pushed batch's body is decoded only once through the door (:meth:`Ingest.batch_body`):
# the batches waiting there hold their bytes, not 500 decoded records each, and the JSON
# decoding no longer takes the GIL from the batch being written (50 desks at once, SQLite,
# 2 workers: p50 1.36–1.53 s → 1.03–1.17 s in three alternating pairs).
IN_FLIGHT = {"sqlite": 1, "postgresql": 2}
# the request's own parse: (batch id, records) — run once the batch is through the door
BodyParse = Callable[[], tuple[str, Sequence[dict[str, Any]]]]
# a batch request's nonce, recorded in the batch's transaction: false when seen before
NonceCheck = Callable[[Connection], bool]
_CATALOG_FILL = threading.Lock()  # the bundles' cache is filled by one thread at a time

# A desk acts only for itself (issue 12): a record about another desk's case is refused with
# a reason that says nothing about that case — for a rating, the very answer a case the
# district does not have gets.
NOT_THIS_DESKS_CASE = "区级不能接收这条案件记录（案件编号不可用），请联系区级管理员"
RECEIPT_CHANGED = ("这件案件的回执编号 {new} 与区级已收到的 {old} 不同，区级未接收这次修改。"
                   "回执编号出具后不能更改；请以群众手中的回执 {old} 为准，并联系区级管理员核对。")

# the columns (and their PostgreSQL types) a case row is inserted with, in the order
# _BatchWork._upsert_cases gives them
_INTEGER_COLS = ("revision", "priority")
_CASE_INSERT_COLS = tuple((c, "integer" if c in _INTEGER_COLS else "text") for c in (
    "uuid", "desk_id", "desk_code", "receipt_no", "item_code", "item_name", "department",
    "catalog_version", "desk_status", "revision", "applicant_name", "desk_created_at",
    "desk_updated_at", "received_at", "updated_at", "district_status", "district_note",
    "batch_id", "priority", *RESIDENT_COLS))
_KEEP = ("uuid", "desk_id", "received_at", "district_status", "district_note")
_UPSERT_CASES = (  # a known case moves to a newer revision, and only its own desk's
    "ON CONFLICT (uuid) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c, _ in _CASE_INSERT_COLS if c not in _KEEP)
    + " WHERE cases.revision < excluded.revision AND cases.desk_id = excluded.desk_id")
# the batch id claimed first in the batch's transaction (its answer is written at the end)
_CLAIM = ("INSERT INTO batches (batch_id, desk_id, records_hash, record_count, received_at, "
          "response_json) VALUES (?, ?, ?, ?, ?, '{}') ON CONFLICT (batch_id) DO NOTHING "
          "RETURNING batch_id")
_REVISION_COLS = (("case_uuid", "text"), ("revision", "integer"), ("content_hash", "text"),
                  ("desk_id", "text"), ("batch_id", "text"), ("received_at", "text"),
                  ("payload_json", "text"))


class Ingest:
    """Pushed batches (``storage.ingest``): :meth:`batch`, and the current catalog's
    bundles. Holds the database it writes to and the :class:`Reconcile` part that notes what
    the district holds of each desk (in the batch's own transaction)."""

    def __init__(self, db: Database, reconcile: Reconcile) -> None:
        self.db, self.reconcile = db, reconcile
        self._bundles: tuple[str, dict[str, _Bundle]] | None = None  # cached by version
        self._in_flight = IN_FLIGHT["sqlite" if db.is_sqlite else "postgresql"]
        self._door = threading.BoundedSemaphore(self._in_flight)  # (one storage per process)

    @property
    def in_flight(self) -> int:
        """How many batches this process works on at once (the door's size)."""
        return self._in_flight

    def batch(self, desk_id: str, batch_id: str,
              records: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Commit a batch atomically; returns the answer (the stored one on a replay).
        Raises :class:`BatchConflict` when the batch id was used by another desk or for
        other records."""
        return self.batch_json(desk_id, batch_id, records)[0]

    def batch_json(self, desk_id: str, batch_id: str, records: Sequence[dict[str, Any]],
                   nonce: NonceCheck | None = None) -> tuple[dict[str, Any], str]:
        """:meth:`batch`, also giving the answer as JSON text (the HTTP layer sends
        it as it is, rather than encoding 500 results again). ``nonce``: the request's
        nonce recorded first in the batch's transaction (false: seen before — raises
        :class:`Replayed`, nothing written), so the two commit together: one write per
        batch, not two (issue 20)."""
        return self.batch_body(desk_id, lambda: (batch_id, records), nonce)

    def batch_body(self, desk_id: str, parse: BodyParse,
                   nonce: NonceCheck | None = None) -> tuple[dict[str, Any], str]:
        """:meth:`batch_json` of a request body not yet decoded: ``parse`` (the batch id
        and records, or raises) runs only once the batch is through the door."""
        with self._door:
            batch_id, records = parse()
            return self._batch_json(desk_id, batch_id, records, nonce)

    def _batch_json(self, desk_id: str, batch_id: str, records: Sequence[dict[str, Any]],
                    nonce: NonceCheck | None) -> tuple[dict[str, Any], str]:
        prep = prepare_records(records)  # parse, check and hash outside the write lock
        # the residents' ID digests too (issue 23's duplicate check): 2.5 ms of a batch
        # that no longer holds the writers' turn
        prep.residents = residents_ahead(self.db, ((u, cp) for _i, _r, cp, _h, u in prep.cases))
        records_hash = prep.digest
        received_at = P.utc_now()

        def attempt() -> tuple[dict[str, Any], str, int]:
            with self.db.write() as conn:
                if nonce is not None and not nonce(conn):
                    raise Replayed(REPLAYED_MESSAGE)
                claimed = driver_sql(conn, _CLAIM, (batch_id, desk_id, records_hash,
                                                    len(records), received_at)).first()
                if claimed is None:
                    # a replay (or the same batch racing itself): the first commit's answer
                    row = conn.execute(select(batches).where(batches.c.batch_id == batch_id)
                                       ).mappings().one()
                    if row["desk_id"] != desk_id or row["records_hash"] != records_hash:
                        raise BatchConflict("批次编号已用于其他内容，请用新的批次编号")
                    replay = dict(json.loads(row["response_json"]), replayed=True)
                    return replay, P.dumps_json(replay), 0
                work = _BatchWork(self.db, self, conn, desk_id, batch_id, received_at)
                results = work.run(records, prep)
                self.reconcile.note_records(conn, desk_id, records, results,
                                            received_at)  # issue 22
                answer = {"protocol": P.PROTOCOL_VERSION, "batch_id": batch_id,
                          "results": results, "replayed": False}
                text_ = P.dumps_json(answer)
                driver_sql(conn, "UPDATE batches SET response_json = ? WHERE batch_id = ?",
                           (text_, batch_id))
            return answer, text_, work.flagged

        # PostgreSQL: the batch's COPYs without a savepoint each, run again with them in
        # the rare batch where one meets a key a concurrent batch took (Database.optimistically)
        answer, text_, flagged = self.db.optimistically(attempt)
        if flagged:  # issue 23: tell both desks (after the commit: see duplicates)
            notify_duplicates(self.db)
        return answer, text_

    def bundle_members(self, conn: Connection, latest: str | EllipsisType | None = ...
                       ) -> dict[str, _Bundle]:
        """Bundle code → its item and members (code → name, department) in the catalog
        published last (the shipped one before any); a published bundle without a services
        mapping borrows the shipped catalog's. ``latest``: that version, when the caller
        has read it in this transaction (:func:`latest_version`)."""
        if latest is ...:
            latest = latest_version(conn)
        key = latest or ""
        if self._bundles is not None and self._bundles[0] == key:
            return self._bundles[1]
        with _CATALOG_FILL:  # one thread builds it; the others at the door wait and take it
            if self._bundles is not None and self._bundles[0] == key:
                return self._bundles[1]
            self._bundles = (key, _bundles_of(conn, latest))
            return self._bundles[1]


def _bundles_of(conn: Connection, latest: str | None) -> dict[str, _Bundle]:
    """The bundles of the current catalog, version ``latest`` (see
    :func:`sync.district.catalog_import.current_catalog`)."""
    from forms.catalog import load_catalog
    from sync.district.catalog_import import current_catalog

    cat = current_catalog(conn, latest)
    shipped = load_catalog()
    out = {}
    for it in cat.items:
        if it.bundle:
            if it.bundle_services is None and it.code in shipped:
                it = it.model_copy(update={
                    "bundle_services": {c: m for c, m in (
                        shipped.get(it.code).bundle_services or {}).items()
                        if m in (it.bundle or [])} or None})
            out[it.code] = _Bundle(it, {m: (cat.get(m).name, cat.get(m).department)
                                        for m in it.bundle or [] if m in cat})
    return out


@dataclass(frozen=True)
class _Bundle:
    """A bundle (一件事) item and its members: code → (name, department)."""

    item: Any  # forms.model.Item
    members: dict[str, tuple[str, str]]

    def routes_for(self, cp: P.CasePayload) -> list[tuple[str, str, str]]:
        """(member code, name, department) for the services the case's resident chose."""
        try:
            data = P.loads_json(cp.data_json, constants=True)
        except ValueError:
            return []
        fields = data.get("fields", data) if isinstance(data, dict) else {}
        return [(m, *self.members[m]) for m in self.item.chosen_members(fields)
                if m in self.members]


def known_cases_sql(db: Database, uuids: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
    """The statement (and its parameters) a batch reads the rows of its cases with, locking
    them on PostgreSQL — a probe of the primary key per case (PostgreSQL: see
    :data:`~sync.district.database.PG_RANDOM_PAGE_COST`). Straight to the driver:
    SQLAlchemy builds an expanding ``IN`` of 500 anew each time."""
    among, args = db.among(uuids)
    return ("SELECT uuid, desk_id, district_status, revision, receipt_no FROM cases "
            f"WHERE uuid {among}" + ("" if db.is_sqlite else " FOR UPDATE"), args)


class _BatchWork:
    """The records of one batch, applied inside the batch's transaction."""

    def __init__(self, db: Database, ingest: Ingest, conn: Connection, desk_id: str,
                 batch_id: str, received_at: str) -> None:
        self.st, self.ingest, self.conn, self.desk_id = db, ingest, conn, desk_id
        self.batch_id, self.at = batch_id, received_at
        self.results: list[dict[str, Any] | None] = []
        self.flagged = 0  # duplicate applications across desks flagged (issue 23)
        self.latest: str | EllipsisType | None = ...  # the catalog version (not yet read)

    def _result(self, i: int, raw: Any, result: str, reason: str = "",
                received_at: str | None = None) -> None:
        rec = raw if isinstance(raw, dict) else {}
        rid, rev = rec.get("id"), rec.get("revision")
        self.results[i] = {
            "index": i, "id": rid if isinstance(rid, int) else None,
            "case_uuid": str(rec.get("case_uuid"))[:64] if rec.get("case_uuid") else None,
            "revision": rev if isinstance(rev, int) else None,
            "result": result, "reason": reason, "received_at": received_at}

    def run(self, records: Sequence[Any], prep: PreparedBatch) -> list[dict[str, Any]]:
        self.results = [None] * len(records)
        self.bodies, self.ahead = prep.bodies, prep.residents
        for i, reason in prep.rejected.items():
            self._result(i, records[i], "rejected", reason)
        apply_ratings(self, records, prep.ratings, self._cases(records, prep.cases))
        apply_matters(self, records, prep.matters)
        refused = [r for r in self.results if r and r["result"] in ("rejected", "conflict")]
        if refused:
            self.conn.execute(rejections.insert(), [
                {"batch_id": self.batch_id, "desk_id": self.desk_id, "idx": r["index"],
                 "kind": (records[r["index"]] or {}).get("kind")
                 if isinstance(records[r["index"]], dict) else None,
                 "case_uuid": r["case_uuid"], "revision": r["revision"], "result": r["result"],
                 "reason": r["reason"], "at": self.at} for r in refused])
        return [r for r in self.results if r is not None]

    def _cases(self, records: Sequence[Any],
               case_in: list[tuple[int, P.Record, P.CasePayload, str, str]]) -> set[str]:
        """Apply case records; returns the UUIDs known to the district afterwards."""
        conn = self.conn
        first: dict[tuple[str, int], tuple[int, str]] = {}
        todo: list[tuple[int, P.Record, P.CasePayload, str, str]] = []
        for i, rec, cp, h, u in case_in:
            key = (u, rec.revision)
            if key in first:  # the same revision twice in one batch
                same = first[key][1] == h
                self._result(i, records[i], "duplicate" if same else "conflict",
                             "" if same else "同一案件同一版本在本批次中内容不同", self.at)
                continue
            first[key] = (i, h)
            todo.append((i, rec, cp, h, u))
        uuids = sorted({u for *_, u in todo})
        if not uuids:
            return set()
        existing_rev, sent_before, existing_case = self._known(uuids)
        fresh: list[tuple[int, P.Record, P.CasePayload, str, str]] = []
        for i, rec, cp, h, u in todo:
            key = (u, rec.revision)
            known = existing_case.get(u)
            if known is not None and known.desk_id != self.desk_id:
                # another desk's case: refused before anything about it is compared, with a
                # reason that says nothing about it
                self._result(i, records[i], "rejected", NOT_THIS_DESKS_CASE)
                continue
            if key in existing_rev:
                self._same_or_conflict(i, records[i], h, *existing_rev[key])
                continue
            if known is not None and cp.receipt_no != known.receipt_no:
                # a receipt number is the case's for good: a later revision that changes it
                # would take a number another case may hold (sync.district.desk_codes)
                self._result(i, records[i], "rejected",
                             RECEIPT_CHANGED.format(old=known.receipt_no, new=cp.receipt_no))
                continue
            if known is not None and known.district_status in P.CLOSED_STATUSES:
                word = "已办结" if known.district_status == "completed" else "已不予办理"
                self._result(i, records[i], "rejected",
                             f"区级{word}，办事点的修改不再接受；如需变更请联系区级")
                continue
            fresh.append((i, rec, cp, h, u))
        # a new case's receipt number is its own district-wide (sync.district.desk_codes)
        taken = claim_receipts(self.st, conn, [(u, cp.receipt_no) for _i, _r, cp, _h, u in fresh
                                               if u not in existing_case])
        if taken:
            for i, _rec, _cp, _h, u in fresh:
                if u in taken:
                    self._result(i, records[i], "rejected", taken[u])
            fresh = [t for t in fresh if t[4] not in taken]
        if fresh:
            lost = self._insert_revisions(fresh)
            newest: dict[str, tuple[P.Record, P.CasePayload]] = {}
            for i, rec, cp, h, u in fresh:
                key = (u, rec.revision)
                if key in lost:  # lost a race to a concurrent batch: decide by it
                    if lost[key][2] != self.desk_id:  # ... of another desk: say nothing
                        self._result(i, records[i], "rejected", NOT_THIS_DESKS_CASE)
                    else:
                        self._same_or_conflict(i, records[i], h, *lost[key][:2])
                    continue
                self._result(i, records[i], "accepted", received_at=self.at)
                if u not in newest or newest[u][0].revision < rec.revision:
                    newest[u] = (rec, cp)
            if newest:
                self._store(newest, {(u, rec.revision) for _i, rec, _cp, _h, u in fresh
                                     if (u, rec.revision) not in lost},
                            existing_case, sent_before)
        return ({u for u, r in existing_case.items() if r.desk_id == self.desk_id}
                | {u for *_, u in fresh})

    def _known(self, uuids: list[str]) -> tuple[dict[tuple[str, int], tuple[str, str]],
                                                 set[str], dict[str, Any]]:
        """What the district holds of these cases: (case, revision) → (hash, received at);
        the cases among them this desk had sent; case → its row (locked on PostgreSQL).
        Revisions are read only for the cases that have a row — a revision is only ever
        written with its case's row, and neither is deleted — so a morning's new cases cost
        one read, not two (PostgreSQL: 4 ms of its work per batch of 500)."""
        revs: dict[tuple[str, int], tuple[str, str]] = {}
        sent_before: set[str] = set()
        rows = {r.uuid: r for r in self.conn.exec_driver_sql(*known_cases_sql(self.st, uuids))}
        if not rows:  # a case's revisions are written with its row (one transaction): none
            return revs, sent_before, rows
        among, args = self.st.among(sorted(rows))  # (the batch's new cases: not asked)
        for r in self.conn.exec_driver_sql(
                "SELECT case_uuid, revision, content_hash, received_at, desk_id "
                f"FROM case_revisions WHERE case_uuid {among}", args):
            revs[(r.case_uuid, r.revision)] = (r.content_hash, r.received_at)
            if r.desk_id == self.desk_id:
                sent_before.add(r.case_uuid)
        return revs, sent_before, rows

    def _store(self, newest: dict[str, tuple[P.Record, P.CasePayload]],
               inserted: set[tuple[str, int]], existing_case: dict[str, Any],
               sent_before: set[str]) -> None:
        """The cases' rows at their newest revision, and what follows from new ones."""
        # the catalog version published last, read once for the batch (the items' rules
        # and the bundles: one statement, not two)
        self.latest = latest_version(self.conn)
        found = residents(self.st, self.conn, ((u, cp) for u, (_, cp) in newest.items()),
                          self.ahead, self.latest)
        uuids = [u for u, (_, cp) in newest.items()  # newer than stored
                 if u not in existing_case or cp.revision > existing_case[u].revision]
        stored = [(u, newest[u][1]) for u in uuids]
        others = others_ahead(self.st, self.conn, self.at, stored, found)  # (issue 23)
        made = self._upsert_cases(newest, found, existing_case)
        # issue 21: the 办事点 page's cases-sent count, in this transaction: what _known
        # read, and the rows this batch made are new cases (SQLite: one writer, so that is
        # all; PostgreSQL: a row another batch made meanwhile is read here)
        firsts = [newest[u][1].receipt_no for u, r in inserted if r == 1 and u in newest]
        count_sent(self.conn, self.desk_id, inserted, sent_before, self.batch_id,
                   {u for u in newest if u not in existing_case and u not in made},
                   (self.at, max(firsts)) if firsts else None)
        # issue 24: a desk date offline work cannot explain is flagged for review
        flag_desk_dates(self.st, self.conn, self.desk_id, self.batch_id, self.at,
                        [cp for u, (_, cp) in newest.items() if u not in existing_case])
        self._fan_out([cp for _u, cp in stored])
        # issue 23: the same resident and item at another desk, within the window
        self.flagged += flag_duplicates(self.st, self.conn, self.desk_id, self.at, stored,
                                        found, others)

    def _insert_revisions(self, fresh: list[tuple[int, P.Record, P.CasePayload, str, str]]
                          ) -> dict[tuple[str, int], tuple[str, str, str]]:
        """Insert new revisions in one statement straight to the driver (no per-row
        statement building in Python: :meth:`Database.insert_rows`). The primary key decides: a revision a concurrent batch
        committed first is left alone and returned, ``(uuid, revision) → (hash, at, desk)``."""
        done = self.st.insert_rows(self.conn, "case_revisions", _REVISION_COLS, [
            (u, rec.revision, h, self.desk_id, self.batch_id, self.at, self.bodies[i])
            for i, rec, _, h, u in fresh], "ON CONFLICT (case_uuid, revision) DO NOTHING",
            fresh=True)  # (none of them was found by _known)
        if done == len(fresh):
            return {}
        # some rows were there already (or the driver did not count): ask which are ours
        keys = {(u, rec.revision) for _, rec, _, _, u in fresh}
        lost = {}
        for r in self.conn.execute(select(
                case_revisions.c.case_uuid, case_revisions.c.revision,
                case_revisions.c.content_hash, case_revisions.c.received_at,
                case_revisions.c.batch_id, case_revisions.c.desk_id).where(
                case_revisions.c.case_uuid.in_(sorted({k[0] for k in keys})))):
            if (r.case_uuid, r.revision) in keys and r.batch_id != self.batch_id:
                lost[(r.case_uuid, r.revision)] = (r.content_hash, r.received_at, r.desk_id)
        return lost

    def _same_or_conflict(self, i: int, raw: Any, h: str, stored_hash: str,
                          stored_at: str) -> None:
        if stored_hash == h:
            self._result(i, raw, "duplicate", received_at=stored_at)
        else:
            self._result(i, raw, "conflict",
                         "区级已有该案件同一版本的不同内容（冲突），未覆盖；请核对后重新保存",
                         stored_at)

    def _upsert_cases(self, newest: dict[str, tuple[P.Record, P.CasePayload]],
                      found: dict[str, tuple[str, str, str, str]],
                      existing_case: dict[str, Any]) -> set[str]:
        """Insert new cases and move known ones to their newest revision (never back),
        straight to the driver (:meth:`Database.insert_rows`). The district's own columns
        (status, note, first receive time) are kept; ``found``: residents. Returns the
        cases whose row this batch made. SQLite: one statement (one writer: the cases
        :meth:`_known` did not find). PostgreSQL: those cases inserted first, each row made
        returned; a row another batch made meanwhile (the insert waits for it) is moved to
        its newest revision with the known ones by a second statement."""
        at, desk_id, batch_id, none = self.at, self.desk_id, self.batch_id, (None,) * 3
        rows = [(u, desk_id, cp.desk_code, cp.receipt_no, cp.item_code, cp.item_name,
                 cp.department, cp.catalog_version, cp.status, cp.revision, cp.applicant_name,
                 cp.created_at, cp.updated_at, at, at, "received", "", batch_id,
                 1 if cp.priority else 0, *found.get(u, none)[:3])
                for u, (_rec, cp) in newest.items()]
        if self.st.is_sqlite:
            self.st.insert_rows(self.conn, "cases", _CASE_INSERT_COLS, rows, _UPSERT_CASES)
            return {u for u in newest if u not in existing_case}
        new = [r for r in rows if r[0] not in existing_case]
        if len(new) >= COPY_FROM and self.st.copy_rows(self.conn, "cases", _CASE_INSERT_COLS, new):
            made = {r[0] for r in new}  # copied (no other batch had made one of them)
        else:
            made = {r[0] for r in self.st.insert_returning(
                self.conn, "cases", _CASE_INSERT_COLS, new,
                "ON CONFLICT (uuid) DO NOTHING RETURNING uuid")}
        rest = [r for r in rows if r[0] not in made]
        if rest:
            self.st.insert_rows(self.conn, "cases", _CASE_INSERT_COLS, rest, _UPSERT_CASES)
        return made

    def _fan_out(self, stored: list[P.CasePayload]) -> None:
        """Route each bundle (一件事) case to the member items handling the services its
        resident chose (the ``services`` field), one pending route each; alternatives not
        chosen get no route. A newer revision that drops a service removes its route while
        no department has acted on it yet."""
        bundles = self.ingest.bundle_members(self.conn, self.latest)
        rows = []
        for cp in stored:
            b = bundles.get(cp.item_code)
            if b is None:
                continue
            chosen = b.routes_for(cp)
            u = str(cp.uuid)
            rows += [{"case_uuid": u, "item_code": code, "item_name": name,
                      "department": dept, "status": "pending", "note": "",
                      "updated_at": self.at} for code, name, dept in chosen]
            self.conn.execute(sa_delete(case_routes).where(
                case_routes.c.case_uuid == u, case_routes.c.status == "pending",
                case_routes.c.item_code.not_in([c for c, _, _ in chosen])))
        if rows:
            self.conn.execute(self.st.dialect_insert(case_routes).on_conflict_do_nothing(), rows)
