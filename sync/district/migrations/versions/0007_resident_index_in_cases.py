"""The duplicate check's resident index in each case's own row (issue 20): one row and one
random-key index entry fewer per case received of an item with a ``once`` rule.

``resident_items`` (one row per such case, keyed by its UUID, plus an index by resident)
becomes three columns of ``cases`` — ``resident_hash``, ``resident_date``,
``resident_exception`` — indexed by ``(resident_hash, item_code)`` where the hash is set
(``cases_resident``). The rows held are copied into their cases, then the table dropped.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sync.district.migrations.steps import begin, column, index

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # (looking first, as 0002-0005 do: a district made before the migrations by a later
    # model is taken as the first release and brought up through every revision)
    begin()
    column("cases", sa.Column("resident_hash", sa.String(length=24), nullable=True))
    column("cases", sa.Column("resident_date", sa.String(length=10), nullable=True))
    column("cases", sa.Column("resident_exception", sa.String(length=40), nullable=True))
    if sa.inspect(op.get_bind()).has_table("resident_items"):
        op.execute(
            "UPDATE cases SET "
            "resident_hash = (SELECT ri.id_hash FROM resident_items ri"
            " WHERE ri.case_uuid = cases.uuid), "
            "resident_date = (SELECT ri.accepted_date FROM resident_items ri"
            " WHERE ri.case_uuid = cases.uuid), "
            "resident_exception = (SELECT ri.excepted FROM resident_items ri"
            " WHERE ri.case_uuid = cases.uuid) "
            "WHERE uuid IN (SELECT case_uuid FROM resident_items)")
        op.drop_table("resident_items")
    index("cases_resident", "cases", ["resident_hash", "item_code"], unique=False,
          sqlite_where=sa.text("resident_hash IS NOT NULL"),
          postgresql_where=sa.text("resident_hash IS NOT NULL"))


def downgrade() -> None:
    raise NotImplementedError("the district's schema only moves forward: restore a backup")
