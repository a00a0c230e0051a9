"""A resident's cases at this desk (issue 23; ``store.residents``).

A resident is their ID number. The desk keeps no separate table of residents: the search
index already holds each case's applicant ID number (reversed, ``case_index.id_rev``,
indexed) inside the store, which is encrypted at rest like every other column — so no
second copy of an ID number is made, and a lookup is an index probe on the exact reversed
number (no scan, whatever the number of cases).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from desk.core.store_base import Part

# the columns a resident's case list and the duplicate rule need (no form data)
_BRIEF = ("c.uuid, c.receipt_no, c.item_code, c.item_name, c.status, c.accepted_date, "
          "c.created_at, c.promised_date, c.district_status, c.district_note, c.sync_state, "
          "c.applicant_name, c.materials_json")


def id_key(id_number: str) -> str:
    """How an ID number is keyed in the search index (reversed, upper-case X)."""
    return id_number.strip().upper()[::-1]


class Residents(Part):
    """``store.residents``: lookups by resident (ID number). ``CROSS JOIN`` keeps SQLite
    from starting at the cases of the item (tens of thousands for a busy item) instead of
    the one resident's index entries: the probe then costs the same at 100 or 100,000
    cases."""

    def _resident_item_cases(self, c: sqlite3.Connection, id_number: str,
                             item_code: str) -> list[dict[str, Any]]:
        """Inside a write transaction: the resident's cases of one item, newest first."""
        cur = c.execute(
            f"SELECT {_BRIEF} FROM case_index ci CROSS JOIN cases c ON c.id = ci.case_id "
            "WHERE ci.id_rev = ? AND c.item_code = ? ORDER BY c.created_at DESC, c.id DESC",
            [id_key(id_number), item_code])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    def resident_item_cases(self, id_number: str, item_code: str) -> list[dict[str, Any]]:
        """The resident's cases of one item, newest first (the form's early warning)."""
        with self._core.reading() as c:
            return self._resident_item_cases(c, id_number, item_code)

    def resident_cases(self, id_number: str, limit: int = 500) -> list[dict[str, Any]]:
        """Every case of the resident at this desk (as applicant), newest first."""
        return self._read(
            f"SELECT {_BRIEF}, c.department, c.data_json FROM case_index ci "
            "CROSS JOIN cases c ON c.id = ci.case_id WHERE ci.id_rev = ? "
            "ORDER BY c.created_at DESC, c.id DESC LIMIT ?", [id_key(id_number), limit])

    def resident_ids(self, where_sql: str, params: list[Any], limit: int = 50) -> list[str]:
        """Distinct applicant ID numbers of the cases a search sub-select finds (see
        :meth:`desk.core.store_search.Search._search_clause`), newest first."""
        rows = self._read(
            "SELECT ci.id_rev, max(ci.case_id) AS last FROM case_index ci "
            f"WHERE ci.case_id IN ({where_sql}) AND ci.id_rev != '' "
            "GROUP BY ci.id_rev ORDER BY last DESC LIMIT ?", [*params, limit])
        return [str(r["id_rev"])[::-1] for r in rows]

    def resident_matters(self, id_number: str, limit: int = 200) -> list[dict[str, Any]]:
        """The resident's matters (民情诉求, issue 15's ``matters`` table), newest first;
        none on a store without the table. The matters of a desk are few (no index)."""
        if not self._read("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                          "AND name = 'matters'"):
            return []
        return self._read(
            "SELECT uuid, matter_no, category, subcategory, description, status, created_at, "
            "due_at, district_status, result FROM matters WHERE upper(resident_id) = ? "
            "ORDER BY created_at DESC LIMIT ?", [id_number.strip().upper(), limit])
