"""The receipt number each desk sent last kept beside its count of cases sent, and no index
of every revision by desk (issue 20).

The 办事点 page's newest receipt per desk was read through ``case_revisions_desk``
(desk, receive time, case): an index entry for every revision a batch brings, at a key
scattered by desk — 30 % of PostgreSQL's work inserting a batch's revisions (30,000 rows
copied in batches of 500 into a table with and without it: 0.85 against 0.58 CPU-s of the
backend). Each batch now keeps its desk's newest receipt in ``desk_sent_counts`` with the
count (``sync.district.replacement.count_sent``); a replacement's hand-over finds the old
desk's cases through the replacement's own cases (``cases_desk``) and each case's first
revision (the primary key).

The upgrade fills the two columns from the revisions a district holds (one pass, while the
index is still there), then drops the index.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sync.district.migrations.steps import begin, column

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# per desk, the case whose first revision it sent last (as the page ordered them)
_NEWEST = (
    "SELECT desk_id, received_at, receipt_no FROM (SELECT r.desk_id, r.received_at, "
    "c.receipt_no, row_number() OVER (PARTITION BY r.desk_id "
    "ORDER BY r.received_at DESC, c.receipt_no DESC) AS n FROM case_revisions r "
    "JOIN cases c ON c.uuid = r.case_uuid WHERE r.revision = 1) AS firsts WHERE n = 1")


def upgrade() -> None:
    begin()  # (a district made before the migrations, by today's code, has them already)
    column("desk_sent_counts", sa.Column("newest_at", sa.String(length=40), nullable=True))
    column("desk_sent_counts", sa.Column("newest_receipt", sa.String(length=64),
                                         nullable=True))
    conn = op.get_bind()
    newest = [{"d": d, "at": at, "no": no} for d, at, no in conn.exec_driver_sql(_NEWEST)]
    if newest:
        conn.execute(sa.text("UPDATE desk_sent_counts SET newest_at = :at, "
                             "newest_receipt = :no WHERE desk_id = :d"), newest)
    op.drop_index("case_revisions_desk", table_name="case_revisions", if_exists=True)


def downgrade() -> None:
    raise NotImplementedError("the district's schema only moves forward: restore a backup")
