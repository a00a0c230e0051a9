"""Does the district hold what it acknowledged? — the agreement check of every sync (issue 22).

A district restored from last night's backup has forgotten what it received since; its
acknowledgements were real but are gone. So each sync asks (``POST /api/v1/reconcile``):

1. :func:`begin`, before pushing: the district's identity and epoch. A new epoch (restored,
   or its history found behind what this desk reports) resets the pull cursor, so the desk
   pulls again from the district's new beginning (changes it already has are recognised and
   change nothing). When the district holds fewer of this desk's records than it has
   acknowledged, every record after the district's watermark is queued again.
2. the push and the pull run as before;
3. :func:`report_lost_decisions`: after an epoch change, the decisions this desk had pulled
   and the district did not send again are reported back, as the desk's knowledge;
4. :func:`finish`: ratings set aside because their case had not reached the district are
   sent again once it has; then the check again. Agreement (the district holds exactly
   what it has acknowledged, in its current epoch) is stored as a confirmation — the retention purge
   touches only confirmed records. Otherwise the records after the watermark, then all of
   them, are sent again and checked once more; if the district still holds less, the sync
   is not complete and says so.

Summary keys added: ``resent`` (records sent again), ``epoch_changed``, ``agreed``,
``district_epoch``, ``unrecoverable`` (records the district lost whose personal data this
desk has already purged), ``decisions_reported``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sync import protocol as P
from sync import reasons
from sync.client.errors import ProtocolError, SyncError
from sync.client.http import DistrictClient

if TYPE_CHECKING:
    from desk.core.store import Store

REPORT_CHUNK = 500


def new_keys() -> dict[str, Any]:
    """The summary keys this module fills."""
    return {"resent": 0, "epoch_changed": False, "agreed": False, "district_epoch": None,
            "unrecoverable": 0, "decisions_reported": 0, "refused_retried": 0}


def _cursor(store: Store) -> int:
    try:
        return int(store.get_meta("sync_cursor") or 0)
    except ValueError:
        return 0


def check(store: Store, client: DistrictClient, *, final: bool) -> P.ReconcileResponse | None:
    """Ask the district what it holds of this desk's records (None: a district from before
    the agreement check, which cannot answer)."""
    acked = store.reconcile.acked()
    try:
        return client.reconcile(P.ReconcileRequest(
            epoch_id=store.reconcile.district_epoch()["epoch_id"], cursor=_cursor(store),
            acked=acked["acked"], acked_max=acked["acked_max"], final=final))
    except ProtocolError as exc:
        if exc.status in (404, 405):
            return None
        raise


def adopt(store: Store, resp: P.ReconcileResponse, summary: dict[str, Any]) -> bool:
    """Take the district's epoch; True when its history changed since the last check (a new
    epoch, another database, or its changes behind this desk's pull cursor)."""
    seen = store.reconcile.district_epoch()
    summary["district_epoch"] = resp.epoch
    changed = bool(seen["epoch_id"]) and (seen["epoch_id"] != resp.epoch_id
                                          or seen["district_id"] != resp.district_id)
    changed = changed or resp.last_seq < _cursor(store)
    if changed:
        store.reconcile.start_epoch(resp.district_id, resp.epoch_id, resp.epoch, changed=True)
        summary["epoch_changed"] = True
        # the decision a refusal rested on may be gone with the district's history
        summary["refused_retried"] = summary.get("refused_retried", 0) + \
            store.reconcile.requeue_refused()
        # and the pages and list answers it held: offered again (what it still holds is
        # recognised there)
        store.attachments.offer_again()
        store.proactive.offer_answers_again()
    elif seen["epoch_id"] != resp.epoch_id:  # the first check with this district
        store.reconcile.start_epoch(resp.district_id, resp.epoch_id, resp.epoch, changed=False)
    return changed


def _requeue(store: Store, after: int, summary: dict[str, Any]) -> int:
    done = store.reconcile.requeue_sent(after)
    summary["resent"] += done["requeued"]
    summary["unrecoverable"] = done["unrecoverable"]
    return int(done["requeued"])


def begin(store: Store, client: DistrictClient, summary: dict[str, Any]
          ) -> P.ReconcileResponse | None:
    """The check before pushing: adopt the epoch; queue again what the district lost."""
    resp = check(store, client, final=False)
    if resp is None:
        return None
    adopt(store, resp, summary)
    if resp.held < store.reconcile.acked()["acked"]:
        _requeue(store, resp.watermark, summary)
    return resp


def report_lost_decisions(store: Store, client: DistrictClient, summary: dict[str, Any]) -> None:
    """After an epoch change (and a complete pull): send the decisions the district no
    longer has back to it, once."""
    epoch = store.reconcile.district_epoch()["epoch_id"]
    if not epoch or store.get_meta("status_report_due") != epoch:
        return
    lost = []
    for d in store.reconcile.lost_decisions():
        try:
            lost.append(P.StatusReport.model_validate(d))
        except ValueError:  # an event the desk cannot describe in the protocol: kept locally
            continue
    for i in range(0, len(lost), REPORT_CHUNK):
        client.report_statuses(P.StatusReportRequest(epoch_id=epoch,
                                                     reports=lost[i:i + REPORT_CHUNK]))
    store.set_meta("status_report_due", "")
    summary["decisions_reported"] += len(lost)


def finish(store: Store, client: DistrictClient, summary: dict[str, Any],
           push: Callable[[], None]) -> bool:
    """The check at the end: True when the district holds exactly what it acknowledged.
    Sends again what it lost (after its watermark, then everything) and checks again;
    raises :class:`SyncError` when it still holds less. Against a district from before
    the check (no such endpoint) the round is complete as it always was, ``agreed`` None and
    nothing confirmed (so nothing is purged)."""
    # a rating refused because its case had not reached the district (it had overtaken
    # it), the case now acknowledged: offered again rather than set aside for good
    retried = store.reconcile.requeue_ratings_of_held_cases(reasons.CASE_NOT_RECEIVED)
    if retried:
        summary["refused_retried"] += retried
        push()
    resp = check(store, client, final=True)
    if resp is None:
        summary["agreed"] = None
        return True
    tries = [resp.watermark, 0]
    while True:
        if adopt(store, resp, summary):
            return False  # its history changed during this sync: the next one starts over
        acked = store.reconcile.acked()
        if resp.held == acked["acked"]:
            store.reconcile.confirm_agreement(resp.epoch_id, acked["acked_max"])
            summary["agreed"] = True
            return True
        if resp.held > acked["acked"]:
            raise SyncError(f"区级系统记录的本办事点数据（{resp.held} 条）多于本机已确认的"
                            f"（{acked['acked']} 条），请联系技术支持核对", code="district_disagrees")
        queued = 0
        while tries and queued == 0:
            queued = _requeue(store, tries.pop(0), summary)
        if queued == 0:
            break
        push()
        again = check(store, client, final=True)
        if again is None:  # pragma: no cover - the district was downgraded mid-round
            return False
        resp = again
    missing = store.reconcile.acked()["acked"] - resp.held
    lost = summary["unrecoverable"]
    raise SyncError(f"区级系统缺少本办事点已上传的 {missing} 条记录"
                    + (f"，其中 {lost} 条的个人信息已按期清除，无法重新上传；请联系区级管理员"
                       if lost else "，重新上传后仍不一致；请稍后再同步，或联系区级管理员"),
                    code="district_missing")
