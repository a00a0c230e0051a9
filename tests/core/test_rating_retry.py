"""A rating the district refused because its case had not reached it yet (it had
overtaken the case: ``sync.reasons.CASE_NOT_RECEIVED``) is offered again once the district
has acknowledged the case from this desk — and only then (``store.reconcile.
requeue_ratings_of_held_cases``; the sync round's use of it: test_convergence)."""

from __future__ import annotations

from pathlib import Path

from test_outbox_payloads import _desk

from sync import reasons


def test_only_ratings_of_cases_this_desk_delivered_are_offered_again(data_dir: Path) -> None:
    ctx = _desk(data_dir, 4)
    try:
        store = ctx.store
        cases = {e["case_uuid"]: e["id"] for e in store.sync.pending_outbox()}
        delivered, waiting, malformed, taken_over = sorted(cases)
        for u in cases:
            ctx.cases.rate(u, 2, "等候时间太长")
        ratings = {e["case_uuid"]: e["id"] for e in store.sync.pending_outbox()
                   if e["kind"] == "rating"}
        at = "2026-12-07T02:00:00+00:00"
        store.sync.mark_outbox([{"id": cases[u], "result": "accepted", "reason": "",
                                 "received_at": at} for u in (delivered, malformed)], "b1")
        # a case taken over from a replaced laptop: synced, never sent from this desk
        store._conn.execute("UPDATE cases SET sync_state = 'synced' WHERE uuid = ?",
                            [taken_over])
        refused = [{"id": ratings[u], "result": "rejected", "reason": reasons.CASE_NOT_RECEIVED}
                   for u in (delivered, waiting, taken_over)]
        refused.append({"id": ratings[malformed], "result": "rejected",
                        "reason": reasons.malformed([("payload", "level")])})
        store.sync.mark_outbox(refused, "b2")
        assert len(store.sync.set_aside()) == 4

        assert store.reconcile.requeue_ratings_of_held_cases(reasons.CASE_NOT_RECEIVED) == 1
        pending = {(e["kind"], e["case_uuid"]) for e in store.sync.pending_outbox()}
        assert ("rating", delivered) in pending
        assert sorted(e["case_uuid"] for e in store.sync.set_aside()) == sorted(
            [waiting, malformed, taken_over])
        # asked again: nothing more (no rating goes round and round)
        assert store.reconcile.requeue_ratings_of_held_cases(reasons.CASE_NOT_RECEIVED) == 0
    finally:
        ctx.close()
