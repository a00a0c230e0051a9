"""Sync for one desk: enroll, push the outbox until empty, pull changes until current.

Used by ``doorstep-desk enroll`` / ``doorstep-desk sync`` and by the window's background
helper (pass ``progress`` to hear after every batch). Nothing here blocks the worker's flow:
cases are saved locally first, and a failed round leaves everything in place for the next.

State kept in the desk store's meta table:

- ``desk_id``, ``desk_secret``, ``server_url``, ``enrolled_at`` — from enrollment (the
  secret is never logged, printed or put in a summary);
- ``receipt_key`` — 32 random bytes (hex) the desk signs receipts with, sent at enrollment
  so the district can verify receipts;
- ``sync_cursor`` — the last change seq applied; ``sync_inflight`` — the batch id and outbox
  ids of a push not yet acknowledged, resent under the same batch id after any interruption;
- ``clock_offset`` — server clock minus desk clock (seconds); ``last_sync`` — the time of the
  last complete round.
"""

from __future__ import annotations

import gc
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from sync import protocol as P
from sync import reasons
from sync.client import attachments, reconcile, updates
from sync.client.errors import AuthError, ConflictError, NetworkError, ServerError, SyncError
from sync.client.handover import take_handover
from sync.client.http import DistrictClient, batch_body

if TYPE_CHECKING:
    from desk.core.app import DeskContext
    from desk.core.store import Store

log = logging.getLogger(__name__)
BATCH_SIZE = 500
WINDOW = 2  # batches in flight at once (see push_outbox)
PULL_LIMIT = 500
Progress = Callable[[dict[str, Any]], None]


def enroll_desk(ctx: DeskContext, server_url: str, code: str, *,
                client: DistrictClient | None = None) -> dict[str, Any]:
    """Enroll this desk with the district using a one-time code.

    Stores the desk id and secret, adopts the desk code the district issued the code for,
    and returns ``{"desk_id", "desk_code", "name", "server_url", "enrolled_at"}``.
    Raises a :class:`~sync.client.errors.SyncError` on failure.
    """
    server_url = server_url.rstrip("/")
    store = ctx.store
    req = P.EnrollRequest(code=code.strip(), desk_code=ctx.settings.desk_code,
                          desk_name=ctx.settings.desk_name, receipt_key=store.receipt_key("登记未完成"),
                          client_version=_client_version(),
                          previous_desk_id=store.get_meta("desk_id") or "")
    own = client is None
    c = client or DistrictClient(server_url)
    try:
        resp = c.enroll(req)
    finally:
        if own:
            c.close()
    values = {"desk_id": resp.desk_id, "desk_secret": resp.desk_secret,
              "server_url": server_url, "enrolled_at": resp.enrolled_at,
              "district_desk_code": resp.desk_code,
              "release_key": resp.release_key, "release_offer": "",  # issue 19: pinned here
              "public_url": resp.public_url or server_url}  # issue 18: receipts' QR codes
    if resp.replaces and resp.replaces != req.previous_desk_id:
        # a replacement laptop: the old desk's work comes down at the first sync (the same
        # laptop enrolled again already holds its own)
        values["handover_pending"] = resp.desk_id
    if store.get_meta("server_url") not in (None, server_url):
        values.update(sync_cursor="0", sync_inflight="",  # another district: start over
                      district_id="", district_epoch_id="", district_epoch="",
                      confirmed_epoch="", confirmed_upto="0", status_report_due="")
    store.set_meta_many(values)
    if c.server_seen is not None:
        store.clock.record_district_time(_utc_iso(c.server_seen))
    ctx.settings.server_url = server_url
    ctx.settings.desk_code = resp.desk_code
    if not ctx.settings.desk_name:
        ctx.settings.desk_name = resp.name
    ctx.save_settings()
    return {"desk_id": resp.desk_id, "desk_code": resp.desk_code, "name": resp.name,
            "server_url": server_url, "enrolled_at": resp.enrolled_at}


