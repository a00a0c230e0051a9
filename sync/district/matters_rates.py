"""The three rates' summary (issue 15, the 1,000,000-order bench): ``matter_rate_cells`` and
``matter_board_cells``.

The rates page and the 好差评 board counted over every work order of a period, joined with
the first 签收 of each order from ``changes`` (a GROUP BY over all matter changes): at a
million orders that took seconds. Instead every order contributes its counts to one *cell*
of each table — rates: (the local month it was received, department, category, desk code);
board: (month, desk code, owner) — and every write that changes an order moves its
contribution in the same transaction (:func:`move`: subtract what it counted before, add
what it counts now). The pages then sum a few thousand cells per month. Counts: ``total``,
``dispatched`` (has a department), ``in_time`` (dispatched and first signed no later than
its deadline), ``resolved`` (closed and not 不满意), ``rated`` (has a 回访 satisfaction),
``happy`` (满意 or 基本满意); the board's cells count ``rated`` and ``happy``.

``matters.signed_at`` (the first 签收) makes ``in_time`` a property of the order's row.

For a district made before this table existed, :class:`Rates` (``storage.rates``, run by
:meth:`~sync.district.storage.Storage.migrate`) fills ``signed_at`` from the changes
and counts every order once — exactly once however many server processes start together
(the ``meta`` row claimed in the same transaction is the lock; on PostgreSQL the orders are
locked against writers while they are counted). :func:`recount` counts from the orders
themselves: the tests compare it with the summary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select, text, update

from sync.district.config import district_zone
from sync.district.database import Database
from sync.district.matters_tables import (
    matter_board_cells,
    matter_rate_cells,
    matters,
    number_keys,
)
from sync.district.tables import changes, meta

COUNTS = ("total", "dispatched", "in_time", "resolved", "rated", "happy")
CELL = ("month", "department", "category", "desk_code")
BOARD_COUNTS = ("rated", "happy")
BOARD_CELL = ("month", "desk_code", "owner")
TABLES = {"rates": (matter_rate_cells, CELL, COUNTS),
          "board": (matter_board_cells, BOARD_CELL, BOARD_COUNTS)}
# the columns of an order its contribution depends on
NEEDS = ("received_at", "department", "category", "desk_code", "owner", "status",
         "satisfaction", "due_at", "signed_at")
BUILT_KEY = "matter_rate_cells_built"
NUMBER_KEYS_KEY = "matter_number_keys_built"  # the orders' number-search keys are filled

Key = tuple[str, tuple[str, ...]]  # (table: rates | board, its cell)


def _tz() -> ZoneInfo:
    return district_zone()


def local_month(received_at: str) -> str:
    """``YYYY-MM`` of a UTC stamp in district local time."""
    return datetime.fromisoformat(received_at).astimezone(_tz()).strftime("%Y-%m")


def contribution(row: Any) -> list[tuple[Key, tuple[int, ...]]]:
    """An order's cells and what it counts in each."""
    dept = row["department"]
    sat = row["satisfaction"]
    dispatched = dept is not None
    signed = row["signed_at"]
    month = local_month(row["received_at"])
    rated, happy = int(sat is not None), int(sat in ("满意", "基本满意"))
    return [(("rates", (month, dept or "", row["category"], row["desk_code"])),
             (1, int(dispatched),
              int(dispatched and signed is not None and signed <= row["due_at"]),
              int(row["status"] == "closed" and sat != "不满意"), rated, happy)),
            (("board", (month, row["desk_code"], row["owner"])), (rated, happy))]


def _add(acc: dict[Key, list[int]], row: Any, sign: int) -> None:
    for key, counts in contribution(row):
        a = acc.setdefault(key, [0] * len(counts))
        for i, n in enumerate(counts):
            a[i] += sign * n


def move(st: Any, conn: Connection, before: Mapping[str, Any] | None,
         after: Mapping[str, Any] | None) -> None:
    """Move one order's contribution from ``before`` (None: a new order) to ``after``
    (None: gone), inside the caller's transaction."""
    acc: dict[Key, list[int]] = {}
    if before is not None:
        _add(acc, before, -1)
    if after is not None:
        _add(acc, after, +1)
    _apply(st, conn, acc)


def moves(st: Any, conn: Connection,
          pairs: Sequence[tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]]) -> None:
    """:func:`move` of several orders (a pushed batch's): their contributions summed per
    cell first, each cell written once."""
    acc: dict[Key, list[int]] = {}
    for before, after in pairs:
        if before is not None:
            _add(acc, before, -1)
        if after is not None:
            _add(acc, after, +1)
    _apply(st, conn, acc)


def _apply(st: Any, conn: Connection, acc: dict[Key, list[int]]) -> None:
    # one order of row locks (the cells sorted, the board's before the rates'): concurrent
    # writers never deadlock; one statement per table, run for each of its cells
    for name in sorted(TABLES):
        table, cell_cols, count_cols = TABLES[name]
        rows = [{**dict(zip(cell_cols, key[1], strict=True)),
                 **dict(zip(count_cols, acc[key], strict=True))}
                for key in sorted(k for k in acc if k[0] == name and any(acc[k]))]
        if not rows:
            continue
        ins = st.dialect_insert(table)
        conn.execute(ins.on_conflict_do_update(
            index_elements=list(cell_cols),
            set_={c: table.c[c] + ins.excluded[c] for c in count_cols}), rows)


