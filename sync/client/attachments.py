"""Photos and scans go up after their case (issue 17): the attachment lane of a sync round.

:func:`upload_attachments` runs after the round's records (push, pull, agreement): the
cases are at the district before any image is sent, so a slow upload never delays a case.
Only pages whose case the district has acknowledged are offered
(:meth:`Store.attachments_waiting`). Each page goes up in pieces (``PUT
/api/v1/attachments/SHA?offset=…``, content-addressed: a dropped connection resumes from
what the district holds), then its link — case, material, page — is sent
(``POST /api/v1/attachment-links``, keyed by the page's id: resending is a duplicate, so
each page is held once). A failure stops the lane, not the round: the records' summary is
untouched and the pages wait for the next sync.

Summary keys: ``attachments_sent`` (pages linked this round), ``attachments_bytes``
(bytes sent), ``attachments_waiting`` (pages still to go), ``attachments_rejected``
(``[{"attachment_id", "reason"}]``) and ``attachments_error`` (None or the lane's error).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sync import protocol as P
from sync.client.errors import SyncError

if TYPE_CHECKING:
    from desk.core.store import Store
    from sync.client.http import DistrictClient

LINKS_PER_REQUEST = 50


def new_keys() -> dict[str, Any]:
    """The lane's summary keys, before a round."""
    return {"attachments_sent": 0, "attachments_bytes": 0, "attachments_waiting": 0,
            "attachments_rejected": [], "attachments_error": None}


def upload_attachments(store: Store, client: DistrictClient, summary: dict[str, Any], *,
                       progress: Callable[[dict[str, Any]], None] | None = None,
                       chunk_size: int = 1024 * 1024) -> None:
    """Upload every waiting page whose case the district holds, then link them."""
    summary.update({k: v for k, v in new_keys().items() if k not in summary})
    tried: set[str] = set()
    try:
        while True:
            rows = [r for r in store.attachments_waiting(limit=LINKS_PER_REQUEST + len(tried))
                    if r["attachment_id"] not in tried][:LINKS_PER_REQUEST]
            if not rows:
                break
            for r in rows:
                tried.add(r["attachment_id"])
                if r["uploaded_at"] is None:
                    data = store.attachment_data(r["attachment_id"])
                    status = client.upload_attachment(data, chunk_size=chunk_size)
                    if status.complete:
                        store.mark_attachment_uploaded(r["attachment_id"])
                        summary["attachments_bytes"] += len(data)
                if progress is not None:
                    progress(dict(summary, stage="attachments"))
            resp = client.link_attachments(P.AttachmentLinksRequest(links=[
                P.AttachmentLink(attachment_id=r["attachment_id"], case_uuid=r["case_uuid"],
                                 material=r["material"], page=r["page"], mime=r["mime"],
                                 size=r["size"], sha256=r["sha256"], pages=r["pages"],
                                 created_at=r["created_at"]) for r in rows]))
            done = [str(x.attachment_id) for x in resp.results
                    if x.result in ("accepted", "duplicate")]
            store.mark_attachments_linked(done)
            summary["attachments_sent"] += len(done)
            summary["attachments_rejected"] += [
                {"attachment_id": str(x.attachment_id), "reason": x.reason or x.result}
                for x in resp.results if x.result not in ("accepted", "duplicate")]
    except SyncError as exc:
        summary["attachments_error"] = exc.as_dict()
    summary["attachments_waiting"] = store.attachment_counts()["waiting"]
