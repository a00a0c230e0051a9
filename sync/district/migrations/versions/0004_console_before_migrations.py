"""From the first release to the last schema made without migrations, the console's
side: the read model's search and counts (issue 21), callbacks' contact attempts, users'
names and departments, the indexes of the case list's pages at 1,000,000 cases — and the
older indexes those replace, dropped.

Every step looks first (:mod:`sync.district.migrations.steps`), as in ``0002``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sync.district.migrations.steps import begin, column, found, index, table

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# indexes an older district has that wider ones replace (console_cases_overdue and the
# list's sorted columns)
_REPLACED = ("console_cases_due", "console_cases_sort_item", "console_cases_sort_desk",
             "console_cases_sort_worker", "console_cases_sort_promised")


def upgrade() -> None:
    begin()
    _console_tables()
    _console_cases()
    have = {ix["name"] for ix in found.insp.get_indexes("console_cases")}
    for name in _REPLACED:
        if name in have:
            op.drop_index(name, table_name="console_cases")


def downgrade() -> None:
    raise NotImplementedError("the district's schema only moves forward: restore a backup")


def _console_tables() -> None:
    """The read model's search terms, counts, ratings and exports; callbacks' attempts; users' names and departments."""
    table('console_case_terms',
        sa.Column('term', sa.String(length=80), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('accepted_date', sa.String(length=10), server_default='', nullable=False),
        sa.Column('received_at', sa.String(length=40), server_default='', nullable=False),
        sa.PrimaryKeyConstraint('term', 'uuid')
    )
    index('console_case_terms_sorted', 'console_case_terms', ['term', 'accepted_date', 'received_at', 'uuid'])
    index('console_case_terms_uuid', 'console_case_terms', ['uuid'])
    table('console_counts',
        sa.Column('kind', sa.String(length=4), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('a', sa.String(length=100), nullable=False),
        sa.Column('b', sa.String(length=100), nullable=False),
        sa.Column('c', sa.String(length=8), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'day', 'a', 'b', 'c')
    )
    table('console_export_cases',
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('audit_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('uuid', 'audit_id')
    )
    table('console_rated',
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('uuid')
    )
    column('console_callbacks', sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
    column('console_callbacks', sa.Column('last_attempt_at', sa.String(length=40), nullable=True))
    column('console_callbacks', sa.Column('last_attempt_by', sa.String(length=64), nullable=True))
    column('console_callbacks', sa.Column('last_attempt_note', sa.Text(), server_default='', nullable=False))
    column('console_users', sa.Column('real_name', sa.String(length=40), server_default='', nullable=False))
    column('console_users', sa.Column('unit', sa.String(length=60), server_default='', nullable=False))
    column('console_users', sa.Column('department', sa.String(length=60), server_default='', nullable=False))
    index('console_src_batches_desk', 'batches', ['desk_id', 'received_at'])


def _console_cases() -> None:
    """Console_cases' search columns and the indexes of its pages at 1,000,000 cases."""
    column('console_cases', sa.Column('priority', sa.Integer(), server_default='0', nullable=False))
    column('console_cases', sa.Column('initials', sa.String(length=24), server_default='', nullable=False))
    column('console_cases', sa.Column('receipt_rev', sa.String(length=64), server_default='', nullable=False))
    index('console_cases_accepted', 'console_cases', ['accepted_date', 'received_at', 'uuid'])
    index('console_cases_by_desk', 'console_cases', ['desk_code', 'received_at', 'uuid'])
    index('console_cases_by_item', 'console_cases', ['item_name', 'received_at', 'uuid'])
    index('console_cases_by_promised', 'console_cases', ['promised_date', 'received_at', 'uuid'])
    index('console_cases_by_worker', 'console_cases', ['worker', 'received_at', 'uuid'])
    index('console_cases_initials', 'console_cases', ['initials'])
    index('console_cases_open', 'console_cases', ['received_at', 'uuid'], postgresql_where=sa.text("district_status IN ('received', 'accepted', 'needs_correction', 'routed')"), sqlite_where=sa.text("district_status IN ('received', 'accepted', 'needs_correction', 'routed')"))
    index('console_cases_open_accepted', 'console_cases', ['accepted_date', 'received_at', 'uuid'], postgresql_where=sa.text("district_status IN ('received', 'accepted', 'needs_correction', 'routed')"), sqlite_where=sa.text("district_status IN ('received', 'accepted', 'needs_correction', 'routed')"))
    index('console_cases_open_promised', 'console_cases', ['promised_date', 'received_at', 'uuid'], postgresql_where=sa.text("district_status IN ('received', 'accepted', 'needs_correction', 'routed')"), sqlite_where=sa.text("district_status IN ('received', 'accepted', 'needs_correction', 'routed')"))
    index('console_cases_overdue', 'console_cases', ['district_status', 'promised_date', 'item_code', 'accepted_date', 'received_at', 'uuid'])
    index('console_cases_priority', 'console_cases', ['priority', 'district_status', 'received_at'])
    index('console_cases_receipt_rev', 'console_cases', ['receipt_rev'])
    index('console_cases_status_item', 'console_cases', ['district_status', 'item_code'])
    index('console_cases_worker_day', 'console_cases', ['worker', 'accepted_date'])
