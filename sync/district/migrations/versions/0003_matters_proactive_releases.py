"""From the first release to the last schema made without migrations: resident matters
(issue 15), the proactive service's roster and lists (issue 18), desk releases (issue 19).

Every step looks first (:mod:`sync.district.migrations.steps`), as in ``0002``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa

from sync.district.migrations.steps import begin, index, table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # INTEGER PRIMARY KEY = rowid


def upgrade() -> None:
    begin()
    _matter_tables()
    _matters()
    _proactive()
    _releases()


def downgrade() -> None:
    raise NotImplementedError("the district's schema only moves forward: restore a backup")


def _matter_tables() -> None:
    """Resident matters' tables beside the work orders (issue 15)."""
    table('matter_revisions',
        sa.Column('matter_uuid', sa.String(length=36), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('desk_id', sa.String(length=40), nullable=False),
        sa.Column('batch_id', sa.String(length=36), nullable=False),
        sa.Column('received_at', sa.String(length=40), nullable=False),
        sa.Column('payload_json', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('matter_uuid', 'revision')
    )
    table('matter_change_bodies',
        sa.Column('seq', _BIG_ID, autoincrement=False, nullable=False),
        sa.Column('body_json', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('seq')
    )
    table('matter_schedule_runs',
        sa.Column('slot', sa.String(length=40), nullable=False),
        sa.Column('ran_at', sa.String(length=40), nullable=False),
        sa.Column('runner', sa.String(length=80), nullable=False),
        sa.Column('due_soon', sa.Integer(), server_default='0', nullable=False),
        sa.Column('overdue', sa.Integer(), server_default='0', nullable=False),
        sa.Column('escalated', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('slot')
    )
    table('matter_configs',
        sa.Column('version', sa.String(length=40), nullable=False),
        sa.Column('body_json', sa.Text(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('change_seq', _BIG_ID, nullable=False),
        sa.Column('published_at', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('version')
    )
    table('matter_followups',
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('root_cause', sa.String(length=20), nullable=True),
        sa.Column('lead_department', sa.String(length=60), nullable=True),
        sa.Column('partners', sa.Text(), server_default='', nullable=False),
        sa.Column('rect_state', sa.String(length=10), nullable=True),
        sa.Column('rect_department', sa.String(length=60), nullable=True),
        sa.Column('rect_measure', sa.Text(), nullable=True),
        sa.Column('rect_due', sa.String(length=10), nullable=True),
        sa.Column('rect_done_at', sa.String(length=40), nullable=True),
        sa.Column('updated_at', sa.String(length=40), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('uuid')
    )
    index('matter_followups_cause', 'matter_followups', ['root_cause'])
    index('matter_followups_rect', 'matter_followups', ['rect_state', 'rect_due'])
    table('matter_rate_cells',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('department', sa.String(length=60), nullable=False),
        sa.Column('category', sa.String(length=20), nullable=False),
        sa.Column('desk_code', sa.String(length=32), nullable=False),
        sa.Column('total', sa.Integer(), server_default='0', nullable=False),
        sa.Column('dispatched', sa.Integer(), server_default='0', nullable=False),
        sa.Column('in_time', sa.Integer(), server_default='0', nullable=False),
        sa.Column('resolved', sa.Integer(), server_default='0', nullable=False),
        sa.Column('rated', sa.Integer(), server_default='0', nullable=False),
        sa.Column('happy', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('month', 'department', 'category', 'desk_code')
    )
    table('matter_board_cells',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('desk_code', sa.String(length=32), nullable=False),
        sa.Column('owner', sa.String(length=40), nullable=False),
        sa.Column('rated', sa.Integer(), server_default='0', nullable=False),
        sa.Column('happy', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('month', 'desk_code', 'owner')
    )


def _matters() -> None:
    """The work orders (issue 15) and their indexes."""
    table('matters',
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('desk_id', sa.String(length=40), nullable=False),
        sa.Column('desk_code', sa.String(length=32), nullable=False),
        sa.Column('matter_no', sa.String(length=64), nullable=False),
        sa.Column('category', sa.String(length=20), nullable=False),
        sa.Column('subcategory', sa.String(length=20), nullable=True),
        sa.Column('urgency', sa.String(length=4), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('desk_status', sa.String(length=10), nullable=False),
        sa.Column('owner', sa.String(length=40), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('from_case', sa.String(length=36), nullable=True),
        sa.Column('desk_created_at', sa.String(length=40), nullable=False),
        sa.Column('desk_updated_at', sa.String(length=40), nullable=False),
        sa.Column('desk_due_at', sa.String(length=40), nullable=False),
        sa.Column('received_at', sa.String(length=40), nullable=False),
        sa.Column('updated_at', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=12), server_default='received', nullable=False),
        sa.Column('department', sa.String(length=60), nullable=True),
        sa.Column('due_at', sa.String(length=40), nullable=False),
        sa.Column('warn_at', sa.String(length=40), nullable=False),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('satisfaction', sa.String(length=8), nullable=True),
        sa.Column('redo_count', sa.Integer(), server_default='0', nullable=False),
        sa.Column('escalated_to', sa.String(length=40), nullable=True),
        sa.Column('sla_state', sa.String(length=10), server_default='normal', nullable=False),
        sa.Column('batch_id', sa.String(length=36), nullable=False),
        sa.Column('signed_at', sa.String(length=40), nullable=True),
        sa.Column('no_rev', sa.String(length=64), server_default='', nullable=False),
        sa.Column('no_tail', sa.String(length=64), server_default='', nullable=False),
        sa.PrimaryKeyConstraint('uuid')
    )
    index('matters_category_due', 'matters', ['category', 'subcategory', 'due_at', 'uuid'])
    index('matters_department', 'matters', ['department', 'status'])
    index('matters_dept_due', 'matters', ['department', 'due_at', 'uuid'])
    index('matters_desk', 'matters', ['desk_id', 'received_at'])
    index('matters_desk_due', 'matters', ['desk_code', 'due_at', 'uuid'])
    index('matters_due', 'matters', ['due_at', 'uuid'])
    index('matters_due_tail', 'matters', ['due_at', 'uuid', 'no_tail'])
    index('matters_no', 'matters', ['matter_no', 'due_at', 'uuid'])
    index('matters_no_rev', 'matters', ['no_rev', 'due_at', 'uuid'])
    index('matters_no_tail', 'matters', ['no_tail', 'due_at', 'uuid'])
    index('matters_open_counts', 'matters', ['department', 'status', 'category', 'warn_at', 'due_at'], postgresql_where=sa.text("status <> 'closed'"), sqlite_where=sa.text("status <> 'closed'"))
    index('matters_open_due', 'matters', ['due_at', 'uuid'], postgresql_where=sa.text("status <> 'closed'"), sqlite_where=sa.text("status <> 'closed'"))
    index('matters_received', 'matters', ['received_at', 'uuid'])
    index('matters_status_due', 'matters', ['status', 'due_at'])
    index('matters_status_warn', 'matters', ['status', 'warn_at'])


def _proactive() -> None:
    """Proactive service's roster and lists (issue 18)."""
    table('roster',
        sa.Column('id_number', sa.String(length=18), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('birth_date', sa.String(length=10), nullable=False),
        sa.Column('sex', sa.String(length=2), nullable=False),
        sa.Column('address', sa.Text(), nullable=False),
        sa.Column('compound', sa.String(length=100), nullable=False),
        sa.Column('grid', sa.String(length=100), nullable=False),
        sa.Column('flags_json', sa.Text(), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id_number')
    )
    index('roster_compound', 'roster', ['compound', 'birth_date'])
    table('roster_corrections',
        sa.Column('id_number', sa.String(length=18), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('note', sa.Text(), server_default='', nullable=False),
        sa.Column('desk_code', sa.String(length=32), nullable=False),
        sa.Column('entry_id', _BIG_ID, nullable=False),
        sa.Column('at', sa.String(length=40), nullable=False),
        sa.Column('passed_on_at', sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint('id_number')
    )
    table('roster_imports',
        sa.Column('id', _BIG_ID, autoincrement=True, nullable=False),
        sa.Column('file', sa.String(length=200), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('skipped', sa.Integer(), nullable=False),
        sa.Column('ignored_columns', sa.Text(), nullable=False),
        sa.Column('imported_at', sa.String(length=40), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id')
    )
    table('proactive_compounds',
        sa.Column('compound', sa.String(length=100), nullable=False),
        sa.Column('desk_code', sa.String(length=32), nullable=False),
        sa.Column('set_at', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('compound')
    )
    index('ix_proactive_compounds_desk_code', 'proactive_compounds', ['desk_code'])
    table('proactive_entries',
        sa.Column('id', _BIG_ID, autoincrement=True, nullable=False),
        sa.Column('item_code', sa.String(length=20), nullable=False),
        sa.Column('item_name', sa.String(length=100), server_default='', nullable=False),
        sa.Column('no_signature', sa.Integer(), server_default='0', nullable=False),
        sa.Column('id_number', sa.String(length=18), nullable=False),
        sa.Column('cycle', sa.String(length=7), nullable=False),
        sa.Column('slot', sa.String(length=10), nullable=False),
        sa.Column('desk_code', sa.String(length=32), nullable=False),
        sa.Column('compound', sa.String(length=100), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('address', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('due', sa.String(length=10), nullable=False),
        sa.Column('listed_at', sa.String(length=40), nullable=False),
        sa.Column('outcome', sa.String(length=20), server_default='', nullable=False),
        sa.Column('outcome_at', sa.String(length=40), nullable=True),
        sa.Column('outcome_note', sa.Text(), server_default='', nullable=False),
        sa.Column('visit_date', sa.String(length=10), nullable=True),
        sa.Column('case_uuid', sa.String(length=36), nullable=True),
        sa.Column('outcome_worker', sa.String(length=40), nullable=True),
        sa.Column('change_seq', _BIG_ID, nullable=True),
        sa.Column('told_desk_id', sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('item_code', 'id_number', 'cycle', name='proactive_entry_once')
    )
    index('proactive_entries_desk', 'proactive_entries', ['desk_code', 'id'])
    index('proactive_entries_item', 'proactive_entries', ['item_code', 'compound'])
    index('proactive_entries_told', 'proactive_entries', ['change_seq'])
    index('proactive_entries_untold', 'proactive_entries', ['desk_code', 'told_desk_id'])


def _releases() -> None:
    """Proactive service's runs (issue 18) and desk releases (issue 19)."""
    table('proactive_runs',
        sa.Column('slot', sa.String(length=10), nullable=False),
        sa.Column('started_at', sa.String(length=40), nullable=False),
        sa.Column('catalog_version', sa.String(length=64), nullable=False),
        sa.Column('listed', sa.Integer(), server_default='0', nullable=False),
        sa.Column('residents', sa.Integer(), server_default='0', nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('slot')
    )
    table('releases',
        sa.Column('id', _BIG_ID, autoincrement=True, nullable=False),
        sa.Column('platform', sa.String(length=10), nullable=False),
        sa.Column('version', sa.String(length=40), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('signature', sa.String(length=128), nullable=False),
        sa.Column('published_at', sa.String(length=40), nullable=False),
        sa.Column('published_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('platform', 'version', name='uq_releases_platform_version')
    )
    table('release_chunks',
        sa.Column('release_id', sa.BigInteger(), nullable=False),
        sa.Column('idx', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('release_id', 'idx')
    )
