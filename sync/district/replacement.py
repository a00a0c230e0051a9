"""A new laptop for an existing desk (issue 24): what the district hands over, and what
it can say about a revoked desk.

A replacement is enrolled with an enrollment code issued as the explicit replacement of a
desk (``doorstep-district enroll-code --replaces DESK_ID``, or the console's 替换此办事点);
:func:`sync.district.desk_codes.take_over` revokes the old desk and records the
replacement. From then on the old desk's cases belong to the new one (its later
revisions — a 容缺 supply, a correction — are the new desk's to send), and at its first
sync the new desk fetches the hand-over (:meth:`HandoverMixin.handover`): the old desk's
cases not completed at the district, with their materials checklists, due dates and
statuses, and those completed in the last 90 days (for reprints); the highest receipt
number per day so numbering continues; the old desk's receipt key so a reprint carries
the very verification code of the original.

Cases the old laptop saved but never synced are lost with it: the console says so for a
revoked desk with its last sync time and what the district received (:func:`desk_received`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from sync.district.database import Database
from sync.district.desk_codes import desk_replacements
from sync.district.tables import batches, cases

RECENT_COMPLETED_DAYS = 90


def desk_received(db: Database) -> dict[str, dict[str, Any]]:
    """Per desk: ``cases`` received, ``last_batch_at`` (its last sync that sent anything)
    and ``newest_receipt`` (the receipt number of the case received last)."""
    out: dict[str, dict[str, Any]] = {}
    with db.read() as conn:
        for desk_id, n, last_recv in conn.execute(
                select(cases.c.desk_id, func.count(), func.max(cases.c.received_at))
                .group_by(cases.c.desk_id)):
            out[desk_id] = {"cases": int(n), "last_received_at": last_recv,
                            "last_batch_at": None, "newest_receipt": None}
        for desk_id, last in conn.execute(select(batches.c.desk_id, func.max(
                batches.c.received_at)).group_by(batches.c.desk_id)):
            out.setdefault(desk_id, {"cases": 0, "last_received_at": None,
                                     "newest_receipt": None})["last_batch_at"] = last
        for new, old in conn.execute(select(desk_replacements.c.desk_id,
                                            desk_replacements.c.replaces)):
            out.setdefault(old, {"cases": 0, "last_received_at": None, "last_batch_at": None,
                                 "newest_receipt": None})["replaced_by"] = new
        for desk_id, info in out.items():
            if info.get("last_received_at"):
                info["newest_receipt"] = conn.execute(select(cases.c.receipt_no).where(
                    cases.c.desk_id == desk_id).order_by(cases.c.received_at.desc(),
                                                         cases.c.receipt_no.desc()
                                                         ).limit(1)).scalar()
    return out


def _cutoff(days: int = RECENT_COMPLETED_DAYS) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="milliseconds")


__all__ = ["RECENT_COMPLETED_DAYS", "desk_received"]
