"""The store's side of resident matters (民情诉求, issue 15; ``store.matters``).

- ``matters`` — one row per matter: what the resident raised, where, the category and
  urgency, the owner (首问负责: the worker who recorded it, until a hand-over), the time
  limit and its deadline, the on-the-spot result and satisfaction, and what the district
  last said (``district_*``, from pulled changes);
- ``matter_handovers`` — every hand-over, in order (from, to, reason, who, when): passing a
  matter on never closes it;
- ``matter_configs`` — the district's categories, time limits and departments, one row per
  version pulled (the newest is the one pulled last).

A matter travels in the same outbox as cases (kind ``matter``, its uuid in ``case_uuid``),
one entry per revision: each hand-over and closing on the spot is one transaction with its
outbox and audit entries, so nothing is half-saved. Recording is one transaction with its
audit entry; its outbox entry (revision 1, made from the row) follows just after, in
:meth:`Matters.queue_waiting`, which everything that reads or extends the outbox calls
first — a save's commit is the tail a worker waits through (issue 15's save p99).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from desk.core.errors import ValidationFailed
from desk.core.store_base import Part, StoreBase, TableStamp, dumps_sorted, now_iso
from desk.core.store_matters_schema import MATTERS_QUEUED
from desk.core.store_queue import add_outbox_entry, queue_waiting_cases
from desk.core.store_reconcile import Reconcile
from desk.core.store_search import Search
from forms.engine import Problem

MATTER_COLUMNS = (
    "uuid", "matter_no", "category", "subcategory", "urgency", "description", "place_json",
    "place_text", "resident_json", "resident_name", "resident_phone", "resident_id",
    "answer_by", "from_case", "from_receipt_no", "status", "owner", "worker", "desk_code",
    "revision", "sync_state", "sync_error", "created_at", "updated_at", "due_at", "sla_json",
    "config_version", "result", "satisfaction", "closed_at", "closed_by", "district_status",
    "district_note", "district_answer", "district_department", "district_due_at",
    "district_updated_at", "district_received_at", "answer_seen_at",
)
# what never goes to the district in a matter record: the desk's sync state, what the
# district said, the search copies of the resident's phone and ID (they are in resident_json)
_NOT_SENT = frozenset(("sync_state", "sync_error", "answer_seen_at", "resident_phone", "resident_id"))
_SENT = tuple(k for k in MATTER_COLUMNS if not k.startswith("district_") and k not in _NOT_SENT)
# what a matter's first revision sends: not what only closing it sets
_FIRST = tuple(k for k in _SENT if k not in ("result", "satisfaction", "closed_at", "closed_by"))
MATTER_STATUSES = ("open", "closed")
PURGED = '{"purged": true}'  # a purged matter's resident and its sent outbox payloads
PURGED_TEXT = "（已按保存期限清除）"  # what was said, once purged
# district statuses after which the desk may no longer close a matter on the spot
DISTRICT_HANDLING = ("dispatched", "signed", "answered", "redo", "closed", "extended")


def _not_found(uuid: str) -> ValidationFailed:
    return ValidationFailed([Problem("uuid", "not_found", f"没有找到诉求 {uuid}")])


class Matters(Part):
    """``store.matters``: resident matters — recorded, handed over, closed, listed, purged;
    their search pieces go through ``search``, and the retention purge asks ``reconcile``
    up to which outbox entry the district holds everything
    (:meth:`desk.core.store_reconcile.Reconcile.confirmed`)."""

    def __init__(self, core: StoreBase, search: Search, reconcile: Reconcile) -> None:
        super().__init__(core)
        self._search = search
        self._reconcile = reconcile
        self._config_stamp = TableStamp(core, "matter_configs")

    def _enqueue_matter(self, c: sqlite3.Connection, matter: dict[str, Any], *,
                        new: bool = False) -> None:
        """Its outbox entry (``new``: a matter just recorded, with no hand-overs to read)."""
        payload = {k: matter[k] for k in (_FIRST if new else _SENT) if k in matter}
        payload["handovers"] = [] if new else [
            {k: r[k] for k in ("at", "from_owner", "to_owner", "reason", "actor", "revision")}
            for r in (dict(zip(("at", "from_owner", "to_owner", "reason", "actor",
                                "revision"), row, strict=True))
                      for row in c.execute(
                          "SELECT at, from_owner, to_owner, reason, actor, revision FROM "
                          "matter_handovers WHERE matter_uuid = ? ORDER BY id",
                          [matter["uuid"]]))]
        add_outbox_entry(c, "matter", matter["uuid"], matter["revision"],
                         dumps_sorted(payload), now_iso())

    def queue_waiting(self) -> int:
        """Give every matter saved since the last call its outbox entry (revision 1, the
        payload the district receives); how many. A save leaves this to just after it —
        the window's background lane after each save (:meth:`Store.tidy_after_save`), sync
        before it reads the outbox, and any change to a matter — so that its commit writes
        three B-trees fewer (issue 15's save p99). The matter itself is saved durably
        with its audit entry: a crash in between loses nothing, the next call queues it."""
        probe = self._read("SELECT 1 AS w FROM matters WHERE id > coalesce((SELECT CAST("
                           "value AS INTEGER) FROM meta WHERE key = ?), 0) LIMIT 1",
                           [MATTERS_QUEUED])
        if not probe:
            return 0
        with self.transaction("诉求未排入同步") as c:
            return self._queue_waiting(c)

    def waiting_count(self) -> int:
        """Matters saved and not yet given their outbox entry (counted as pending)."""
        return int(self._read(
            "SELECT count(*) AS n FROM matters WHERE sync_state = 'pending' AND id > coalesce("
            "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?), 0)",
            [MATTERS_QUEUED])[0]["n"])

    def _queue_waiting(self, c: sqlite3.Connection) -> int:
        row = c.execute("SELECT value FROM meta WHERE key = ?", [MATTERS_QUEUED]).fetchone()
        cur = c.execute("SELECT * FROM matters WHERE id > ? ORDER BY id",
                        [int(row[0]) if row else 0])
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        queued = 0
        for m in rows:
            # one taken over from the district is there already (synced); one whose entry
            # exists (a mark lost with an old backup) is not queued twice
            if m["sync_state"] == "pending" and c.execute(
                    "SELECT 1 FROM outbox WHERE kind = 'matter' AND case_uuid = ? AND "
                    "revision = ?", [m["uuid"], m["revision"]]).fetchone() is None:
                self._enqueue_matter(c, m, new=m["revision"] == 1)
                queued += 1
        if rows:
            c.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) "
                      "DO UPDATE SET value = excluded.value", [MATTERS_QUEUED, str(rows[-1]["id"])])
        return queued

    def _matter_row(self, c: sqlite3.Connection, uuid: str) -> dict[str, Any] | None:
        cur = c.execute("SELECT * FROM matters WHERE uuid = ?", [uuid])
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cur.description], row, strict=True))

    def save_new_matter(self, matter: dict[str, Any], actor: str) -> dict[str, Any]:
        """Insert a new matter with its number (``<desk code>-M<day>-<seq>``, a daily
        sequence of its own), outbox entry and audit entry, in one transaction."""
        day = matter["created_at"][:10].replace("-", "")
        with self.transaction("诉求未保存") as c:
            key = f"{matter['desk_code']}#M"
            seq = c.execute("INSERT INTO receipt_seq(desk_code, day, last) VALUES (?, ?, 1) "
                            "ON CONFLICT(desk_code, day) DO UPDATE SET last = last + 1 "
                            "RETURNING last", [key, day]).fetchone()[0]
            matter = dict(matter, matter_no=f"{matter['desk_code']}-M{day}-{seq:04d}")
            cols = [k for k in MATTER_COLUMNS if k in matter]
            cur = c.execute(f"INSERT INTO matters({', '.join(cols)}) "
                            f"VALUES ({', '.join('?' * len(cols))})", [matter[k] for k in cols])
            # its texts reach the search index after the save (issue 15; store_search)
            self._search._note_new_matter(c, int(cur.lastrowid or 0))
            # its outbox entry is made just after, by queue_waiting (it is above the mark)
            self._audit(c, actor, "matter.create", matter["uuid"],
                        {"matter_no": matter["matter_no"], "category": matter["category"],
                         "owner": matter["owner"], "due_at": matter["due_at"],
                         "from_case": matter.get("from_case")})
        return matter

    def get_matter(self, uuid: str) -> dict[str, Any] | None:
        """A matter by uuid or matter number, with its hand-overs, or None."""
        rows = self._read("SELECT * FROM matters WHERE uuid = ? OR matter_no = ?",
                          [uuid, uuid])
        if not rows:
            return None
        m = dict(rows[0])
        m["handovers"] = self.matter_handovers(m["uuid"])
        return m

    def matter_handovers(self, uuid: str) -> list[dict[str, Any]]:
        """A matter's hand-overs, oldest first."""
        return self._read("SELECT at, from_owner, to_owner, reason, actor, revision FROM "
                          "matter_handovers WHERE matter_uuid = ? ORDER BY id", [uuid])

    def _change_matter(self, c: sqlite3.Connection, uuid: str, changes: dict[str, Any]
                       ) -> dict[str, Any]:
        queue_waiting_cases(c)  # a case it came from reaches the district first
        self._queue_waiting(c)  # its first revision's entry before the next one's
        m = self._matter_row(c, uuid)
        if m is None:
            raise _not_found(uuid)
        before = dict(m)
        m.update(changes, revision=m["revision"] + 1, updated_at=now_iso(),
                 sync_state="pending", sync_error=None)
        sets = [*changes, "revision", "updated_at", "sync_state", "sync_error"]
        c.execute(f"UPDATE matters SET {', '.join(f'{k} = ?' for k in sets)} WHERE uuid = ?",
                  [*(m[k] for k in sets), uuid])
        self._search._index_matter(c, m["id"], before, m)
        return m

    def handover_matter(self, uuid: str, to: str, reason: str, actor: str) -> dict[str, Any]:
        """Hand a matter to another owner (a worker, the 社区, the district): explicit,
        with a reason, audited; the matter stays open."""
        to, reason = to.strip(), reason.strip()
        problems = []
        if not to:
            problems.append(Problem("to", "required", "请填写接手人"))
        elif len(to) > 40:
            problems.append(Problem("to", "length", "接手人不超过40个字"))
        if not reason:
            problems.append(Problem("reason", "required", "请说明移交原因"))
        elif len(reason) > 500:
            problems.append(Problem("reason", "length", "移交原因不超过500个字"))
        if problems:
            raise ValidationFailed(problems)
        with self.transaction("移交未保存") as c:
            m = self._matter_row(c, uuid)
            if m is None:
                raise _not_found(uuid)
            if m["status"] != "open":
                raise ValidationFailed([Problem("uuid", "closed",
                                                f"诉求 {m['matter_no']} 已办结，不能移交")])
            if to == m["owner"]:
                raise ValidationFailed([Problem("to", "same_owner",
                                                f"诉求已由 {to} 负责，无需移交")])
            at, previous = now_iso(), m["owner"]
            c.execute("INSERT INTO matter_handovers(matter_uuid, at, from_owner, to_owner, "
                      "reason, actor, revision) VALUES (?,?,?,?,?,?,?)",
                      [m["uuid"], at, m["owner"], to, reason, actor, m["revision"] + 1])
            m = self._change_matter(c, m["uuid"], {"owner": to})
            self._enqueue_matter(c, m)
            self._audit(c, actor, "matter.handover", m["uuid"],
                        {"from": previous, "to": to, "reason": reason[:200], "revision": m["revision"]})
        return m

    def close_matter(self, uuid: str, result: str, satisfaction: str,
                     actor: str) -> dict[str, Any]:
        """Close a matter on the spot with what was done and the resident's satisfaction."""
        with self.transaction("办结未保存") as c:
            m = self._matter_row(c, uuid)
            if m is None:
                raise _not_found(uuid)
            if m["status"] != "open":
                raise ValidationFailed([Problem("uuid", "closed",
                                                f"诉求 {m['matter_no']} 已办结")])
            if m["district_status"] in DISTRICT_HANDLING:
                raise ValidationFailed([Problem(
                    "uuid", "district", f"诉求 {m['matter_no']} 已由区级派单办理，"
                                        "请等待区级反馈，不能在办事台办结")])
            m = self._change_matter(c, m["uuid"], {
                "status": "closed", "result": result, "satisfaction": satisfaction,
                "closed_at": now_iso(), "closed_by": actor})
            self._enqueue_matter(c, m)
            self._audit(c, actor, "matter.close", m["uuid"],
                        {"satisfaction": satisfaction, "revision": m["revision"]})
        return m

    def mark_answer_passed(self, uuid: str, actor: str) -> None:
        """The worker passed the district's answer on to the resident."""
        with self.transaction() as c:
            m = self._matter_row(c, uuid)
            if m is None:
                raise _not_found(uuid)
            c.execute("UPDATE matters SET answer_seen_at = ? WHERE uuid = ?",
                      [now_iso(), m["uuid"]])
            self._audit(c, actor, "matter.answer_passed", m["uuid"],
                        {"district_status": m["district_status"]})

    # -- a replacement laptop takes over (issue 15 with issue 24) --------------------------

    def _adopt_matters(self, c: sqlite3.Connection, matters: Sequence[Mapping[str, Any]],
                       matter_seq: Mapping[str, int], desk_code: str, replaces: str) -> None:
        """Store the replaced desk's matters (``HandoverMatter`` dicts) as synced, with their
        hand-overs, the district's state and steps (the matter's history), inside
        :meth:`desk.core.store_handover.Handover.adopt_handover`'s transaction; a matter
        already here is kept as it is. The matter numbers continue after the district's
        highest per day."""
        added = 0
        for hm in matters:
            p = json.loads(hm["payload_json"])
            if c.execute("SELECT 1 FROM matters WHERE uuid = ?", [p["uuid"]]).fetchone():
                continue
            resident = json.loads(p.get("resident_json") or "{}")
            row = {k: p[k] for k in MATTER_COLUMNS if k in p and k not in _NOT_SENT}
            steps = list(hm.get("steps") or [])
            row.update(resident_phone=resident.get("phone", ""),
                       resident_id=resident.get("id_number", ""), sync_state="synced",
                       sync_error=None, district_status=hm["district_status"],
                       district_department=hm.get("district_department"),
                       district_answer=hm.get("district_answer"),
                       district_due_at=hm.get("district_due_at"),
                       district_updated_at=hm.get("district_updated_at"),
                       district_received_at=hm.get("received_at"),
                       district_note=(steps[-1].get("note") or None) if steps else None)
            cols = list(row)
            cur = c.execute(f"INSERT INTO matters({', '.join(cols)}) "
                            f"VALUES ({', '.join('?' * len(cols))})", [row[k] for k in cols])
            self._search._note_new_matter(c, int(cur.lastrowid or 0))
            c.executemany(
                "INSERT INTO matter_handovers(matter_uuid, at, from_owner, to_owner, reason, "
                "actor, revision) VALUES (?,?,?,?,?,?,?)",
                [(p["uuid"], h["at"], h["from_owner"], h["to_owner"], h["reason"], h["actor"],
                  h["revision"]) for h in p.get("handovers") or []])
            for ch in steps:  # as if pulled (the epoch is set at the first sync's check)
                body = {k: v for k, v in ch.items() if k != "seq"}
                c.execute("INSERT OR IGNORE INTO district_events(epoch, seq, case_uuid, kind, "
                          "body_json, at) VALUES ('', ?, ?, 'matter', ?, ?)",
                          [ch["seq"], p["uuid"], json.dumps(body, ensure_ascii=False),
                           ch["at"]])
            self._audit(c, "sync", "matter.taken_over", p["uuid"], {
                "replaces": replaces, "created_at": p.get("created_at"),
                "worker": p.get("worker"), "handovers": [
                    {"at": h["at"], "from": h["from_owner"], "to": h["to_owner"],
                     "reason": str(h["reason"])[:200]} for h in p.get("handovers") or []]})
            added += 1
        key = f"{desk_code}#M"
        c.executemany("INSERT INTO receipt_seq(desk_code, day, last) VALUES (?, ?, ?) "
                      "ON CONFLICT(desk_code, day) DO UPDATE SET last = MAX(last, excluded.last)",
                      [(key, day, n) for day, n in matter_seq.items()])
        if matters:
            self._audit(c, "sync", "matter.handover_taken", None,
                        {"replaces": replaces, "matters": added, "offered": len(matters)})

    # -- the retention purge -------------------------------------------------------------

    def purge_matter_personal_data(self, before: str, actor: str) -> int:
        """The retention purge of matters, by the rules of cases'
        (:meth:`desk.core.store_maintenance.Maintenance.purge_personal_data`):
        a matter closed (on the spot, or by the district), synced, closed before ``before``
        (ISO date) and whose every outbox entry the district has confirmed holding since its
        last epoch loses what identifies the resident — name (its surname kept, masked),
        phone, ID number, the address below the compound, the free texts (what was said, the
        result, the district's answer and note) —, its search pieces and the personal part
        of its sent outbox entries. Kept: number, category, urgency, owner and hand-overs,
        dates and statuses. Returns how many matters were purged."""
        confirmed = self._reconcile.confirmed()
        with self.transaction() as c:
            cur = c.execute(
                "SELECT * FROM matters WHERE (status = 'closed' OR district_status = 'closed') "
                "AND sync_state = 'synced' AND max(coalesce(closed_at, ''), "
                "coalesce(district_updated_at, '')) < ? AND resident_json != ? "
                "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'matter' AND "
                "o.case_uuid = matters.uuid AND (o.state = 'pending' OR "
                "(o.state = 'sent' AND o.id > ?)))", [before, PURGED, confirmed])
            cols = [d[0] for d in cur.description]
            rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
            for m in rows:
                name = m["resident_name"] or ""
                compound = str(json.loads(m["place_json"] or "{}").get("compound") or "")
                after = dict(m, resident_json=PURGED,
                             resident_name=(name[:1] + "*" * (len(name) - 1)) if name else "",
                             resident_phone="", resident_id="",
                             place_json=json.dumps({"compound": compound} if compound else {},
                                                   ensure_ascii=False),
                             place_text=compound, description=PURGED_TEXT, result=None,
                             district_answer=None, district_note=None)
                sets = ("resident_json", "resident_name", "resident_phone", "resident_id",
                        "place_json", "place_text", "description", "result",
                        "district_answer", "district_note")
                c.execute(f"UPDATE matters SET {', '.join(f'{k} = ?' for k in sets)} "
                          "WHERE id = ?", [*(after[k] for k in sets), m["id"]])
                # its search pieces follow its texts (store_search)
                self._search._index_matter(c, m["id"], m, after)
                c.execute("UPDATE outbox_payloads SET payload_json = ? WHERE id IN (SELECT "
                          "id FROM outbox WHERE kind = 'matter' AND case_uuid = ? AND "
                          "state != 'pending')", [PURGED, m["uuid"]])
                # the district's steps as pulled keep their statuses, not their texts
                for eid, body_json in c.execute(
                        "SELECT id, body_json FROM district_events WHERE kind = 'matter' AND "
                        "case_uuid = ?", [m["uuid"]]).fetchall():
                    body = json.loads(body_json)
                    body["note"] = ""
                    body["matter"] = {k: v for k, v in (body.get("matter") or {}).items()
                                      if k not in ("answer", "reason")}
                    c.execute("UPDATE district_events SET body_json = ? WHERE id = ?",
                              [json.dumps(body, ensure_ascii=False), eid])
                self._audit(c, actor, "matter.purge", m["uuid"], {"reason": "retention"})
        if rows:
            self._core.checkpoint()  # freed pages live in the WAL until a checkpoint
        return len(rows)

    # -- lists ---------------------------------------------------------------------------

    def list_matters(self, *, search: str | None = None, status: str | None = None,
                     limit: int = 1000) -> list[dict[str, Any]]:
        """Matters, newest first; ``search`` in the number, name, place, category and
        description, or the end of the resident's phone or ID number."""
        where: list[str] = []
        params: list[Any] = []
        if status:
            where.append("status = ?")
            params.append(status)
        q = (search or "").strip()
        if q:  # through the two-character index (store_search, issue 14 item 15)
            test, test_params = self._search._matter_clause(q)
            where.append(test)
            params += test_params
        sql = "SELECT * FROM matters" + (" WHERE " + " AND ".join(where) if where else "")
        return self._read(sql + " ORDER BY created_at DESC, id DESC LIMIT ?", [*params, limit])

    def today_matters(self, due_by: str) -> dict[str, list[dict[str, Any]]]:
        """Today's list: ``due`` (open, due by ``due_by`` or overdue, oldest deadline
        first), ``answers`` (the district answered; not yet passed on to the resident) and
        ``revisits`` (answers passed on, the district's 回访 still to come)."""
        due = self._read("SELECT * FROM matters WHERE status = 'open' AND due_at <= ? AND "
                         "coalesce(district_status, '') NOT IN ('answered', 'closed') "
                         "ORDER BY due_at", [due_by])
        answers = self._read("SELECT * FROM matters WHERE district_answer IS NOT NULL AND "
                             "answer_seen_at IS NULL ORDER BY district_updated_at")
        revisits = self._read("SELECT * FROM matters WHERE district_status = 'answered' AND "
                              "answer_seen_at IS NOT NULL ORDER BY district_updated_at")
        return {"due": due, "answers": answers, "revisits": revisits}

    def matter_counts(self, day_start: str, day_end: str, due_by: str) -> dict[str, int]:
        """The status bar's counts in one read: ``today`` (recorded from ``day_start`` to
        ``day_end``) and the three parts of today's list (:meth:`today_matters`, same conditions):
        ``due``, ``answers``, ``revisits``."""
        rows = self._read(
            "SELECT coalesce(sum(created_at >= ? AND created_at < ?), 0) AS today, "
            "coalesce(sum(status = 'open' AND due_at <= ? AND coalesce(district_status, '') "
            "NOT IN ('answered', 'closed')), 0) AS due, "
            "coalesce(sum(district_answer IS NOT NULL AND answer_seen_at IS NULL), 0) "
            "AS answers, "
            "coalesce(sum(district_status = 'answered' AND answer_seen_at IS NOT NULL), 0) "
            "AS revisits FROM matters", [day_start, day_end, due_by])
        return {k: int(v) for k, v in rows[0].items()}

    # -- the district's configuration ------------------------------------------------------

    def _store_matter_config(self, c: sqlite3.Connection, seq: int,
                             body: dict[str, Any]) -> None:
        c.execute("INSERT INTO matter_configs(seq, version, body_json, received_at) "
                  "VALUES (?,?,?,?)", [seq, str(body.get("version") or ""),
                                       json.dumps(body, ensure_ascii=False), now_iso()])
        self._config_stamp.touch()

    def config_stamp(self) -> tuple[int, int | None]:
        """What changes whenever a configuration arrives (:class:`TableStamp`)."""
        return self._config_stamp()

    def matter_config_bodies(self) -> list[dict[str, Any]]:
        """The configurations pulled, newest first."""
        return [json.loads(r["body_json"]) for r in
                self._read("SELECT body_json FROM matter_configs ORDER BY id DESC")]

    def _apply_matter_change(self, c: sqlite3.Connection, ch: dict[str, Any]) -> None:
        """A district decision about a matter (inside the pull's transaction)."""
        body = ch.get("matter") or {}
        c.execute("UPDATE matters SET district_status = ?, district_note = ?, "
                  "district_answer = coalesce(?, district_answer), "
                  "district_department = coalesce(?, district_department), "
                  "district_due_at = coalesce(?, district_due_at), "
                  "district_updated_at = ?, "
                  "answer_seen_at = CASE WHEN ? IS NOT NULL AND "
                  "coalesce(district_answer, '') != ? THEN NULL ELSE answer_seen_at END "
                  "WHERE uuid = ?",
                  [ch.get("status"), ch.get("note") or None, body.get("answer") or None,
                   ch.get("department") or None, body.get("due_at") or None, ch.get("at"),
                   body.get("answer") or None, body.get("answer") or "", ch.get("case_uuid")])

    def _mark_matter_results(self, c: sqlite3.Connection,
                             known: Mapping[int, tuple[str, str, int]],
                             results: Sequence[Mapping[str, Any]],
                             states: Mapping[str, str]) -> None:
        """Push results (inside :meth:`mark_outbox`'s transaction): a matter's newest
        revision decides its sync state; a set-aside one is audited with its reason."""
        mine = [r for r in results if known[r["id"]][0] == "matter"]
        if not mine:
            return
        newest = dict(c.execute(
            "SELECT case_uuid, max(revision) FROM outbox WHERE kind = 'matter' AND case_uuid "
            f"IN ({', '.join('?' * len(mine))}) GROUP BY case_uuid",
            [known[r["id"]][1] for r in mine]).fetchall())
        for r in mine:
            _, uuid, revision = known[r["id"]]
            if newest.get(uuid) != revision:
                continue
            state = states[r["result"]]
            c.execute("UPDATE matters SET sync_state = ?, sync_error = ?, "
                      "district_received_at = coalesce(?, district_received_at) "
                      "WHERE uuid = ?",
                      ["synced" if state == "sent" else state, r.get("reason") or None,
                       r.get("received_at"), uuid])
            if state != "sent":
                self._audit(c, "sync", f"sync.matter_{state}", uuid,
                            {"revision": revision, "reason": r.get("reason", "")})
