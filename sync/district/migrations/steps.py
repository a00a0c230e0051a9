"""The steps of the revisions that catch up a district made before the migrations
(``0002``, ``0003``): each looks first and does only what is missing, because those
districts all recorded ``schema_version`` 1 whatever they held (``create_all`` and a pass
adding missing columns and indexes brought each to the code that ran it).

Released revisions call these: change them never (a new revision needs none of them).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op


class _Found:
    """What the database held when the revision began (one inspector: it caches what it
    read, and only what existed before is asked about), and the tables made since."""

    insp: sa.Inspector
    made: set[str]


found = _Found()


def begin() -> None:
    """Look at the database as it is now (first thing in a revision's ``upgrade``)."""
    found.insp, found.made = sa.inspect(op.get_bind()), set()


def table(name: str, *items: Any) -> None:
    """Create the table, or add the columns it lacks (each nullable or with a default)."""
    if not found.insp.has_table(name):
        op.create_table(name, *items)
        found.made.add(name)
        return
    have = {c["name"] for c in found.insp.get_columns(name)}
    for item in items:
        if isinstance(item, sa.Column) and item.name not in have:
            op.add_column(name, item)


def column(table_name: str, col: sa.Column[Any]) -> None:
    """Add the column unless the table has it."""
    if col.name not in {c["name"] for c in found.insp.get_columns(table_name)}:
        op.add_column(table_name, col)


def has_index(table_name: str, name: str) -> bool:
    return table_name not in found.made and name in {
        ix["name"] for ix in found.insp.get_indexes(table_name)}


def index(name: str, table_name: str, columns: list[str], **kw: Any) -> None:
    """Create the index unless the table has one of that name."""
    if not has_index(table_name, name):
        op.create_index(name, table_name, columns, **kw)
