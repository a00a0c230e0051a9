"""Photos and scans go up after their case (issue 17): the attachment lane of a sync round.

:func:`upload_attachments` runs after the round's records (push, pull, agreement): the
cases are at the district before any image is sent, so a slow upload never delays a case.
Only pages whose case the district has acknowledged are offered
(:meth:`desk.core.store_attachments.Attachments.attachments_waiting`). Each page goes up
in pieces (``PUT /api/v1/attachments/SHA?offset=…``, content-addressed: a dropped
connection resumes from what the district holds), then its link — case, material, page — is sent
(``POST /api/v1/attachment-links``, keyed by the page's id: resending is a duplicate, so
each page is held once). A failure stops the lane, not the round: the records' summary is
untouched and the pages wait for the next sync.

Summary keys: ``attachments_sent`` (pages linked this round), ``attachments_bytes``
(bytes the district took from this desk this round: none for a page it already held, as
after a restore), ``attachments_waiting`` (pages still to go), ``attachments_rejected``
(``[{"attachment_id", "reason"}]``), ``attachments_error`` (None or the lane's error) and
``attachments_quota``.

The district's daily upload cap (``upload_quota`` refusal) is not an error of the pages:
they stay queued, pages already up are still linked, and the lane sends nothing more until
the district's next day — the refusal (cap, used, the reset time, the district's message)
is kept in the store's meta (``attachments_quota``) and told in ``attachments_quota``. Each
round while it holds, one small ``GET`` asks the district for the desk's quota: a new day,
or a cap raised by the district, lets the pages go again without a click (past the reset
time by the desk's estimate of the district's clock, they go without asking).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sync import protocol as P
from sync.client.errors import QuotaError, SyncError

if TYPE_CHECKING:
    from desk.core.store import Store
    from sync.client.http import DistrictClient

LINKS_PER_REQUEST = 50
QUOTA_META = "attachments_quota"


def new_keys() -> dict[str, Any]:
    """The lane's summary keys, before a round."""
    return {"attachments_sent": 0, "attachments_bytes": 0, "attachments_waiting": 0,
            "attachments_rejected": [], "attachments_error": None, "attachments_quota": None}


def _hold(store: Store, exc: QuotaError) -> dict[str, Any]:
    """Keep the district's quota refusal: the pages wait until it lifts."""
    d = exc.detail
    hold = {"cap": int(d.get("cap", 0)), "used": int(d.get("used", 0)),
            "day": str(d.get("day", "")), "resets_at": str(d.get("resets_at", "")),
            "need": int(d.get("need", 1)), "message": exc.message}
    store.set_meta(QUOTA_META, json.dumps(hold, ensure_ascii=False))
    return hold


def _epoch(stamp: str) -> float:
    try:
        return datetime.fromisoformat(stamp).timestamp()
    except ValueError:
        return 0.0


def quota_wait(store: Store) -> dict[str, Any] | None:
    """For the sync page and the status bar: the quota refusal kept (``cap``, ``used``,
    ``resets_at``, ``message``) with ``waiting``, the pages it holds back; None when
    none is kept or nothing waits."""
    raw = store.get_meta(QUOTA_META)
    waiting = store.attachments.attachment_counts()["waiting"] if raw else 0
    return dict(json.loads(raw), waiting=waiting) if raw and waiting else None


def quota_hold(store: Store, client: DistrictClient) -> dict[str, Any] | None:
    """The quota refusal still in force, or None when the pages may go: none kept, the
    district's day has turned (by the desk's estimate of its clock), or the district
    answers that the refused piece now fits (a new day there, or a raised cap)."""
    raw = store.get_meta(QUOTA_META)
    if not raw:
        return None
    hold: dict[str, Any] = json.loads(raw)
    waiting = store.attachments.attachments_waiting(limit=1)
    if client.now() < _epoch(hold.get("resets_at", "")) and waiting:
        quota = client.attachment_status(waiting[0]["sha256"]).quota
        if quota is None or quota.used + int(hold.get("need", 1)) > quota.cap:
            return hold
    store.set_meta(QUOTA_META, "")
    return None


def upload_attachments(store: Store, client: DistrictClient, summary: dict[str, Any], *,
                       progress: Callable[[dict[str, Any]], None] | None = None,
                       chunk_size: int = 1024 * 1024) -> None:
    """Upload every waiting page whose case the district holds, then link them."""
    summary.update({k: v for k, v in new_keys().items() if k not in summary})
    tried: set[str] = set()
    hold: dict[str, Any] | None = None

    def held(n: int) -> None:  # bytes the district took from this desk (none it held)
        summary["attachments_bytes"] += n

    try:
        hold = quota_hold(store, client)
        while True:
            waiting = store.attachments.attachments_waiting(limit=LINKS_PER_REQUEST + len(tried))
            rows = [r for r in waiting
                    if r["attachment_id"] not in tried][:LINKS_PER_REQUEST]
            if not rows:
                break
            up = []
            for r in rows:
                tried.add(r["attachment_id"])
                if r["uploaded_at"] is None and hold is None:
                    data = store.attachments.attachment_data(r["attachment_id"])
                    try:
                        status = client.upload_attachment(data, chunk_size=chunk_size,
                                                          on_held=held)
                    except QuotaError as exc:  # the day's cap: the pages wait, queued
                        hold = _hold(store, exc)
                        continue
                    if status.complete:
                        store.attachments.mark_attachment_uploaded(r["attachment_id"])
                        r = dict(r, uploaded_at=True)
                if r["uploaded_at"] is not None:
                    up.append(r)
                if progress is not None:
                    progress(dict(summary, stage="attachments"))
            rows = up  # (a page whose bytes are not up is linked later)
            if not rows:
                continue
            resp = client.link_attachments(P.AttachmentLinksRequest(links=[
                P.AttachmentLink(attachment_id=r["attachment_id"], case_uuid=r["case_uuid"],
                                 material=r["material"], page=r["page"], mime=r["mime"],
                                 size=r["size"], sha256=r["sha256"], pages=r["pages"],
                                 created_at=r["created_at"]) for r in rows]))
            done = [str(x.attachment_id) for x in resp.results
                    if x.result in ("accepted", "duplicate")]
            store.attachments.mark_attachments_linked(done)
            summary["attachments_sent"] += len(done)
            summary["attachments_rejected"] += [
                {"attachment_id": str(x.attachment_id), "reason": x.reason or x.result}
                for x in resp.results if x.result not in ("accepted", "duplicate")]
    except SyncError as exc:
        summary["attachments_error"] = exc.as_dict()
    summary["attachments_quota"] = hold
    summary["attachments_waiting"] = store.attachments.attachment_counts()["waiting"]
