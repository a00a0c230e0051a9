"""From the first release to the last schema made without migrations, desks, the district
and cases: the tables issues 7-25 added (desks' key shares, replacements and agreement,
epochs, rate limits, departments, calendars, attachments, duplicates) and the columns and
indexes added to the first release's tables since.

Every step looks first (:mod:`sync.district.migrations.steps`): a district made by any
release before the migrations ends at the same schema as one made from the first release.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

from sync.district.migrations.steps import begin, column, found, has_index, index, table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # INTEGER PRIMARY KEY = rowid


def upgrade() -> None:
    begin()
    _desks()
    _district()
    _cases()
    _attachment_parts_by_desk()
    _active_desk_codes()


def downgrade() -> None:
    raise NotImplementedError("the district's schema only moves forward: restore a backup")


def _attachment_parts_by_desk() -> None:
    """Uploads in progress are kept per desk (primary key desk_id, sha256, offset): the
    first release's table, keyed by the SHA-256 alone, is made anew (uploads in progress
    then resume from zero)."""
    pk = found.insp.get_pk_constraint("attachment_parts")["constrained_columns"]
    if "desk_id" in pk:
        return
    op.drop_table("attachment_parts")
    op.create_table(
        "attachment_parts",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("desk_id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("desk_id", "sha256", "offset"),
    )


def _active_desk_codes() -> None:
    """Desk codes unique among active desks (issue 21). Where two active desks already
    share a code the index cannot be built: the district keeps serving and says so
    (sync.district.desk_codes.ensure_constraints tries again at every start)."""
    if has_index("desks", "desks_active_code"):
        return
    try:
        with op.get_bind().begin_nested():
            op.create_index("desks_active_code", "desks", ["desk_code"], unique=True,
                            sqlite_where=sa.text("revoked_at IS NULL"),
                            postgresql_where=sa.text("revoked_at IS NULL"))
    except DBAPIError as exc:
        log.error("desks_active_code not created (%s): active desks share a code",
                  type(exc).__name__)


def _desks() -> None:
    """What the district keeps per desk: PIN key shares, replacements, what each acknowledged, agreement, dates."""
    table('desk_keys',
        sa.Column('desk_id', sa.String(length=40), nullable=False),
        sa.Column('key_share', sa.String(length=64), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('proof_hash', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
        sa.Column('locked_at', sa.String(length=40), nullable=True),
        sa.Column('set_at', sa.String(length=40), nullable=False),
        sa.Column('last_unlock_at', sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint('desk_id')
    )
    table('desk_replacements',
        sa.Column('desk_id', sa.String(length=40), nullable=False),
        sa.Column('replaces', sa.String(length=40), nullable=False),
        sa.Column('at', sa.String(length=40), nullable=False),
        sa.Column('handover_at', sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint('desk_id'),
        sa.UniqueConstraint('replaces')
    )
    table('desk_records',
        sa.Column('desk_id', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('case_uuid', sa.String(length=36), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('outbox_id', sa.BigInteger(), nullable=True),
        sa.Column('at', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('desk_id', 'kind', 'case_uuid', 'revision')
    )
    table('desk_agreement',
        sa.Column('desk_id', sa.String(length=40), nullable=False),
        sa.Column('epoch_id', sa.String(length=64), nullable=False),
        sa.Column('checked_at', sa.String(length=40), nullable=False),
        sa.Column('held', sa.BigInteger(), nullable=False),
        sa.Column('acked', sa.BigInteger(), nullable=False),
        sa.Column('agreed', sa.Integer(), nullable=False),
        sa.Column('agreed_at', sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint('desk_id')
    )
    table('desk_sent_counts',
        sa.Column('desk_id', sa.String(length=40), nullable=False),
        sa.Column('cases', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('desk_id')
    )
    table('desk_date_flags',
        sa.Column('case_uuid', sa.String(length=36), nullable=False),
        sa.Column('desk_id', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('desk_day', sa.String(length=10), nullable=False),
        sa.Column('reference_day', sa.String(length=10), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('at', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('case_uuid')
    )
    index('desk_date_flags_desk', 'desk_date_flags', ['desk_id'])
    column('enroll_codes', sa.Column('replaces', sa.String(length=40), nullable=True))


def _district() -> None:
    """The district's own: epochs, status reports, keys, rate limits, departments, calendars."""
    table('status_reports',
        sa.Column('desk_id', sa.String(length=40), nullable=False),
        sa.Column('case_uuid', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('note', sa.Text(), server_default='', nullable=False),
        sa.Column('department', sa.String(length=60), nullable=True),
        sa.Column('item_code', sa.String(length=16), nullable=True),
        sa.Column('at', sa.String(length=40), nullable=False),
        sa.Column('epoch_id', sa.String(length=64), nullable=False),
        sa.Column('reported_at', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('desk_id', 'case_uuid', 'kind', 'at')
    )
    table('epochs',
        sa.Column('epoch', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('epoch_id', sa.String(length=64), nullable=False),
        sa.Column('started_at', sa.String(length=40), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('detail', sa.Text(), server_default='', nullable=False),
        sa.PrimaryKeyConstraint('epoch')
    )
    table('district_keys',
        sa.Column('name', sa.String(length=20), nullable=False),
        sa.Column('private_hex', sa.String(length=64), nullable=False),
        sa.Column('public_hex', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('name')
    )
    table('rate_hits',
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('start', sa.Float(), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('scope', 'client')
    )
    index('rate_hits_start', 'rate_hits', ['start'])
    table('departments',
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('added_at', sa.String(length=40), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('name')
    )
    table('holiday_calendars',
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('change_seq', _BIG_ID, nullable=False),
        sa.Column('holidays_json', sa.Text(), nullable=False),
        sa.Column('workdays_json', sa.Text(), nullable=False),
        sa.Column('body_json', sa.Text(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('published_at', sa.String(length=40), nullable=False),
        sa.Column('published_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('year', 'version'),
        sa.UniqueConstraint('change_seq')
    )


def _cases() -> None:
    """Cases: bundle routes in changes, receipt numbers, attachments, duplicates."""
    column('cases', sa.Column('priority', sa.Integer(), server_default='0', nullable=False))
    column('changes', sa.Column('item_code', sa.String(length=16), nullable=True))
    column('changes', sa.Column('item_name', sa.String(length=100), nullable=True))
    index('changes_case', 'changes', ['case_uuid', 'seq'])
    index('case_revisions_desk', 'case_revisions', ['desk_id', 'received_at', 'case_uuid'])
    table('receipt_numbers',
        sa.Column('receipt_no', sa.String(length=64), nullable=False),
        sa.Column('case_uuid', sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint('receipt_no')
    )
    index('ix_receipt_numbers_case_uuid', 'receipt_numbers', ['case_uuid'])
    table('attachment_holders',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('desk_id', sa.String(length=40), nullable=False),
        sa.Column('at', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('sha256', 'desk_id')
    )
    table('case_attachments',
        sa.Column('attachment_id', sa.String(length=36), nullable=False),
        sa.Column('case_uuid', sa.String(length=36), nullable=False),
        sa.Column('desk_id', sa.String(length=40), nullable=False),
        sa.Column('material', sa.String(length=200), nullable=False),
        sa.Column('page', sa.Integer(), nullable=False),
        sa.Column('mime', sa.String(length=40), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.String(length=40), nullable=False),
        sa.Column('received_at', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('attachment_id')
    )
    index('ix_case_attachments_case_uuid', 'case_attachments', ['case_uuid'])
    table('case_duplicates',
        sa.Column('case_uuid', sa.String(length=36), nullable=False),
        sa.Column('other_uuid', sa.String(length=36), nullable=False),
        sa.Column('desk_id', sa.String(length=40), nullable=False),
        sa.Column('item_code', sa.String(length=16), nullable=False),
        sa.Column('rule', sa.String(length=16), nullable=False),
        sa.Column('state', sa.String(length=16), server_default='flagged', nullable=False),
        sa.Column('flagged_at', sa.String(length=40), nullable=False),
        sa.Column('cleared_at', sa.String(length=40), nullable=True),
        sa.Column('cleared_by', sa.String(length=64), nullable=True),
        sa.Column('clear_note', sa.Text(), server_default='', nullable=False),
        sa.Column('flag_seq', sa.BigInteger(), nullable=True),
        sa.Column('clear_seq', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('case_uuid', 'other_uuid')
    )
    index('case_duplicates_cleared', 'case_duplicates', ['clear_seq'])
    index('case_duplicates_state', 'case_duplicates', ['state', 'case_uuid'])
    index('case_duplicates_untold', 'case_duplicates', ['flag_seq'])
    table('resident_items',
        sa.Column('case_uuid', sa.String(length=36), nullable=False),
        sa.Column('id_hash', sa.String(length=24), nullable=False),
        sa.Column('item_code', sa.String(length=16), nullable=False),
        sa.Column('desk_code', sa.String(length=32), nullable=False),
        sa.Column('accepted_date', sa.String(length=10), nullable=False),
        sa.Column('excepted', sa.String(length=40), server_default='', nullable=False),
        sa.PrimaryKeyConstraint('case_uuid')
    )
    index('resident_items_resident', 'resident_items', ['id_hash', 'item_code'])
    table('resident_locks',
        sa.Column('id_hash', sa.String(length=24), nullable=False),
        sa.Column('item_code', sa.String(length=16), nullable=False),
        sa.Column('at', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('id_hash', 'item_code')
    )
