"""The store's side of sync: the outbox, set-aside entries and district changes
(``store.sync``).

Every change at the desk queues an outbox entry in its own transaction — a new case or
matter just after it (:meth:`Sync.queue_waiting`, :mod:`desk.core.store_queue`);
``sync.client`` pushes pending entries, marks their results, and applies the changes it
pulls from the district together with the new cursor, each in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Sequence
from typing import Any, TypeVar

from desk.core.store_base import Part, StoreBase, in_parts, now_iso
from desk.core.store_calendar import Calendar
from desk.core.store_matters import Matters
from desk.core.store_queue import any_waiting, queue_waiting_cases, waiting_cases

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def _alike(pairs: Iterable[tuple[K, T]]) -> dict[K, list[T]]:
    """The values of ``pairs`` grouped by their keys, in the order they came."""
    out: dict[K, list[T]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def _same_change(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """The same district change (fields a newer protocol added count as absent)."""
    return all((a.get(k) or None) == (b.get(k) or None)
               for k in ("status", "note", "department", "item_code", "catalog_version"))


class Sync(Part):
    """``store.sync``: the outbox, set-aside entries and the district's changes (used by
    ``sync.client``); pulled matter changes and holiday arrangements are kept through the
    ``matters`` and ``calendar`` parts, in the pull's transaction."""

    def __init__(self, core: StoreBase, matters: Matters, calendar: Calendar) -> None:
        super().__init__(core)
        self._matters = matters
        self._calendar = calendar

    def queue_waiting(self) -> int:
        """Give the cases, then the matters, saved since the last call their outbox entries
        (:func:`desk.core.store_queue.queue_waiting_cases`, :meth:`Matters.queue_waiting`);
        how many. The window's tidy after each save runs it, and sync before it reads."""
        with self._core.reading() as c:
            waiting = any_waiting(c)
        queued = 0
        if waiting:
            with self.transaction("案件未排入同步") as c:
                queued = queue_waiting_cases(c)
        return queued + self._matters.queue_waiting()

    # -- outbox (used by sync) ------------------------------------------------------------

    def pending_outbox(self, limit: int = 200, *, after: int = 0,
                       raw: bool = False) -> list[dict[str, Any]]:
        """Oldest pending outbox entries (with an id above ``after``), each with its payload
        decoded — or, with ``raw``, its ``payload_json`` text as stored (sync sends it as
        it is). Cases and matters saved since the last tidy are queued first
        (:meth:`queue_waiting`)."""
        self.queue_waiting()
        rows = self._read("SELECT o.id, kind, case_uuid, revision, payload_json, attempts "
                          "FROM outbox o JOIN outbox_payloads p ON p.id = o.id "
                          "WHERE state = 'pending' AND o.id > ? ORDER BY o.id LIMIT ?",
                          [after, limit])
        if not raw:
            for r in rows:
                r["payload"] = json.loads(r.pop("payload_json"))
        return rows

    def pending_upto(self, top: int) -> int:
        """How many outbox entries with an id up to ``top`` are pending."""
        return int(self._read("SELECT count(*) AS n FROM outbox WHERE state = 'pending' "
                              "AND id <= ?", [top])[0]["n"])

    def outbox_counts(self) -> dict[str, int]:
        """Outbox entries by state; cases and matters saved and not yet queued count as
        pending."""
        counts = {r["state"]: int(r["n"]) for r in
                  self._read("SELECT state, count(*) AS n FROM outbox GROUP BY state")}
        with self._core.reading() as c:
            waiting = waiting_cases(c)
        waiting += self._matters.waiting_count()
        if waiting:
            counts["pending"] = counts.get("pending", 0) + waiting
        return counts

    def mark_outbox(self, results: Sequence[dict[str, Any]], batch_id: str,
                    meta: dict[str, str] | None = None) -> None:
        """Apply per-entry push results in one transaction.

        Each result: ``{"id": outbox id, "result": accepted|duplicate|conflict|rejected,
        "reason": str, "received_at": iso}``. Accepted and duplicate entries are done;
        conflicts and rejections are set aside with their reason, visible to the worker.
        A batch's results are applied with a few set-wise statements, not four per entry.
        ``meta``: values set in the same transaction (sync's note of the batches in flight:
        one commit per batch rather than two).
        """
        states = {"accepted": "sent", "duplicate": "sent", "conflict": "conflict",
                  "rejected": "rejected"}
        ids = [r["id"] for r in results]
        with self.transaction() as c:
            known: dict[int, tuple[str, str, int]] = {}
            for part in in_parts(ids):
                known.update((row[0], (row[1], row[2], row[3])) for row in c.execute(
                    "SELECT id, kind, case_uuid, revision FROM outbox WHERE id IN "
                    f"({', '.join('?' * len(part))})", part))
            done = now_iso()
            mine = [r for r in results if r["id"] in known]
            # entries with the same answer are marked by one statement (a whole batch
            # accepted: one, rather than one per entry — issue 20)
            for (state, reason), keys in _alike(
                    ((states[r["result"]], r.get("reason") or None), r["id"])
                    for r in mine).items():
                for part in in_parts(keys):
                    c.execute("UPDATE outbox SET state = ?, batch_id = ?, last_error = ?, "
                              "done_at = ?, attempts = attempts + 1 WHERE id IN "
                              f"({', '.join('?' * len(part))})",
                              [state, batch_id, reason, done, *part])
            case_uuids = sorted({known[r["id"]][1] for r in mine
                                 if known[r["id"]][0] == "case"})
            newest: dict[str, int] = {}
            for part in in_parts(case_uuids):
                newest.update(c.execute(
                    "SELECT case_uuid, max(revision) FROM outbox WHERE kind = 'case' AND "
                    f"case_uuid IN ({', '.join('?' * len(part))}) GROUP BY case_uuid", part))
            # only the newest revision decides the case's sync state
            decide = [r for r in mine if known[r["id"]][0] == "case"
                      and known[r["id"]][2] == newest.get(known[r["id"]][1])]
            for (state, reason, received), keys in _alike(
                    (("synced" if states[r["result"]] == "sent" else states[r["result"]],
                      r.get("reason") or None, r.get("received_at")), known[r["id"]][1])
                    for r in decide).items():
                for part in in_parts(keys):
                    c.execute("UPDATE cases SET sync_state = ?, sync_error = ?, "
                              "district_received_at = coalesce(?, district_received_at) "
                              f"WHERE uuid IN ({', '.join('?' * len(part))})",
                              [state, reason, received, *part])
            for r in decide:
                state = states[r["result"]]
                if state != "sent":
                    self._audit(c, "sync", f"sync.{state}", known[r["id"]][1],
                                {"revision": known[r["id"]][2], "reason": r.get("reason", "")})
            self._matters._mark_matter_results(c, known, mine, states)
            if meta:
                c.executemany("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) "
                              "DO UPDATE SET value = excluded.value", list(meta.items()))

    def note_outbox_attempt(self, ids: Sequence[int], error: str) -> None:
        """Count a failed attempt (network etc.) without changing state."""
        with self.transaction() as c:
            c.executemany("UPDATE outbox SET attempts = attempts + 1, last_error = ? "
                          "WHERE id = ?", [(error, i) for i in ids])

    def retry_set_aside(self, case_uuid: str) -> None:
        """Put a rejected/conflicting case back in the queue (after the worker fixed it)."""
        with self.transaction() as c:
            c.execute("UPDATE outbox SET state = 'pending' WHERE case_uuid = ? AND state IN "
                      "('rejected', 'conflict')", [case_uuid])
            c.execute("UPDATE cases SET sync_state = 'pending', sync_error = NULL "
                      "WHERE uuid = ?", [case_uuid])
            c.execute("UPDATE matters SET sync_state = 'pending', sync_error = NULL "
                      "WHERE uuid = ?", [case_uuid])

    def set_aside(self) -> list[dict[str, Any]]:
        """Rejected and conflicting outbox entries with their reasons."""
        # a matter's entry shows its number, category and resident (issue 15)
        return self._read("SELECT o.id, o.kind, o.case_uuid, o.revision, o.state, "
                          "o.last_error, coalesce(c.receipt_no, m.matter_no) AS receipt_no, "
                          "coalesce(c.item_name, m.category) AS item_name, "
                          "coalesce(c.applicant_name, m.resident_name) AS applicant_name "
                          "FROM outbox o LEFT JOIN cases c ON c.uuid = o.case_uuid "
                          "LEFT JOIN matters m ON o.kind = 'matter' AND m.uuid = o.case_uuid "
                          "WHERE o.state IN ('rejected', 'conflict') ORDER BY o.id")

    def outbox_entries(self, ids: Sequence[int], *, raw: bool = False) -> list[dict[str, Any]]:
        """Outbox entries by id in any state, oldest first, payload decoded (sync resume);
        with ``raw``, the ``payload_json`` text as stored."""
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        rows = self._read("SELECT o.id, kind, case_uuid, revision, payload_json, attempts, "
                          "state FROM outbox o JOIN outbox_payloads p ON p.id = o.id "
                          f"WHERE o.id IN ({marks}) ORDER BY o.id", list(ids))
        if not raw:
            for r in rows:
                r["payload"] = json.loads(r.pop("payload_json"))
        return rows

    # -- district changes (used by sync) ---------------------------------------------------

    def apply_changes(self, changes: Sequence[dict[str, Any]], cursor: str) -> int:
        """Apply pulled district changes and the new cursor in one transaction.

        Each change: ``{"seq": int, "kind": "status"|"catalog", "case_uuid": str|None,
        "status": str, "note": str, "department": str, "at": iso, "catalog": {...}}``.
        Changes already applied (same seq in the district's current epoch) are skipped. A
        change pulled again after the district was restored (the same change, already
        received in an earlier epoch) is recognised and changes nothing: a newer decision
        the desk holds is never replaced by an older one. Returns how many were new.
        """
        applied = 0
        with self.transaction() as c:
            row = c.execute("SELECT value FROM meta WHERE key = 'district_epoch_id'").fetchone()
            epoch = row[0] if row else ""
            for ch in changes:
                exists = c.execute("SELECT 1 FROM district_events WHERE epoch = ? AND seq = ?",
                                   [epoch, ch["seq"]]).fetchone()
                if exists:
                    continue
                body = {k: v for k, v in ch.items() if k not in ("seq", "catalog")}
                body_json, at = json.dumps(body, ensure_ascii=False), ch.get("at") or now_iso()
                known = next((  # issue 22: received before, in an earlier epoch
                    row for row in c.execute(
                        "SELECT id, body_json FROM district_events WHERE epoch != ? AND "
                        "kind = ? AND case_uuid IS ? AND at = ?",
                        [epoch, ch["kind"], ch.get("case_uuid"), at]).fetchall()
                    if _same_change(json.loads(row[1]), body)), None)
                if known:
                    c.execute("UPDATE district_events SET epoch = ?, seq = ? WHERE id = ?",
                              [epoch, ch["seq"], known[0]])
                    if ch["kind"] != "catalog":
                        continue
                    applied -= 1  # only its publish order is taken again
                else:
                    c.execute("INSERT INTO district_events(epoch, seq, case_uuid, kind, "
                              "body_json, at) VALUES (?,?,?,?,?,?)",
                              [epoch, ch["seq"], ch.get("case_uuid"), ch["kind"], body_json,
                               at])
                if ch["kind"] == "status" and ch.get("case_uuid"):
                    c.execute("UPDATE cases SET district_status = ?, district_note = ?, "
                              "district_department = coalesce(?, district_department), "
                              "district_updated_at = ? WHERE uuid = ?",
                              [ch.get("status"), ch.get("note") or None,
                               ch.get("department") or None, ch.get("at"), ch["case_uuid"]])
                elif ch["kind"] == "catalog" and ch.get("catalog"):
                    cat = ch["catalog"]
                    c.execute("INSERT INTO catalogs(version, body_json, received_at, seq) "
                              "VALUES (?,?,?,?) ON CONFLICT(version) DO UPDATE SET "
                              "seq = max(coalesce(seq, 0), excluded.seq)",
                              [cat["version"], json.dumps(cat, ensure_ascii=False), now_iso(),
                               ch["seq"]])
                elif ch["kind"] == "calendar" and ch.get("calendar"):
                    self._calendar._store_calendar(c, ch["seq"], ch["calendar"])
                elif ch["kind"] == "matter" and ch.get("case_uuid"):
                    self._matters._apply_matter_change(c, ch)
                elif ch["kind"] == "matter_config" and ch.get("matter_config"):
                    self._matters._store_matter_config(c, ch["seq"], ch["matter_config"])
                # kind "duplicate" (issue 23): a note on the case (kept in district_events,
                # read by duplicate_notes); the case's status is left alone
                applied += 1
            c.execute("INSERT INTO meta(key, value) VALUES ('sync_cursor', ?) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [cursor])
        return applied

    def case_routes(self, case_uuid: str) -> list[dict[str, Any]]:
        """A bundle (一件事) case's routes as the district last said (each member item's
        ``item_code``, ``item_name``, ``department``, ``status``, ``note``, ``at``), from
        the route changes pulled, in item-code order. Routes no department has acted on yet
        are not here (they are pending)."""
        latest: dict[str, dict[str, Any]] = {}
        for r in self._read("SELECT body_json FROM district_events WHERE case_uuid = ? AND "
                            "kind = 'route' ORDER BY rowid", [case_uuid]):
            body = json.loads(r["body_json"])
            code = str(body.get("item_code") or "")
            if code:
                latest[code] = {"item_code": code, "item_name": body.get("item_name") or code,
                                "department": body.get("department") or "",
                                "status": body.get("status") or "pending",
                                "note": body.get("note") or "", "at": body.get("at")}
        return [latest[k] for k in sorted(latest)]

    def duplicate_notes(self, case_uuid: str) -> list[dict[str, Any]]:
        """The district's notes that the case's resident applied for the same item at
        another desk (issue 23's ``duplicate`` changes): one per other application, as the
        district last said — ``state`` (flagged | cleared), ``note`` (the words for the
        worker), ``other_receipt_no``, ``other_desk``, ``other_date``, ``at``."""
        latest: dict[str, dict[str, Any]] = {}
        for r in self._read("SELECT body_json FROM district_events WHERE case_uuid = ? AND "
                            "kind = 'duplicate' ORDER BY seq, rowid", [case_uuid]):
            body = json.loads(r["body_json"])
            dup = body.get("duplicate") if isinstance(body.get("duplicate"), dict) else {}
            key = str(dup.get("other_receipt_no") or body.get("note") or "")
            latest[key] = {"state": str(body.get("status") or dup.get("state") or "flagged"),
                           "note": str(body.get("note") or ""),
                           "other_receipt_no": str(dup.get("other_receipt_no") or ""),
                           "other_desk": str(dup.get("other_desk") or ""),
                           "other_date": str(dup.get("other_date") or ""),
                           "at": body.get("at")}
        return list(latest.values())

    def duplicate_flagged(self, case_uuids: Sequence[str]) -> set[str]:
        """Which of the cases carry a duplicate-application note not cleared (the cases
        list marks them)."""
        out: set[str] = set()
        uuids = list(dict.fromkeys(case_uuids))
        for part in in_parts(uuids):
            rows = self._read("SELECT DISTINCT case_uuid FROM district_events WHERE kind = "
                              f"'duplicate' AND case_uuid IN ({','.join('?' * len(part))})",
                              part)
            out.update(u for u in (r["case_uuid"] for r in rows)
                       if any(n["state"] == "flagged" for n in self.duplicate_notes(u)))
        return out

    def latest_catalog(self) -> dict[str, Any] | None:
        """The catalog the district published last (by its publish sequence), or None."""
        rows = self._read("SELECT body_json FROM catalogs ORDER BY coalesce(seq, -1) DESC, "
                          "received_at DESC LIMIT 1")
        return json.loads(rows[0]["body_json"]) if rows else None

    def catalog_version(self, version: str) -> dict[str, Any] | None:
        """A stored catalog version, or None."""
        rows = self._read("SELECT body_json FROM catalogs WHERE version = ?", [version])
        return json.loads(rows[0]["body_json"]) if rows else None
