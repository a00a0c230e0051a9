"""A replacement laptop takes over a desk's work (``store.handover``; issue 24).

The district hands over the replaced desk's open cases and recently completed ones
(:mod:`sync.client.handover`); they are stored here like the desk's own (encrypted at rest
with the rest of the store), already synced, with the district's status; receipt
numbering continues after the highest number the desk code used each day; and the
replaced desk's receipt key is kept for those cases (``handover_keys``), so a reprint
carries the very verification code of the original.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from desk.core.store_base import Part, StoreBase
from desk.core.store_matters import Matters
from desk.core.store_schema import CASE_COLUMNS, migration
from desk.core.store_search import Search

if TYPE_CHECKING:  # (sqlite-utils is loaded only when a migration is pending: store_schema)
    import sqlite_utils


@migration
def m_handover_keys(db: sqlite_utils.Database) -> None:
    """The receipt key of cases taken over from a replaced desk (issue 24)."""
    db.execute("CREATE TABLE handover_keys (case_uuid TEXT PRIMARY KEY, "
               "receipt_key TEXT NOT NULL)")


class Handover(Part):
    """``store.handover``: cases (and matters) taken over from the desk this laptop
    replaced; they are indexed by ``search`` and the matters kept by ``matters``."""

    def __init__(self, core: StoreBase, search: Search, matters: Matters) -> None:
        super().__init__(core)
        self._search = search
        self._matters = matters

    def adopt_handover(self, rows: Sequence[tuple[dict[str, Any], dict[str, str]]], *,
                       receipt_seq: dict[str, int], desk_code: str, receipt_key: str,
                       replaces: str, desk_id: str,
                       matters: Sequence[dict[str, Any]] = (),
                       matter_seq: dict[str, int] | None = None) -> int:
        """Store the handed-over cases (``(case row, search keys)``; a case already here is
        kept as it is), raise the receipt sequence of ``desk_code`` to the district's highest
        per day, and remember that this desk's hand-over is done; one transaction,
        audited. Returns the cases added."""
        added = 0
        with self.transaction("交接的案件未保存") as c:
            for case, search in rows:
                if c.execute("SELECT 1 FROM cases WHERE uuid = ?", [case["uuid"]]).fetchone():
                    continue
                case_id = self._core._insert_case_row(c, case)
                self._search._index(c, case_id, case["receipt_no"], search)
                c.execute("INSERT OR REPLACE INTO handover_keys(case_uuid, receipt_key) "
                          "VALUES (?, ?)", [case["uuid"], receipt_key])
                added += 1
            c.executemany("INSERT INTO receipt_seq(desk_code, day, last) VALUES (?, ?, ?) "
                          "ON CONFLICT(desk_code, day) DO UPDATE SET "
                          "last = MAX(last, excluded.last)",
                          [(desk_code, day, n) for day, n in receipt_seq.items()])
            # issue 15: its resident matters too, numbering continuing after its own
            self._matters._adopt_matters(c, matters, matter_seq or {}, desk_code, replaces)
            c.execute("INSERT INTO meta(key, value) VALUES ('handover_done', ?) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [desk_id])
            if replaces:
                self._audit(c, "sync", "case.handover", None,
                            {"replaces": replaces, "cases": added, "offered": len(rows)})
        return added

    def case_receipt_key(self, uuid: str) -> str | None:
        """The receipt key a taken-over case was issued under, or None (this desk's own)."""
        rows = self._read("SELECT receipt_key FROM handover_keys WHERE case_uuid = ?", [uuid])
        return str(rows[0]["receipt_key"]) if rows else None


def case_row(payload: dict[str, Any], district: dict[str, Any]) -> dict[str, Any]:
    """The store row of a handed-over case: the payload the old desk sent, synced, with
    the district's status."""
    row = {k: payload.get(k) for k in CASE_COLUMNS if k in payload}
    row.update(sync_state="synced", district_status=district.get("district_status"),
               district_note=district.get("district_note") or "",
               district_department=district.get("district_department"),
               district_received_at=district.get("received_at"))
    for key in ("data_json", "materials_json"):
        if isinstance(row.get(key), (dict, list)):
            row[key] = json.dumps(row[key], ensure_ascii=False, sort_keys=True)
    return row


__all__ = ["Handover", "case_row", "m_handover_keys"]
