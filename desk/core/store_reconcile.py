"""The store's side of the agreement with the district (issue 22; ``store.reconcile``).

The desk keeps every record it sent (the outbox), and knows which of them the district has
acknowledged (state ``sent``). Each sync asks the district what it holds
(``sync.client.reconcile``); this module answers the desk's side:

- :meth:`Reconcile.acked` — how many records the district has acknowledged, and the
  highest outbox id;
- :meth:`Reconcile.requeue_sent` — put acknowledged records back in the queue (the district lost
  them): every one after the district's watermark, or all of them;
- :meth:`Reconcile.requeue_ratings_of_held_cases` — ratings refused because their case had
  not reached the district, offered again once it has;
- :meth:`Reconcile.start_epoch` — the district's history changed (restored from a backup): the pull
  cursor goes back to the beginning, earlier confirmations no longer count, and the
  decisions it no longer has are to be reported;
- :meth:`Reconcile.confirm_agreement` — the district holds everything acknowledged, in its current
  epoch: what the retention purge may touch (:meth:`Reconcile.confirmed`);
- :meth:`Reconcile.lost_decisions` — decisions pulled in an earlier epoch that the district did not
  send again after its restore (reported back as the desk's knowledge).

Meta keys: ``district_id``, ``district_epoch_id``, ``district_epoch`` (the district's
identity as last seen), ``confirmed_epoch`` / ``confirmed_upto`` (the last agreement: all
acknowledged records up to that outbox id are held by the district in that epoch),
``status_report_due`` (the epoch whose lost decisions are still to be reported).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from desk.core.store_base import Part, in_parts

PURGED_PAYLOAD = '{"purged": true}'


def _back_in_queue(c: sqlite3.Connection, ids: list[int]) -> None:
    """Outbox entries ``ids`` pending again, their last reason cleared."""
    for part in in_parts(ids):
        c.execute("UPDATE outbox SET state = 'pending', last_error = NULL WHERE id IN "
                  f"({', '.join('?' * len(part))})", part)


class Reconcile(Part):
    """``store.reconcile``: acknowledged records, district epochs and confirmations."""

    def acked(self) -> dict[str, int]:
        """``{"acked": records the district acknowledged, "acked_max": highest outbox id}``."""
        row = self._read("SELECT count(*) AS n, coalesce(max(id), 0) AS top FROM outbox "
                         "WHERE state = 'sent'")[0]
        return {"acked": int(row["n"]), "acked_max": int(row["top"])}

    def requeue_sent(self, after: int = 0) -> dict[str, int]:
        """Put acknowledged records with an outbox id above ``after`` back in the queue
        (the district does not hold them any more), in one transaction; the cases go back
        to "pending". Records whose personal data was purged cannot be sent again: counted
        as ``unrecoverable``. Returns ``{"requeued", "unrecoverable"}``."""
        with self.transaction() as c:
            rows = c.execute("SELECT o.id, kind, case_uuid FROM outbox o JOIN outbox_payloads "
                             "p ON p.id = o.id WHERE state = 'sent' AND o.id > ? AND "
                             "payload_json != ?", [after, PURGED_PAYLOAD]).fetchall()
            lost = int(c.execute("SELECT count(*) FROM outbox o JOIN outbox_payloads p ON "
                                 "p.id = o.id WHERE state = 'sent' AND o.id > ? AND "
                                 "payload_json = ?", [after, PURGED_PAYLOAD]).fetchone()[0])
            ids = [r[0] for r in rows]
            _back_in_queue(c, ids)
            uuids = sorted({r[2] for r in rows if r[1] == "case"})
            for part in in_parts(uuids):
                c.execute("UPDATE cases SET sync_state = 'pending' WHERE sync_state = 'synced' "
                          f"AND uuid IN ({', '.join('?' * len(part))})", part)
            matter_uuids = sorted({r[2] for r in rows if r[1] == "matter"})
            for part in in_parts(matter_uuids):
                c.execute("UPDATE matters SET sync_state = 'pending' WHERE sync_state = "
                          f"'synced' AND uuid IN ({', '.join('?' * len(part))})", part)
            if ids or lost:
                self._audit(c, "sync", "sync.resend", None,
                            {"after": after, "records": len(ids), "unrecoverable": lost})
        return {"requeued": len(ids), "unrecoverable": lost}

    def requeue_refused(self) -> int:
        """After the district's history went back: offer refused case revisions once more.

        A revision is refused for what the district held then (e.g. the case was already
        closed); a restore may have taken that decision away, and later revisions of the
        case would otherwise reach the district without it. Requeued in outbox order, so
        the revisions go up in their order; if the reason still holds, the district refuses
        them again and they are set aside again with their reason. Returns how many."""
        with self.transaction() as c:
            rows = c.execute("SELECT o.id, case_uuid FROM outbox o JOIN outbox_payloads p ON "
                             "p.id = o.id WHERE state = 'rejected' AND kind = 'case' AND "
                             "payload_json != ?", [PURGED_PAYLOAD]).fetchall()
            ids = [r[0] for r in rows]
            _back_in_queue(c, ids)
            uuids = sorted({r[1] for r in rows})
            for part in in_parts(uuids):
                c.execute("UPDATE cases SET sync_state = 'pending', sync_error = NULL "
                          f"WHERE uuid IN ({', '.join('?' * len(part))})", part)
            if ids:
                self._audit(c, "sync", "sync.retry_refused", None, {"records": len(ids)})
        return len(ids)

    def requeue_ratings_of_held_cases(self, reason: str) -> int:
        """Ratings set aside with ``reason`` (the district did not hold their case then)
        whose case the district has since acknowledged from this desk: back in the queue,
        in one transaction. (A case taken over from a replaced laptop is synced without
        being sent from here: its rating is not offered again and again.) Returns how
        many."""
        query = ("SELECT o.id FROM outbox o JOIN cases k ON k.uuid = o.case_uuid "
                 "WHERE o.state = 'rejected' AND o.kind = 'rating' AND o.last_error = ? "
                 "AND k.sync_state = 'synced' AND EXISTS (SELECT 1 FROM outbox s WHERE "
                 "s.state = 'sent' AND s.kind = 'case' AND s.case_uuid = o.case_uuid)")
        if not self._read(query, [reason]):  # (every round asks: no write lock for none)
            return 0
        with self.transaction() as c:
            ids = [r[0] for r in c.execute(query, [reason])]
            _back_in_queue(c, ids)
            if ids:
                self._audit(c, "sync", "sync.retry_ratings", None, {"records": len(ids)})
        return len(ids)

    def district_epoch(self) -> dict[str, str]:
        """The district's identity as last seen (empty strings: never checked)."""
        return {"district_id": self.get_meta("district_id") or "",
                "epoch_id": self.get_meta("district_epoch_id") or "",
                "epoch": self.get_meta("district_epoch") or ""}

    def start_epoch(self, district_id: str, epoch_id: str, epoch: int, *,
                    changed: bool) -> None:
        """Adopt the district's epoch, in one transaction. ``changed``: its history went
        back (restored), so the pull cursor starts again from 0, earlier confirmations no
        longer count, catalogs lose their publish order until pulled again, and the
        decisions the district no longer has will be reported. Otherwise (the first check
        with this district) the events pulled so far are this epoch's."""
        values = {"district_id": district_id, "district_epoch_id": epoch_id,
                  "district_epoch": str(epoch)}
        with self.transaction() as c:
            before = {k: v for k, v in c.execute(
                "SELECT key, value FROM meta WHERE key IN ('district_epoch_id', "
                "'sync_cursor')")}
            if changed:
                values.update(sync_cursor="0", confirmed_upto="0", confirmed_epoch="",
                              status_report_due=epoch_id)
                c.execute("UPDATE catalogs SET seq = NULL")
                self._audit(c, "sync", "sync.epoch_changed", None, {
                    "district_id": district_id, "epoch": epoch,
                    "previous_epoch": before.get("district_epoch_id", ""),
                    "previous_cursor": before.get("sync_cursor", "0")})
            else:
                c.execute("UPDATE district_events SET epoch = ? WHERE epoch = ''", [epoch_id])
            c.executemany("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) "
                          "DO UPDATE SET value = excluded.value", list(values.items()))

    def confirm_agreement(self, epoch_id: str, upto: int) -> None:
        """The district holds every record acknowledged up to outbox id ``upto``, in
        ``epoch_id``."""
        self._core.set_meta_many({"confirmed_epoch": epoch_id, "confirmed_upto": str(upto)})

    def confirmed(self) -> int:
        """The outbox id up to which the district confirmed holding everything acknowledged,
        in the epoch the desk last saw (0 when not confirmed since the last epoch change)."""
        epoch = self.get_meta("district_epoch_id") or ""
        if not epoch or self.get_meta("confirmed_epoch") != epoch:
            return 0
        try:
            return int(self.get_meta("confirmed_upto") or 0)
        except ValueError:
            return 0

    def lost_decisions(self) -> list[dict[str, Any]]:
        """Decisions on this desk's cases pulled in an earlier epoch that the district did
        not send again in its current one (each as the desk received it)."""
        epoch = self.get_meta("district_epoch_id") or ""
        rows = self._read("SELECT e.kind, e.case_uuid, e.body_json, e.at FROM district_events e "
                          "JOIN cases c ON c.uuid = e.case_uuid WHERE e.epoch != ? "
                          "AND e.kind IN ('status', 'route') ORDER BY e.at, e.id", [epoch])
        out = []
        for r in rows:
            body = json.loads(r["body_json"])
            out.append({"case_uuid": r["case_uuid"], "kind": r["kind"],
                        "status": body.get("status") or "", "note": body.get("note") or "",
                        "department": body.get("department"),
                        "item_code": body.get("item_code"), "at": r["at"]})
        return out
