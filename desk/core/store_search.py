"""Finding cases: the narrow search index and the filtered list (part of :class:`Store`).

A case's names, pinyin initials and reversed ID number and phone go into ``case_index`` in
the transaction that saves the case; :meth:`SearchMixin.list_cases` and
:meth:`SearchMixin.count_cases` filter with it. pypinyin is imported on the first save, not
at start-up.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from desk.core.store_base import StoreBase
from forms.names import name_initials  # shared with the district console's search

__all__ = ["SearchMixin", "name_initials"]


def _digits_rev(s: str) -> str:
    return s[::-1].upper()


class SearchMixin(StoreBase):
    """:class:`Store`'s search index and case list queries."""

    def _index(self, c: sqlite3.Connection, case_id: int | None, receipt_no: str,
               search: dict[str, str]) -> None:
        names = " ".join(n for n in (search.get("name", ""), search.get("proxy_name", "")) if n)
        initials = name_initials(search.get("name", ""))
        c.execute("INSERT OR REPLACE INTO case_index(case_id, names, initials, id_rev, "
                  "phone_rev, receipt_no) VALUES (?,?,?,?,?,?)",
                  [case_id, names, initials, _digits_rev(search.get("id_number", "")),
                   _digits_rev(search.get("phone", "")), receipt_no])

    def _where(self, search: str | None, status: str | None, item: str | None,
               date_from: str | None, date_to: str | None,
               sync_state: str | None) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if status:
            clauses.append("c.status = ?")
            params.append(status)
        if sync_state:
            clauses.append("c.sync_state = ?")
            params.append(sync_state)
        if item:
            clauses.append("c.item_code = ?")
            params.append(item)
        if date_from:
            clauses.append("c.created_at >= ?")
            params.append(date_from)
        if date_to:
            clauses.append("c.created_at < date(?, '+1 day')")
            params.append(date_to)
        q = (search or "").strip()
        if q:
            sub, sub_params = self._search_clause(q)
            clauses.append(f"c.id IN ({sub})")
            params.extend(sub_params)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    @staticmethod
    def _search_clause(q: str) -> tuple[str, list[Any]]:
        """A sub-select of case ids for a free-text query.

        Digits: the end of an ID number or phone (an indexed prefix match on the reversed
        string), or a whole number. Latin letters: pinyin initials (indexed prefix).
        A receipt number: prefix or the daily sequence. Anything else: a substring of the
        applicant's or proxy's name (a scan of the narrow index table; works for 1–2
        character names, where FTS trigram indexes find nothing).
        """
        qu = q.upper().replace(" ", "")
        if re.fullmatch(r"\d{3,17}[\dX]?|\d{18}|\d{17}X", qu):
            rev = qu[::-1]
            return ("SELECT case_id FROM case_index WHERE id_rev GLOB ? UNION "
                    "SELECT case_id FROM case_index WHERE phone_rev GLOB ?",
                    [rev + "*", rev + "*"])
        if re.fullmatch(r"[A-Z]{2,4}-[A-Z0-9-]*", qu):
            return ("SELECT id FROM cases WHERE receipt_no GLOB ?", [qu + "*"])
        if re.fullmatch(r"[a-zA-Z]{1,10}", q):
            return ("SELECT case_id FROM case_index WHERE initials GLOB ?", [q.lower() + "*"])
        return ("SELECT case_id FROM case_index WHERE instr(names, ?) > 0", [q])

    def list_cases(self, *, search: str | None = None, status: str | None = None,
                   item: str | None = None, date_from: str | None = None,
                   date_to: str | None = None, sync_state: str | None = None,
                   limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Cases, newest first, filtered; each row without the full form data."""
        where, params = self._where(search, status, item, date_from, date_to, sync_state)
        return [dict(r) for r in self._read(
            "SELECT c.id, c.uuid, c.receipt_no, c.item_code, c.item_name, c.department, "
            "c.status, c.sync_state, c.priority, c.applicant_name, c.created_at, "
            "c.accepted_date, c.promised_date, c.district_status, c.district_note, "
            "c.district_department, c.revision, ci.id_rev, ci.phone_rev, r.level AS rating "
            f"FROM cases c JOIN case_index ci ON ci.case_id = c.id "
            f"LEFT JOIN ratings r ON r.case_uuid = c.uuid{where} "
            "ORDER BY c.created_at DESC, c.id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset])]

    def count_cases(self, *, search: str | None = None, status: str | None = None,
                    item: str | None = None, date_from: str | None = None,
                    date_to: str | None = None, sync_state: str | None = None) -> int:
        """How many cases match the filters."""
        where, params = self._where(search, status, item, date_from, date_to, sync_state)
        return int(self._read(f"SELECT count(*) AS n FROM cases c{where}", params)[0]["n"])
