"""A replacement laptop's first sync: take over the replaced desk's work (issue 24).

Once, for a desk enrolled as a replacement (meta ``handover_pending`` = its desk id, set at
enrollment; ``handover_done`` once taken), the desk asks the district for the hand-over (``GET /api/v1/handover``, a page at a time): for a desk
enrolled as the replacement of another, that desk's open cases and those completed in
the last 90 days, its receipt numbering and receipt key; for any other desk, nothing. The
cases are stored in one transaction (:meth:`desk.core.store_handover.Handover.
adopt_handover`), so the worker can reprint a receipt, take the 容缺 materials that fall
due and answer a resident asking about their case. A district without the route (an
older one) has nothing to hand over.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from forms.engine import applicant_summary
from sync import protocol as P
from sync.client.errors import SyncError
from sync.client.http import DistrictClient

if TYPE_CHECKING:
    from desk.core.app import DeskContext

log = logging.getLogger(__name__)
PAGE = 500


def _search(ctx: DeskContext, payload: dict[str, Any]) -> dict[str, str]:
    try:
        data = json.loads(payload.get("data_json") or "{}")
    except (TypeError, ValueError):
        data = {}
    fields = data.get("fields", {}) if isinstance(data, dict) else {}
    if not isinstance(fields, dict):
        fields = {}
    try:
        item = ctx.catalog_for(str(payload.get("catalog_version") or "")).get(
            str(payload.get("item_code")))
    except (KeyError, AttributeError):
        item = None
    if item is not None:
        return applicant_summary(item, fields)
    return {"name": str(payload.get("applicant_name") or ""), "id_number": "", "phone": "",
            "proxy_name": ""}


def take_handover(ctx: DeskContext, client: DistrictClient, summary: dict[str, Any]) -> None:
    """Fetch and store the hand-over unless done for this enrollment; ``summary
    ["handover"]`` = cases added (0 when there was nothing to take over)."""
    from desk.core.store_handover import case_row

    store = ctx.store
    desk_id = store.get_meta("desk_id")
    summary.setdefault("handover", 0)
    if not desk_id or store.get_meta("handover_pending") != desk_id or \
            store.get_meta("handover_done") == desk_id:
        return  # only a desk enrolled as a replacement, once
    rows: list[tuple[dict[str, Any], dict[str, str]]] = []
    first: P.HandoverResponse | None = None
    after = ""
    while True:
        try:
            resp = client.handover(after, PAGE)
        except SyncError as exc:
            if exc.status == 404:  # an older district: nothing to hand over
                store.set_meta("handover_done", desk_id)
                return
            raise
        first = first or resp
        for hc in resp.cases:
            payload = json.loads(hc.payload_json)
            rows.append((case_row(payload, hc.model_dump()), _search(ctx, payload)))
        if not resp.more or not resp.cases:
            break
        after = str(json.loads(resp.cases[-1].payload_json).get("uuid"))
    summary["handover"] = store.handover.adopt_handover(
        rows, receipt_seq=first.receipt_seq, desk_code=first.desk_code or
        ctx.settings.desk_code, receipt_key=first.receipt_key, replaces=first.replaces,
        desk_id=desk_id, matters=[hm.model_dump() for hm in first.matters],
        matter_seq=first.matter_seq)
    summary["handover_matters"] = len(first.matters)
    if first.replaces:
        log.info("took over %d cases of desk %s", summary["handover"], first.replaces)


__all__ = ["take_handover"]
