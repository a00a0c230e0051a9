"""Finding cases and matters: the search indexes and the filtered lists (``store.search``).

A case's names, pinyin initials and reversed ID number and phone go into ``case_index`` in
the transaction that saves the case; :meth:`Search.list_cases` and
:meth:`Search.count_cases` filter with it. pypinyin is imported on the first save, not
at start-up.

Any part of a name (and of a matter's texts) is found through ``search_grams`` (issue 14
item 15): one row per two-character piece of the text and record, keyed by record kind
(:data:`CASE_KIND`, :data:`MATTER_KIND`) and row id, written in the transaction that writes
the record (saved, handed over, purged). A query reads the rows of its pieces (a
one-character query: the range of pieces starting with it) instead of scanning every name
— on an encrypted store a scan decrypts every page of ``case_index``. Longer queries check
the candidates with the very test the scan used, so both always find the same records.
A store made before the index is filled by :func:`m016_search_grams`, or — when large —
in batches in the background (:meth:`Search.build_search_grams`); until it is
complete, searches scan as before. A save writes no piece (a matter since issue 15, a case
since issue 13): the records saved since the last tidy wait above a mark, found by every
search's own test, and the tidy between saves indexes them (:mod:`desk.core.store_grams`).
"""

from __future__ import annotations

import json
import re
import sqlite3
import string
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from desk.core import store_grams
from desk.core.store_base import Part
from desk.core.store_grams import CASE_KIND, MATTER_KIND, pairs
from desk.core.store_schema import migration
from forms.names import name_initials  # shared with the district console's search

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["CASE_KIND", "MATTERS_INDEXED", "MATTER_KIND", "MATTER_SEARCHED", "RECENT_MATTERS",
           "TIDY_MATTERS",
           "Search", "name_initials", "pairs"]

# what a matter search matches by substring (store_matters.Matters.list_matters), in that order
MATTER_SEARCHED = ("matter_no", "resident_name", "place_text", "category", "subcategory",
                   "description", "owner", "resident_phone", "resident_id")
# meta key present while an existing store's index is being built: {"case": id,
# "matter": id}, the highest row id of each kind not yet indexed (0: none left)
GRAMS_TODO = "search_grams_todo"
# a store with more records than this when migrated is indexed in the background (building
# 100,000 encrypted cases at once takes longer than a worker should wait at unlock)
SYNC_BUILD_ROWS = 20_000
BUILD_BATCH = 1_000  # ~70 ms per batch at 100,000 encrypted cases on a loaded 2-core laptop
_MANY = 250  # a search finding more cases pages along the date index (see list_cases)
# a whole receipt number or ID number: a handful of cases at most, read in one query
_FEW = re.compile(r"[A-Z]{2,4}-[A-Z0-9]+-\d{8}-\d{4,}|\d{17}[\dX]")
# an edited matter's changed pieces go to ``search_grams_recent`` (issue 15): keyed by row
# id, so an edit appends to its last page or two instead of dirtying one random leaf of
# ``search_grams`` per piece; searches read both tables, and the pieces are moved into
# ``search_grams`` (sorted, so neighbouring pieces share a leaf) once they span more than
# TIDY_MATTERS row ids (the window, between saves) or RECENT_MATTERS (a save). A new
# matter's pieces wait above the mark below, as many as these
RECENT_MATTERS = 128
TIDY_MATTERS = 32  # the window indexes and moves them sooner, between saves (tidy_after_save)
# meta key: the highest matter row id whose pieces are in the index. A save writes no piece
# (issue 15's save p99): matters above the mark — the few saved since the last tidy — are
# candidates of every matter search, checked by its LIKE test like any other; the tidy
# between saves (or a save, once more than RECENT_MATTERS wait) indexes them and moves the
# mark. Absent: every matter is indexed (a store whose saves indexed their matters).
MATTERS_INDEXED = "matters_indexed_upto"
_TAIL = ("SELECT id FROM matters WHERE id > "
         f"(SELECT CAST(value AS INTEGER) FROM meta WHERE key = '{MATTERS_INDEXED}')")
_TOP = "\U0010ffff"  # the greatest character: (c, c + _TOP) spans every piece starting with c
_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)  # LIKE's case folding


