"""Reading the district's cases: the part of :class:`~sync.district.storage.Storage` reached
as ``storage.cases``.

A case with everything the district holds of it (:meth:`Cases.get`), case summaries
(:meth:`Cases.summaries`; the console's lists read its own read model instead,
:mod:`sync.district.console.case_list`), bundle routes (:meth:`Cases.routes_of`), the
records refused (:meth:`Cases.rejections`), and the public check of a receipt's code
(:meth:`Cases.verify_receipt`). Cases are written by the ingest (``storage.ingest``) and
decided on through ``storage.decisions``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from sync import protocol as P
from sync.district.database import Database
from sync.district.replacement import lineage
from sync.district.tables import (
    RESIDENT_COLS,
    case_revisions,
    case_routes,
    cases,
    changes,
    desks,
    ratings,
    rejections,
)

# a case as the API and the command line show it: not the duplicate check's resident index
_SHOWN = [c for c in cases.c if c.name not in RESIDENT_COLS]


class Cases:
    """The read side of the district's cases (``storage.cases``). Holds the database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, case_uuid: str) -> dict[str, Any] | None:
        """A case with its newest payload, revisions, routes, rating and status history."""
        with self.db.read() as conn:
            row = conn.execute(select(*_SHOWN).where(cases.c.uuid == case_uuid)
                               ).mappings().first()
            if row is None:
                return None
            out = dict(row)
            revs = conn.execute(select(case_revisions).where(
                case_revisions.c.case_uuid == case_uuid).order_by(case_revisions.c.revision)
            ).mappings().all()
            out["payload"] = json.loads(revs[-1]["payload_json"]) if revs else None
            out["revisions"] = [{k: r[k] for k in ("revision", "content_hash", "batch_id",
                                                   "received_at")} for r in revs]
            out["routes"] = [dict(r) for r in conn.execute(select(case_routes).where(
                case_routes.c.case_uuid == case_uuid).order_by(case_routes.c.item_code)
            ).mappings()]
            rating = conn.execute(select(ratings).where(
                ratings.c.case_uuid == case_uuid)).mappings().first()
            out["rating"] = dict(rating) if rating else None
            out["history"] = [dict(r) for r in conn.execute(select(changes).where(
                changes.c.case_uuid == case_uuid).order_by(changes.c.seq)).mappings()]
        return out

    def summaries(self, *, desk_id: str | None = None, status: str | None = None,
                   limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Case summaries, newest received first."""
        q = select(*_SHOWN)
        if desk_id:
            q = q.where(cases.c.desk_id == desk_id)
        if status:
            q = q.where(cases.c.district_status == status)
        q = q.order_by(cases.c.received_at.desc(), cases.c.uuid).limit(limit).offset(offset)
        with self.db.read() as conn:
            rows = [dict(r) for r in conn.execute(q).mappings()]
        routes = self.routes_of(r["uuid"] for r in rows)
        for r in rows:
            r["priority"] = bool(r.get("priority"))
            r["routes"] = routes.get(r["uuid"], [])
        return rows

    def uuids(self) -> list[str]:
        """Every case UUID (tests and consistency checks)."""
        with self.db.read() as conn:
            return [r[0] for r in conn.execute(select(cases.c.uuid).order_by(cases.c.uuid))]

    def rejections(self, desk_id: str | None = None,
                        limit: int = 100) -> list[dict[str, Any]]:
        """Records refused or in conflict, newest first."""
        q = select(rejections).order_by(rejections.c.id.desc()).limit(limit)
        if desk_id:
            q = q.where(rejections.c.desk_id == desk_id)
        with self.db.read() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]


    def routes_of(self, case_uuids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Each case's bundle routes (``item_code``, ``item_name``, ``department``,
        ``status``, ``note``, ``updated_at``), in item-code order."""
        uuids = sorted(set(case_uuids))
        out: dict[str, list[dict[str, Any]]] = {u: [] for u in uuids}
        if not uuids:
            return out
        with self.db.read() as conn:
            for i in range(0, len(uuids), 500):
                for r in conn.execute(select(case_routes).where(
                        case_routes.c.case_uuid.in_(uuids[i:i + 500])).order_by(
                        case_routes.c.case_uuid, case_routes.c.item_code)).mappings():
                    d = dict(r)
                    out[d.pop("case_uuid")].append(d)
        return out

    def verify_receipt(self, receipt_no: str, case_uuid: str, code: str
                       ) -> P.ReceiptVerification:
        """Is this receipt genuine? Checks the code with the receipt key of the desk that
        made the case — or, for a case not received yet, of the desks enrolled under the
        desk code the receipt number starts with. Gives nothing personal back."""
        receipt_no = receipt_no.strip().upper()
        case_uuid = case_uuid.strip().lower()
        out = P.ReceiptVerification(valid=False, receipt_no=receipt_no)
        with self.db.read() as conn:
            row = conn.execute(select(cases.c.desk_id, cases.c.receipt_no, cases.c.item_name,
                                      cases.c.revision, cases.c.desk_created_at).where(
                cases.c.uuid == case_uuid)).first()
            if row is not None:
                if row.receipt_no.upper() != receipt_no:
                    return out  # the district knows this case under another number
                # the case's desk, or a desk it replaced (a reprint of the old desk's receipt)
                keys = [k for k in conn.execute(select(desks.c.receipt_key).where(
                    desks.c.desk_id.in_(lineage(conn, row.desk_id)))).scalars()]
            else:
                desk_code = receipt_no.rsplit("-", 2)[0] if receipt_no.count("-") >= 2 else ""
                keys = list(conn.execute(select(desks.c.receipt_key).where(
                    desks.c.desk_code == desk_code).limit(20)).scalars()) if desk_code else []
            if not any(P.receipt_code_ok(k, receipt_no, case_uuid, code) for k in keys):
                return out
            out.valid = True
            if row is None:
                return out
            payload = conn.execute(select(case_revisions.c.payload_json).where(
                case_revisions.c.case_uuid == case_uuid,
                case_revisions.c.revision == row.revision)).scalar()
        try:
            accepted = json.loads(payload or "{}").get("accepted_date")
        except (ValueError, AttributeError):
            accepted = None
        out.received = True
        out.item_name = row.item_name
        out.accepted_date = str(accepted or row.desk_created_at[:10])[:10]
        return out