def recount(conn: Connection) -> dict[Key, tuple[int, ...]]:
    """Both summaries counted afresh from the orders (cells with nothing left out)."""
    acc: dict[Key, list[int]] = {}
    cols = [matters.c[c] for c in NEEDS]
    for r in conn.execute(select(*cols).execution_options(yield_per=20_000)).mappings():
        _add(acc, r, +1)
    return {k: tuple(v) for k, v in acc.items() if any(v)}


def stored(conn: Connection) -> dict[Key, tuple[int, ...]]:
    """Both summaries as stored (cells whose counts are all zero left out)."""
    out: dict[Key, tuple[int, ...]] = {}
    for name, (table, cell_cols, count_cols) in TABLES.items():
        for r in conn.execute(select(table)).mappings():
            counts = tuple(int(r[c]) for c in count_cols)
            if any(counts):
                out[(name, tuple(str(r[c]) for c in cell_cols))] = counts
    return out


def build(st: Any, conn: Connection) -> int:
    """Fill ``signed_at`` where missing and count every order into the summaries afresh.
    Returns the number of orders counted."""
    first_sign = select(func.min(changes.c.at)).where(
        changes.c.kind == "matter", changes.c.status == "signed",
        changes.c.case_uuid == matters.c.uuid).scalar_subquery()
    conn.execute(update(matters).where(matters.c.signed_at.is_(None)).values(
        signed_at=first_sign))
    counted = recount(conn)
    for name, (table, cell_cols, count_cols) in TABLES.items():
        conn.execute(table.delete())
        rows = [{**dict(zip(cell_cols, k[1], strict=True)),
                 **dict(zip(count_cols, v, strict=True))}
                for k, v in counted.items() if k[0] == name]
        for i in range(0, len(rows), 5000):
            conn.execute(table.insert(), rows[i:i + 5000])
    return sum(v[0] for k, v in counted.items() if k[0] == "rates")


def sums(conn: Connection, months: list[str], by: str, *, board: bool = False
         ) -> dict[str, dict[str, int]]:
    """A summary's counts in ``months`` grouped by one of its cell columns ``by`` (the
    board's with ``board``)."""
    table, _cells, count_cols = TABLES["board" if board else "rates"]
    key = table.c[by]
    q = select(key.label("k"), *[func.sum(table.c[c]).label(c) for c in count_cols]
               ).where(table.c.month.in_(months)).group_by(key)
    return {str(r["k"]): {c: int(r[c] or 0) for c in count_cols}
            for r in conn.execute(q).mappings()}


class Rates:
    """The rates' summary kept by the orders' writers (``storage.rates``): its one-time
    build for a district made before it existed (see the module docstring). Holds the
    database it writes to."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def ensure_built(self) -> None:
        """Fill the orders' number-search keys and count every order into the summaries,
        each once however many processes start together; run by :meth:`Storage.migrate`."""
        with self.db.write() as conn:
            self.db.migration_lock(conn)
            self._fill_number_keys(conn)
        with self.db.write() as conn:
            if not self.db.is_sqlite:  # writers wait while the orders are counted
                conn.execute(text("LOCK TABLE matters IN SHARE ROW EXCLUSIVE MODE"))
            claimed = conn.execute(self.db.dialect_insert(meta).values(
                key=BUILT_KEY, value=datetime.now(UTC).isoformat(timespec="seconds"),
            ).on_conflict_do_nothing().returning(meta.c.key)).first()
            if claimed is not None:
                build(self.db, conn)

    def _fill_number_keys(self, conn: Connection) -> None:
        """Orders received before the number search had its keys get them (once: the
        ``meta`` row claimed in the same transaction)."""
        claimed = conn.execute(self.db.dialect_insert(meta).values(
            key=NUMBER_KEYS_KEY, value=datetime.now(UTC).isoformat(timespec="seconds"),
        ).on_conflict_do_nothing().returning(meta.c.key)).first()
        if claimed is None:
            return
        if not self.db.is_sqlite:  # the same as number_keys (numbers are ASCII: tested)
            conn.execute(text(
                "UPDATE matters SET no_rev = reverse(upper(matter_no)), no_tail = CASE"
                " WHEN strpos(upper(matter_no), '-M') > 0"
                " THEN regexp_replace(upper(matter_no), '^.*-M', '') ELSE '' END"
                " WHERE no_rev = ''"))
            return
        rows = conn.execute(select(matters.c.uuid, matters.c.matter_no).where(
            matters.c.no_rev == "")).all()
        for r in rows:
            conn.execute(update(matters).where(matters.c.uuid == r.uuid).values(
                **number_keys(r.matter_no)))