def _digits_rev(s: str) -> str:
    return s[::-1].upper()


def _query_pairs(q: str) -> list[str]:
    """The pieces of a query of two or more characters that its candidates must all have:
    the first, the last and up to two between (more narrow the candidates little)."""
    ps = list(dict.fromkeys(q[i:i + 2] for i in range(len(q) - 1)))
    if len(ps) > 4:
        ps = [ps[0], ps[len(ps) // 3], ps[2 * len(ps) // 3], ps[-1]]
    return ps


def _candidates(kind: int, q: str) -> tuple[str, list[Any]]:
    """A sub-select of the row ids of ``kind`` whose indexed text may contain ``q``: for
    one or two characters exactly those that do (see :func:`pairs`). A matter's pieces
    may be in ``search_grams``, ``search_grams_recent`` or (an edited matter) both, so
    each piece reads the union of the two."""
    if len(q) == 1:
        one = "SELECT rid FROM {} WHERE kind = ? AND gram BETWEEN ? AND ?"
        if kind != MATTER_KIND:
            return one.format("search_grams"), [kind, q, q + _TOP]
        return (f"{one.format('search_grams')} UNION {one.format('search_grams_recent')} "
                f"UNION {_TAIL}", [kind, q, q + _TOP] * 2)
    ps = _query_pairs(q)
    if kind != MATTER_KIND:
        return (" INTERSECT ".join(["SELECT rid FROM search_grams WHERE kind = ? AND gram = ?"]
                                   * len(ps)),
                [x for p in ps for x in (kind, p)])
    arm = ("SELECT rid FROM (SELECT rid FROM search_grams WHERE kind = ? AND gram = ? UNION "
           "SELECT rid FROM search_grams_recent WHERE kind = ? AND gram = ?)")
    return (f"SELECT rid FROM ({' INTERSECT '.join([arm] * len(ps))}) UNION {_TAIL}",
            [x for p in ps for x in (kind, p) * 2])


def _case_names(search: Mapping[str, str]) -> str:
    return " ".join(n for n in (search.get("name", ""), search.get("proxy_name", "")) if n)


def matter_pairs(matter: Mapping[str, Any]) -> set[str]:
    """The index keys of a matter: the pieces of each searched text, ASCII letters folded
    to lower case as SQLite's LIKE compares them."""
    out: set[str] = set()
    for k in MATTER_SEARCHED:
        out |= pairs(str(matter.get(k) or "").translate(_FOLD))
    return out


def _put(c: sqlite3.Connection, kind: int, rid: int, keys: Iterable[str]) -> None:
    c.executemany("INSERT OR IGNORE INTO search_grams(kind, gram, rid) VALUES (?,?,?)",
                  [(kind, g, rid) for g in keys])


def _drop(c: sqlite3.Connection, kind: int, rid: int, keys: Iterable[str]) -> None:
    rows = [(kind, g, rid) for g in keys]
    c.executemany("DELETE FROM search_grams WHERE kind = ? AND gram = ? AND rid = ?", rows)
    if kind == MATTER_KIND:
        c.executemany("DELETE FROM search_grams_recent WHERE kind = ? AND gram = ? AND rid = ?",
                      rows)


def _put_recent(c: sqlite3.Connection, rid: int, keys: Iterable[str]) -> None:
    c.executemany("INSERT OR IGNORE INTO search_grams_recent(kind, rid, gram) VALUES (?,?,?)",
                  [(MATTER_KIND, rid, g) for g in sorted(keys)])


def _recent_span(c: Any) -> int:
    """How many row ids the matters in ``search_grams_recent`` span: two index probes. (One
    ``SELECT min(rid), max(rid)`` is not: SQLite's min/max shortcut takes a lone aggregate,
    so that form read every piece of every recent matter — 0.7 ms a save at 128 matters.)"""
    probe = "SELECT rid FROM search_grams_recent WHERE kind = ? ORDER BY rid {} LIMIT 1"
    lo = c.execute(probe.format("ASC"), [MATTER_KIND]).fetchone()
    if lo is None:
        return 0
    hi = c.execute(probe.format("DESC"), [MATTER_KIND]).fetchone()
    return int(hi[0]) - int(lo[0]) + 1


def _move_recent(c: Any) -> int:
    """Move every row of ``search_grams_recent`` into ``search_grams`` in the caller's
    transaction (so all or none: a crash leaves each piece in one table or the other, and
    a piece in both is harmless — searches take the union); the rows moved."""
    n = c.execute("SELECT count(*) FROM search_grams_recent").fetchone()[0]
    if n:
        c.execute("INSERT OR IGNORE INTO search_grams(kind, gram, rid) SELECT kind, gram, rid "
                  "FROM search_grams_recent ORDER BY kind, gram, rid")
        c.execute("DELETE FROM search_grams_recent")
    return int(n)


def _index_tail(c: Any) -> int:
    """Index the matters above the :data:`MATTERS_INDEXED` mark straight into
    ``search_grams`` (sorted, so neighbouring pieces share a leaf) and move the mark, in the
    caller's transaction; the matters indexed."""
    row = c.execute("SELECT value FROM meta WHERE key = ?", [MATTERS_INDEXED]).fetchone()
    if row is None:
        return 0
    cur = c.execute(f"SELECT id, {', '.join(MATTER_SEARCHED)} FROM matters WHERE id > ? "
                    "ORDER BY id", [int(row[0])])
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    if rows:
        c.executemany("INSERT OR IGNORE INTO search_grams(kind, gram, rid) VALUES (?,?,?)",
                      sorted((MATTER_KIND, g, r["id"]) for r in rows for g in matter_pairs(r)))
        c.execute("UPDATE meta SET value = ? WHERE key = ?", [str(rows[-1]["id"]),
                                                             MATTERS_INDEXED])
    return len(rows)


def _tail_length(c: Any) -> int:
    """How many matters wait above the mark (two index probes)."""
    row = c.execute("SELECT value FROM meta WHERE key = ?", [MATTERS_INDEXED]).fetchone()
    top = c.execute("SELECT id FROM matters ORDER BY id DESC LIMIT 1").fetchone()
    return 0 if row is None or top is None else max(0, int(top[0]) - int(row[0]))


def _has_table(c: Any, name: str) -> bool:
    return c.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                     [name]).fetchone() is not None


def _build_batch(c: Any, todo: dict[str, int], batch: int) -> dict[str, int]:
    """Index up to ``batch`` records below the marks of ``todo`` (newest first, matters
    before cases); the marks left."""
    todo = dict(todo)
    if todo.get("matter", 0) > 0:
        cur = c.execute(f"SELECT id, {', '.join(MATTER_SEARCHED)} FROM matters "
                        "WHERE id <= ? ORDER BY id DESC LIMIT ?", [todo["matter"], batch])
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        c.executemany("INSERT OR IGNORE INTO search_grams(kind, gram, rid) VALUES (?,?,?)",
                      [(MATTER_KIND, g, r["id"]) for r in rows for g in matter_pairs(r)])
        todo["matter"] = rows[-1]["id"] - 1 if len(rows) == batch else 0
        return todo
    if todo.get("case", 0) > 0:
        rows = c.execute("SELECT case_id, names FROM case_index WHERE case_id <= ? "
                         "ORDER BY case_id DESC LIMIT ?", [todo["case"], batch]).fetchall()
        c.executemany("INSERT OR IGNORE INTO search_grams(kind, gram, rid) VALUES (?,?,?)",
                      [(CASE_KIND, g, rid) for rid, names in rows for g in pairs(names)])
        todo["case"] = rows[-1][0] - 1 if len(rows) == batch else 0
    return todo


@migration
def m016_search_grams(db: sqlite_utils.Database) -> None:
    """Issue 14 item 15: the two-character index of case names and matter texts
    (``search_grams``), filled here for a store of up to :data:`SYNC_BUILD_ROWS` records,
    else marked to be filled in the background (searches scan until it is)."""
    c = db.conn
    c.execute("""
        CREATE TABLE search_grams (
            kind INTEGER NOT NULL,
            gram TEXT NOT NULL,
            rid INTEGER NOT NULL,
            PRIMARY KEY (kind, gram, rid)
        ) WITHOUT ROWID""")
    # this step may run before or after the matters' own (their order of registration)
    todo = {"case": int(c.execute("SELECT coalesce(max(case_id), 0) FROM case_index"
                                  ).fetchone()[0]),
            "matter": int(c.execute("SELECT coalesce(max(id), 0) FROM matters").fetchone()[0])
            if _has_table(c, "matters") else 0}
    # records are never deleted: the highest ids count them without reading every page
    if todo["case"] + todo["matter"] > SYNC_BUILD_ROWS:
        c.execute("INSERT INTO meta(key, value) VALUES (?, ?)", [GRAMS_TODO, json.dumps(todo)])
        return
    while todo["case"] > 0 or todo["matter"] > 0:
        todo = _build_batch(c, todo, 10 * BUILD_BATCH)


@migration
def m020_search_grams_recent(db: sqlite_utils.Database) -> None:
    """Issue 15: new matters' pieces, keyed by row id (see :data:`RECENT_MATTERS`)."""
    db.conn.execute("""
        CREATE TABLE search_grams_recent (
            kind INTEGER NOT NULL,
            rid INTEGER NOT NULL,
            gram TEXT NOT NULL,
            PRIMARY KEY (kind, rid, gram)
        ) WITHOUT ROWID""")


class Search(Part):
    """``store.search``: the search indexes (kept in step inside the callers' transactions)
    and the case list queries."""

    def _index(self, c: sqlite3.Connection, case_id: int | None, receipt_no: str,
               search: dict[str, str], *, new: bool = False) -> None:
        """A case's row of ``case_index`` and its name pieces, in the caller's transaction.
        ``new``: a case this transaction just inserted (a save) — no old row to read or
        replace, and its pieces wait for the tidy (:mod:`desk.core.store_grams`)."""
        names = _case_names(search)
        row = [case_id, names, name_initials(search.get("name", "")),
               _digits_rev(search.get("id_number", "")), _digits_rev(search.get("phone", "")),
               receipt_no]
        cols = "(case_id, names, initials, id_rev, phone_rev, receipt_no) VALUES (?,?,?,?,?,?)"
        if new and case_id is not None:
            c.execute(f"INSERT INTO case_index{cols}", row)
            store_grams.new_case_indexed_later(c, case_id)
            return
        old = c.execute("SELECT names FROM case_index WHERE case_id = ?", [case_id]).fetchone()
        c.execute(f"INSERT OR REPLACE INTO case_index{cols}", row)
        if case_id is not None:
            before = pairs(old[0]) if old else set()
            after = pairs(names)
            _drop(c, CASE_KIND, case_id, before - after)
            _put(c, CASE_KIND, case_id, after - before)

    def _unindex_case(self, c: sqlite3.Connection, case_id: int) -> None:
        """Forget a case's personal search keys (the retention purge), in the caller's
        transaction: the name pieces, names, initials, ID number and phone."""
        old = c.execute("SELECT names FROM case_index WHERE case_id = ?", [case_id]).fetchone()
        if old:
            _drop(c, CASE_KIND, case_id, pairs(old[0]))
        c.execute("UPDATE case_index SET names = '', initials = '', id_rev = '', "
                  "phone_rev = '' WHERE case_id = ?", [case_id])

    def _note_new_matter(self, c: sqlite3.Connection, rid: int) -> None:
        """A matter just inserted (row id ``rid``), in the caller's transaction: no piece
        is written — it is above the :data:`MATTERS_INDEXED` mark, so searches check it
        directly until a tidy indexes it. More than :data:`RECENT_MATTERS` waiting (the
        command line's saves, which no tidy follows): indexed here, all at once."""
        row = c.execute("SELECT value FROM meta WHERE key = ?", [MATTERS_INDEXED]).fetchone()
        if row is None:  # the first save since its saves stopped indexing: all below it are
            c.execute("INSERT INTO meta(key, value) VALUES (?, ?)", [MATTERS_INDEXED,
                                                                      str(rid - 1)])
        elif rid - int(row[0]) > RECENT_MATTERS:
            _index_tail(c)
            if _recent_span(c) >= RECENT_MATTERS:
                _move_recent(c)  # an edit's pieces: bounded the same way

    def _index_matter(self, c: sqlite3.Connection, rid: int,
                      before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
        """Keep an edited matter's pieces in step with its texts, in the caller's
        transaction (a matter above the mark gets only its changed pieces here, the rest
        when it is indexed: searches take the union)."""
        old, new = matter_pairs(before), matter_pairs(after)
        _drop(c, MATTER_KIND, rid, old - new)
        _put_recent(c, rid, new - old)

    def move_recent_grams(self) -> int:
        """Index the matters and cases saved since the last tidy and move edited matters'
        pieces into the main index (one short write transaction; the window runs it on its
        background lane at start and after saves); the pieces moved plus the matters and
        cases indexed."""
        with self.transaction("搜索索引未更新") as c:
            return _index_tail(c) + _move_recent(c) + store_grams.index_new_cases(c)

    def tidy(self) -> int:
        """Index new matters once :data:`TIDY_MATTERS` wait (new cases once
        :data:`~desk.core.store_grams.TIDY_CASES` do), and move edits' pieces once they
        span as many row ids (sooner than a save would, off its path:
        :meth:`Store.tidy_after_save`); what :meth:`move_recent_grams` returns, or 0."""
        with self._core.reading() as c:
            if _tail_length(c) < TIDY_MATTERS and _recent_span(c) < TIDY_MATTERS and \
                    store_grams.waiting_cases(c) < store_grams.TIDY_CASES:
                return 0
        return self.move_recent_grams()

    # -- the index of an existing store, built in the background ---------------------------

    def search_grams_ready(self) -> bool:
        """True once every record is in the two-character index (always, for a store made
        with it); until then searches scan."""
        if getattr(self, "_grams_ready", False):
            return True
        ready = self.get_meta(GRAMS_TODO) is None
        self._grams_ready = ready
        return ready

    def build_search_grams(self, batch: int | None = None) -> bool:
        """Index one batch of the records a large store had when it was migrated (one
        short write transaction); True while more remain. The window runs it on its
        background helper, one batch per task, so saves go between batches."""
        if self.search_grams_ready():
            return False
        with self.transaction("搜索索引未更新") as c:
            row = c.execute("SELECT value FROM meta WHERE key = ?", [GRAMS_TODO]).fetchone()
            if row is None:
                return False
            todo = _build_batch(c, json.loads(row[0]), batch or BUILD_BATCH)
            if todo.get("case", 0) > 0 or todo.get("matter", 0) > 0:
                c.execute("UPDATE meta SET value = ? WHERE key = ?",
                          [json.dumps(todo), GRAMS_TODO])
                return True
            c.execute("DELETE FROM meta WHERE key = ?", [GRAMS_TODO])
        self._grams_ready = True
        return False

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

    def _search_clause(self, q: str) -> tuple[str, list[Any]]:
        """A sub-select of case ids for a free-text query.

        Digits: the end of an ID number or phone (an indexed prefix match on the reversed
        string), or a whole number. Latin letters: pinyin initials (indexed prefix).
        A receipt number: prefix or the daily sequence. Anything else: a substring of the
        applicant's or proxy's name (:meth:`_name_clause`).
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
        return self._name_clause(q)

    def _name_clause(self, q: str, *, scan: bool = False) -> tuple[str, list[Any]]:
        """Case ids whose applicant's or proxy's name contains ``q`` (as typed, stripped).
        Through the two-character index: for one or two characters its rows are the answer;
        longer queries (and one ending in a space) check each candidate with ``instr``, the
        test of the scan (``scan=True``, or while the index is built), as the cases saved
        since the last tidy are checked (:data:`desk.core.store_grams.NEW_CASES_NAMED`)."""
        if scan or not q or not self.search_grams_ready():
            return ("SELECT case_id FROM case_index WHERE instr(names, ?) > 0", [q])
        sub, params = _candidates(CASE_KIND, q)
        if len(q) > 2 or q.endswith(" "):  # (a final space could be the padding's)
            sub, params = (f"SELECT case_id FROM case_index WHERE case_id IN ({sub}) "
                           "AND instr(names, ?) > 0", [*params, q])
        return f"{sub} UNION {store_grams.NEW_CASES_NAMED}", [*params, q]

    def _matter_clause(self, q: str, *, scan: bool = False) -> tuple[str, list[Any]]:
        """The filter of :meth:`desk.core.store_matters.Matters.list_matters` for a
        stripped query: ``q`` (without ``%`` and ``_``) in any searched text, ASCII case
        ignored (LIKE); digits (4 or more): also the end of the phone or ID number. Through
        the index, the same test runs on the candidates only."""
        text = q.replace("%", "").replace("_", "")
        like = f"%{text}%"
        parts = [f"{k} LIKE ?" for k in MATTER_SEARCHED[:7]]
        params: list[Any] = [like] * len(parts)
        if q.isdigit() and len(q) >= 4:
            parts += ["resident_phone LIKE ?", "resident_id LIKE ?"]
            params += [f"%{q}", f"%{q}"]
        test = f"({' OR '.join(parts)})"
        if scan or not text or not self.search_grams_ready():
            return test, params
        sub, sub_params = _candidates(MATTER_KIND, text.translate(_FOLD))
        return f"id IN ({sub}) AND {test}", [*sub_params, *params]

    def list_cases(self, *, search: str | None = None, status: str | None = None,
                   item: str | None = None, date_from: str | None = None,
                   date_to: str | None = None, sync_state: str | None = None,
                   limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Cases, newest first, filtered; each row without the full form data.

        A search finding many cases (a common surname, one character) is paged along the
        date index (``cases_created``: date and id, no row read) newest first, stopping at
        the page's end, so only the page's rows are read; a search finding few reads just
        those (each row read costs a page decrypted on an encrypted store)."""
        where, params = self._where(search, status, item, date_from, date_to, sync_state)
        cols = ("SELECT c.id, c.uuid, c.receipt_no, c.item_code, c.item_name, c.department, "
                "c.status, c.sync_state, c.priority, c.applicant_name, c.created_at, "
                "c.accepted_date, c.promised_date, c.district_status, c.district_note, "
                "c.district_department, c.revision, ci.id_rev, ci.phone_rev, r.level AS rating ")
        q = (search or "").strip()
        many = False
        if (q and not (status or item or sync_state)
                and not _FEW.fullmatch(q.upper().replace(" ", ""))
                and self.search_grams_ready()):
            # its ids (at most _MANY + 1): many — page along the date index; few — read
            # just those rows, not running the search again
            sub, sub_params = self._search_clause(q)
            found = [next(iter(r.values())) for r in self._read(
                f"SELECT * FROM ({sub}) LIMIT ?", [*sub_params, _MANY + 1])]
            if not found:
                return []
            if not (many := len(found) > _MANY):
                where, params = self._where(None, status, item, date_from, date_to, sync_state)
                where += f"{' AND ' if where else ' WHERE '}c.id IN ({', '.join('?' * len(found))})"
                params = [*params, *found]
        if many:
            page = (f"SELECT c.id FROM cases AS c INDEXED BY cases_created{where} "
                    "ORDER BY c.created_at DESC, c.id DESC LIMIT ? OFFSET ?")
            return [dict(r) for r in self._read(
                f"{cols}FROM ({page}) AS p CROSS JOIN cases c ON c.id = p.id "
                "JOIN case_index ci ON ci.case_id = c.id "
                "LEFT JOIN ratings r ON r.case_uuid = c.uuid "
                "ORDER BY c.created_at DESC, c.id DESC", [*params, limit, offset])]
        return [dict(r) for r in self._read(
            f"{cols}FROM cases c JOIN case_index ci ON ci.case_id = c.id "
            f"LEFT JOIN ratings r ON r.case_uuid = c.uuid{where} "
            "ORDER BY c.created_at DESC, c.id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset])]

    def count_cases(self, *, search: str | None = None, status: str | None = None,
                    item: str | None = None, date_from: str | None = None,
                    date_to: str | None = None, sync_state: str | None = None) -> int:
        """How many cases match the filters. A search alone is counted in its index (every
        id a search yields is a case's: cases are never deleted), no case row read."""
        q = (search or "").strip()
        if q and not (status or item or sync_state or date_from or date_to):
            sub, params = self._search_clause(q)
            return int(self._read(f"SELECT count(*) AS n FROM (SELECT DISTINCT * FROM ({sub}))",
                                  params)[0]["n"])
        where, params = self._where(search, status, item, date_from, date_to, sync_state)
        return int(self._read(f"SELECT count(*) AS n FROM cases c{where}", params)[0]["n"])
