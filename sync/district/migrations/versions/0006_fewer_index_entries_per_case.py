"""Fewer index entries written per case received (issue 20): two indexes no query reads.

- ``ix_receipt_numbers_case_uuid``: nothing looks a receipt number up by its case (the
  public receipt query reads ``receipt_numbers`` by number, its primary key, then the case
  by its UUID); a random-key B-tree insert per new case.
- ``cases_item`` (``item_code`` alone): no query reads ``cases`` by item — the console's
  lists and counts read their own read model (``console_cases``, indexed by item there).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_receipt_numbers_case_uuid", table_name="receipt_numbers",
                  if_exists=True)
    op.drop_index("cases_item", table_name="cases", if_exists=True)


def downgrade() -> None:
    raise NotImplementedError("the district's schema only moves forward: restore a backup")
