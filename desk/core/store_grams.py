"""The two-character index's pieces, and new cases' pieces written after the save.

What a piece is (:func:`pairs`) and the kinds of record (:data:`CASE_KIND`,
:data:`MATTER_KIND`) of ``search_grams``, the index :mod:`desk.core.store_search` reads
(and re-exports these names from).

New cases (issue 13, the case save no slower than before the redesign): a save wrote its
name's pieces into ``search_grams`` — three or four rows at random places of a large tree,
so as many more pages in its commit and in every checkpoint after it. As matters do since
issue 15, a save now writes **no** piece. The meta key :data:`CASES_INDEXED` holds the
highest case row id whose pieces are in the index; the cases above it (the few saved since
the last tidy) are candidates of every name search, checked by the search's own test
(``instr`` on ``case_index.names``: :data:`NEW_CASES_NAMED`), so a case is found by the
same searches before and after it is indexed. The tidy after a save
(:meth:`desk.core.store.Store.tidy_after_save` on the window's background lane, and the
window's start) indexes them in one sorted batch once :data:`TIDY_CASES` wait; a save does,
once more than :data:`RECENT_CASES` wait (the command line: no tidy follows it), and a bulk
insert indexes its own cases before it commits (:meth:`desk.core.store.Store.
bulk_insert_cases`: demo data, imports). No key: every case is indexed (a store whose saves indexed their cases); the first
save under this code sets it below itself. A crash between a save and its tidy loses
nothing: the case, its ``case_index`` row and the mark are in the save's transaction; the
pieces and the mark's move in the tidy's.

Functions of a connection, run in the caller's transaction (``store.search`` calls them).
"""

from __future__ import annotations

from typing import Any

__all__ = ["CASES_INDEXED", "CASE_KIND", "MATTER_KIND", "NEW_CASES_NAMED", "RECENT_CASES",
           "SAVE_CHUNK", "TIDY_CASES", "index_new_cases", "new_case_indexed_later", "pairs",
           "waiting_cases"]

CASE_KIND, MATTER_KIND = 0, 1  # search_grams.kind (0 and 1 take no bytes in a row)
CASES_INDEXED = "cases_indexed_upto"
RECENT_CASES = 128  # a save indexes waiting cases itself once more than this wait:
SAVE_CHUNK = 8  # the oldest this many, so no save of a long run indexes 128 cases at once
TIDY_CASES = 32  # the tidy between saves indexes them once this many wait
# the cases above the mark whose names contain the query (its one parameter): a row-id
# range of case_index, at most RECENT_CASES rows
NEW_CASES_NAMED = ("SELECT case_id FROM case_index WHERE case_id > (SELECT CAST(value AS "
                   f"INTEGER) FROM meta WHERE key = '{CASES_INDEXED}') AND instr(names, ?) > 0")


def pairs(text: str) -> set[str]:
    """The index keys of ``text``: every two-character piece of ``text + " "``. The space
    gives the last character a piece of its own, so every character of the text starts
    one (a one-character query reads the pieces starting with it)."""
    s = text + " "
    return {s[i:i + 2] for i in range(len(text))}


def new_case_indexed_later(c: Any, case_id: int) -> None:
    """A case just inserted (row id ``case_id``, its ``case_index`` row written): its
    pieces wait above the mark — set here by the first such save — or, once more than
    :data:`RECENT_CASES` wait (saves back to back: the command line, no tidy between), the
    oldest :data:`SAVE_CHUNK` of them are indexed now — a few pieces every few saves, not
    all 128 cases' in one save (that save was the slowest of a long run: issue 13)."""
    row = c.execute("SELECT value FROM meta WHERE key = ?", [CASES_INDEXED]).fetchone()
    if row is None:
        c.execute("INSERT INTO meta(key, value) VALUES (?, ?)", [CASES_INDEXED,
                                                                  str(case_id - 1)])
    elif case_id - int(row[0]) > RECENT_CASES:
        index_new_cases(c, at_most=SAVE_CHUNK)


def index_new_cases(c: Any, *, at_most: int = -1) -> int:
    """Index the cases above the mark — all, or the oldest ``at_most`` — straight into
    ``search_grams`` (sorted, so neighbouring pieces share a leaf) and move the mark past
    them; the cases indexed."""
    row = c.execute("SELECT value FROM meta WHERE key = ?", [CASES_INDEXED]).fetchone()
    if row is None:
        return 0
    rows = c.execute("SELECT case_id, names FROM case_index WHERE case_id > ? ORDER BY case_id "
                     "LIMIT ?", [int(row[0]), at_most]).fetchall()
    if rows:
        c.executemany("INSERT OR IGNORE INTO search_grams(kind, gram, rid) VALUES (?,?,?)",
                      sorted((CASE_KIND, g, rid) for rid, names in rows for g in pairs(names)))
        c.execute("UPDATE meta SET value = ? WHERE key = ?", [str(rows[-1][0]), CASES_INDEXED])
    return len(rows)


def waiting_cases(c: Any) -> int:
    """How many cases wait above the mark (two index probes)."""
    row = c.execute("SELECT value FROM meta WHERE key = ?", [CASES_INDEXED]).fetchone()
    top = c.execute("SELECT case_id FROM case_index ORDER BY case_id DESC LIMIT 1").fetchone()
    return 0 if row is None or top is None else max(0, int(top[0]) - int(row[0]))