@contextmanager
def old_objects_left_alone() -> Iterator[None]:
    """While a sync round runs, Python's cyclic garbage collector looks only at the objects
    made during it (``gc.freeze`` before, ``gc.unfreeze`` after): a round allocates
    thousands of records a batch, and every so often that set off a collection of the
    oldest generation — the whole heap, the desk's window, catalog and all, walked for
    nothing the round made (one desk's 10,000 cases: 78–89 ms of a 0.78 s round, issue 20).
    The objects made meanwhile are collected as usual; the old ones wait for the next
    collection after the round. (In a process that froze its objects already — a district
    server's, say — nothing changes: one unfreeze would thaw them all.)"""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _utc_iso(epoch: float) -> str:
    """The district's clock as an ISO UTC stamp (the desk's ``district_time``)."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def _client_version() -> str:
    try:
        from desk import __version__

        return str(__version__)
    except ImportError:  # pragma: no cover
        return ""


def client_for(ctx: DeskContext, server: str | None = None, **kw: Any) -> DistrictClient:
    """A signed client for this desk (``server`` overrides the enrolled address)."""
    store = ctx.store
    url = server or store.get_meta("server_url") or ctx.settings.server_url
    if not url:
        raise AuthError("尚未设置区级服务器地址，请先注册（doorstep-desk enroll）",
                        code="not_enrolled")
    try:
        offset = float(store.get_meta("clock_offset") or 0.0)
    except ValueError:
        offset = 0.0
    return DistrictClient(url, desk_id=store.get_meta("desk_id"),
                          secret=store.get_meta("desk_secret"), clock_offset=offset, **kw)


def sync_desk(ctx: DeskContext, server: str | None = None, *, client: DistrictClient | None = None,
              batch_size: int = BATCH_SIZE, progress: Progress | None = None) -> dict[str, Any]:
    """One full round: push the outbox until empty, then pull changes until current.

    Never raises for sync failures: the summary says what happened. Keys: ``pushed``
    (records sent, resends included), ``accepted``, ``duplicates``, ``conflicts``,
    ``rejected``, ``pulled`` (new changes applied), ``batches``, ``pending`` (outbox entries
    still waiting), ``set_aside`` (rejected/conflicting entries awaiting the worker),
    ``cursor``, ``server``, ``error`` (None or ``{"kind", "code", "status", "message"}``),
    ``promise_updates`` (promised dates an arrived holiday arrangement moved: see
    :func:`recalendar`),
    the attachment lane's keys (:mod:`sync.client.attachments`: ``attachments_sent``,
    ``attachments_bytes``, ``attachments_waiting``, ``attachments_rejected``,
    ``attachments_error``, ``attachments_quota`` — pages go up after the records and never
    fail the round; the district's daily cap holds them back, queued, till its next day),
    the agreement check's keys (:mod:`sync.client.reconcile`: ``resent``, ``epoch_changed``,
    ``agreed``, ``district_epoch``, ``unrecoverable``, ``decisions_reported``) and
    ``complete`` — true only when the outbox has nothing pending, the pull is current and
    the district holds every record it acknowledged (both sides agree).
    """
    summary: dict[str, Any] = {"pushed": 0, "accepted": 0, "duplicates": 0, "conflicts": 0,
                               "rejected": 0, "pulled": 0, "batches": 0, "pending": 0,
                               "set_aside": 0, "cursor": None, "server": None,
                               "catalog_version": None, "error": None, "complete": False,
                               "promise_updates": [], "release": None,
                               **reconcile.new_keys(), **attachments.new_keys()}
    store = ctx.store
    own = client is None
    current = False
    c: DistrictClient | None = None
    with old_objects_left_alone():
        try:
            c = client or client_for(ctx, server)
            summary["server"] = c.base_url
            take_handover(ctx, c, summary)  # a replacement laptop: the old desk's work (once)
            for _round in range(2):  # a second round only when the district's epoch changed
                reconcile.begin(store, c, summary)  # issue 22: its epoch, what it lost
                push_outbox(store, c, summary, batch_size=batch_size, progress=progress)
                current = pull_changes(ctx, c, summary, progress=progress)
                if recalendar(ctx, summary):  # promises an arrived holiday arrangement moved
                    push_outbox(store, c, summary, batch_size=batch_size, progress=progress)
                reconcile.report_lost_decisions(store, c, summary)
                if reconcile.finish(store, c, summary, partial(
                        push_outbox, store, c, summary, batch_size=batch_size, progress=progress)):
                    break
                current = False
            # issue 17: photos and scans after the records (their own lane; never fails the round)
            attachments.upload_attachments(store, c, summary, progress=progress)
            send_proactive_outcomes(store, c, summary)  # issue 18: the list's answers
            updates.check_release(ctx, c, summary)  # issue 19: a newer desk? (never fails)
        except SyncError as exc:
            summary["error"] = exc.as_dict()
        finally:
            if c is not None:
                store.set_meta("clock_offset", f"{c.clock_offset:.3f}")
                if c.server_seen is not None:  # the desk's dates never go back before it
                    store.clock.record_district_time(_utc_iso(c.server_seen))
                if own:
                    c.close()
    counts = store.sync.outbox_counts()
    summary["attachments_waiting"] = store.attachments.attachment_counts()["waiting"]
    summary["pending"] = counts.get("pending", 0)
    summary["set_aside"] = counts.get("rejected", 0) + counts.get("conflict", 0)
    summary["cursor"] = store.get_meta("sync_cursor") or "0"
    summary["catalog_version"] = ctx.catalog.version
    summary["complete"] = (summary["error"] is None and current and summary["pending"] == 0
                           and summary["agreed"] is not False)
    if summary["complete"]:
        store.set_meta("last_sync", P.utc_now())
    return summary


def send_proactive_outcomes(store: Store, c: DistrictClient, summary: dict[str, Any]) -> None:
    """Send the worker's answers for the proactive list (``proactive_sent``; an answer the
    district rejects is counted in ``proactive_rejected`` and not sent again)."""
    summary.setdefault("proactive_sent", 0)
    summary.setdefault("proactive_rejected", 0)
    answers = store.proactive.unsent_proactive_outcomes()
    for i in range(0, len(answers), 500):
        part = answers[i:i + 500]
        resp = c.proactive_outcomes(P.ProactiveOutcomesRequest(
            outcomes=[P.ProactiveOutcome.model_validate(a) for a in part]))
        store.proactive.mark_proactive_sent(part)
        summary["proactive_sent"] += sum(r.result == "accepted" for r in resp.results)
        summary["proactive_rejected"] += sum(r.result == "rejected" for r in resp.results)


def recalendar(ctx: DeskContext, summary: dict[str, Any]) -> bool:
    """Recompute the promises counted across a year whose official holiday arrangement
    arrived (the desk's ``ctx.recompute_promises``, :mod:`desk.core.recalendar`); their
    lines go to ``summary["promise_updates"]`` (each ``{"case_uuid", "receipt_no",
    "item_name", "field", "old", "new", "message"}``). True when a case changed (its new
    revision waits in the outbox)."""
    hook = getattr(ctx, "recompute_promises", None)
    lines: list[dict[str, Any]] = hook() if hook is not None else []
    summary["promise_updates"].extend(lines)
    return bool(lines)


def _records(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # the payload stays the JSON text the store holds (sent as it is, never re-encoded)
    return [{"id": e["id"], "kind": e["kind"], "case_uuid": e["case_uuid"],
             "revision": e["revision"], "payload_json": e["payload_json"]} for e in entries]


@dataclass
class _Batch:
    batch_id: str
    records: list[dict[str, Any]]
    body: tuple[bytes, dict[str, str]] | None = None  # built once, by the thread sending it

    @cached_property
    def ids(self) -> list[int]:
        return [r["id"] for r in self.records]

    @cached_property
    def about(self) -> frozenset[str]:
        """The cases and matters its records are about (a 办不成事 matter's case too)."""
        keys = {str(r["case_uuid"]) for r in self.records}
        for r in self.records:
            if r["kind"] == "matter":
                case = json.loads(r["payload_json"]).get("from_case")
                if case:
                    keys.add(str(case))
        return frozenset(keys)

    def prepared(self, desk_id: str) -> tuple[bytes, dict[str, str]]:
        if self.body is None:
            self.body = batch_body(desk_id, self.batch_id, self.records)
        return self.body


def _inflight_note(batches: list[_Batch]) -> str:
    return json.dumps([{"batch_id": b.batch_id, "ids": b.ids} for b in batches]) \
        if batches else ""


def _save_inflight(store: Store, batches: list[_Batch]) -> None:
    store.set_meta("sync_inflight", _inflight_note(batches))


def _load_inflight(store: Store) -> list[_Batch]:
    """Batches sent (or about to be) before an interruption, still wholly pending — none
    when an entry before or between them is pending again: the district lost records
    (restored from a backup) and :mod:`sync.client.reconcile` queued them again, or a
    refused revision is offered once more. The noted batches would overtake them (a rating
    its case, a revision the one before it): everything goes up in outbox order, in new
    batches (the district recognises whatever of them it already holds)."""
    raw = json.loads(store.get_meta("sync_inflight") or "null") or []
    if isinstance(raw, dict):  # one batch (older layout)
        raw = [raw]
    out = []
    for b in raw:
        entries = store.sync.outbox_entries(b["ids"], raw=True)
        if len(entries) == len(b["ids"]) and all(e["state"] == "pending" for e in entries):
            out.append(_Batch(b["batch_id"], _records(entries)))
    noted = [i for b in out for i in b.ids]
    if noted and store.sync.pending_upto(max(noted)) != len(noted):
        return []
    return out


def push_outbox(store: Store, client: DistrictClient, summary: dict[str, Any], *,
                batch_size: int = BATCH_SIZE, progress: Progress | None = None) -> None:
    """Push pending outbox entries in batches until none is left (raises SyncError).

    Up to two batches are in flight at once (``WINDOW``): the next is sent while the
    district still works on the one before it, unless one of its records is about a case
    or matter a batch in flight has a record about (:attr:`_Batch.about`: a rating never
    overtakes its case, nor a revision the one before it) — then it waits for that answer.
    The district so always has the next batch at hand rather than waiting for the desk
    between batches (issue 20). While the district works, the desk records the answer that
    came (answers are recorded in outbox order) and reads the next batch; each batch's body
    (JSON text, gzip, signature) is built by the thread that sends it, beside the recording
    (gzip and SQLite leave Python's lock while they work: one desk's 10,000 cases, three
    alternating pairs, ~4 % less time than with the bodies built between recordings). The first batch is
    sent as soon as it is read and noted, the ones after it read while the district works
    on it. A batch is resent under its own id after any interruption
    (``sync_inflight``): each batch is in that note, committed, before it is sent; the note
    of the batches after an answered one is written with that answer's results (one commit
    per batch).
    """
    queue = _load_inflight(store)
    _fill(store, queue, batch_size, upto=1)  # the first is sent before the next are read
    _save_inflight(store, queue)  # (also clears the note of a push that has finished)
    if not queue:
        return
    conflicts_seen = 0
    flying: list[Future[P.BatchResponse]] = []  # the answers of queue[0], queue[1], ...

    def launch() -> None:  # send the next noted batches the window and their cases allow
        while len(flying) < min(WINDOW, len(queue)):
            nxt = queue[len(flying)]
            if any(nxt.about & b.about for b in queue[:len(flying)]):
                return
            flying.append(pool.submit(_send, client, nxt))

    with ThreadPoolExecutor(max_workers=WINDOW, thread_name_prefix="sync-push") as pool:
        launch()
        if _fill(store, queue, batch_size):  # read while the district works on the first
            _save_inflight(store, queue)
            launch()
        while True:
            try:
                resp = flying[0].result()
            except (NetworkError, ServerError) as exc:
                store.sync.note_outbox_attempt(queue[0].ids, exc.message)
                raise
            except ConflictError as exc:
                if exc.code != P.ERR_BATCH_CONFLICT or conflicts_seen >= 3:
                    raise
                conflicts_seen += 1  # our batch id is taken by other content: use a new one
                queue[0] = _Batch(str(uuid.uuid4()), queue[0].records)
                _save_inflight(store, queue)
                flying[0] = pool.submit(_send, client, queue[0])
                continue
            done = queue.pop(0)
            flying.pop(0)
            if queue:
                launch()  # those in the note already: sent before this answer is recorded
                _fill(store, queue, batch_size)  # and the one after them, noted with it
                _record(store, done, resp, summary, queue)
                launch()
            else:
                _record(store, done, resp, summary, queue)  # (the note cleared with them)
                if _fill(store, queue, batch_size):  # queued meanwhile, or set back to pending
                    _save_inflight(store, queue)
                    launch()
            if progress is not None:
                progress(dict(summary, stage="push"))
            if not queue:
                return


def _fill(store: Store, queue: list[_Batch], batch_size: int, upto: int = WINDOW + 1) -> bool:
    """Read batches until ``queue`` holds ``upto`` (by default ``WINDOW`` + 1: those in
    flight and the next), each of the pending entries after the last one queued; whether
    any was added."""
    added = False
    while len(queue) < upto:
        nxt = _next_batch(store, batch_size, after=max(queue[-1].ids) if queue else 0)
        if nxt is None:
            break
        queue.append(nxt)
        added = True
    return added


def _next_batch(store: Store, batch_size: int, after: int = 0) -> _Batch | None:
    """The next batch: pending entries with ids above ``after`` (those of the batch in
    flight), oldest first."""
    entries = store.sync.pending_outbox(batch_size, after=after, raw=True)
    return _Batch(str(uuid.uuid4()), _records(entries)) if entries else None


def _send(client: DistrictClient, batch: _Batch) -> P.BatchResponse:
    return client.push_body(batch.prepared(client.desk_id or ""))


def _record(store: Store, batch: _Batch, resp: P.BatchResponse, summary: dict[str, Any],
            inflight: list[_Batch]) -> None:
    """Mark ``batch``'s entries with the district's answer and note the batches still in
    flight (``inflight``), in one transaction."""
    records = batch.records
    results = []
    for r in resp.results:
        if not 0 <= r.index < len(records) or (r.id is not None and
                                               r.id != records[r.index]["id"]):
            raise SyncError("区级系统的应答与所发批次不符", code="bad_answer")
        reason = reasons.for_worker(r.reason)
        if reason != r.reason:  # an older district's technical text: the log keeps it
            log.warning("district refused outbox entry %s: %s", records[r.index]["id"],
                        r.reason)
        results.append({"id": records[r.index]["id"], "result": r.result,
                        "reason": reason, "received_at": r.received_at})
    if len(results) != len(records):
        raise SyncError("区级系统的应答缺少部分记录的结果", code="bad_answer")
    store.sync.mark_outbox(results, batch.batch_id,
                           meta={"sync_inflight": _inflight_note(inflight)})
    summary["batches"] += 1
    summary["pushed"] += len(records)
    for res in results:
        key = {"accepted": "accepted", "duplicate": "duplicates", "conflict": "conflicts",
               "rejected": "rejected"}[res["result"]]
        summary[key] += 1


def pull_changes(ctx: DeskContext, client: DistrictClient, summary: dict[str, Any], *,
                 limit: int = PULL_LIMIT, progress: Progress | None = None) -> bool:
    """Pull and apply changes until current; True when current (raises SyncError)."""
    store = ctx.store
    try:
        since = int(store.get_meta("sync_cursor") or 0)
    except ValueError:
        since = 0
    catalog_changed = False
    while True:
        resp = client.changes(since, limit)
        if resp.changes or resp.cursor != str(since):
            changes = [ch.model_dump() for ch in resp.changes]
            summary["pulled"] += store.sync.apply_changes(changes, resp.cursor)
            catalog_changed |= any(ch["kind"] == "catalog" for ch in changes)
        since = int(resp.cursor)
        if progress is not None:
            progress(dict(summary, stage="pull"))
        if not resp.more:
            break
    if catalog_changed:
        ctx.reload_catalog()
    return True
