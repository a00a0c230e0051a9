"""The first released schema: the district of doorstep-desk 0.1.0 (the first district
release, commit 5591d86: sync tables in ``storage.py``, console tables in
``console_store.py``), as its ``create_all`` made it — every district made since starts here.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # INTEGER PRIMARY KEY = rowid


def upgrade() -> None:
    _desks()
    _batches_and_cases()
    _changes_and_attachments()
    _console()
    _console_cases()
    # the console's indexes on the sync tables (console_store._SOURCE_INDEXES)
    op.create_index("console_src_cases_updated", "cases", ["updated_at"])
    op.create_index("console_src_ratings_recv_level", "ratings", ["received_at", "level"])
    op.create_index("console_src_batches_received", "batches", ["received_at"])


def downgrade() -> None:
    raise NotImplementedError("the district's schema only moves forward: restore a backup")


def _desks() -> None:
    """Desks, enrollment codes, request nonces, the district's meta and catalogs."""
    op.create_table('meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('desks',
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('desk_code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('secret', sa.String(length=128), nullable=False),
    sa.Column('receipt_key', sa.String(length=64), nullable=False),
    sa.Column('enrolled_at', sa.String(length=40), nullable=False),
    sa.Column('revoked_at', sa.String(length=40), nullable=True),
    sa.Column('last_seen_at', sa.String(length=40), nullable=True),
    sa.Column('client_version', sa.String(length=40), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('desk_id')
    )
    op.create_index(op.f('ix_desks_desk_code'), 'desks', ['desk_code'], unique=False)
    op.create_table('enroll_codes',
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('desk_code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.Column('expires_at', sa.String(length=40), nullable=False),
    sa.Column('used_at', sa.String(length=40), nullable=True),
    sa.Column('desk_id', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('code_hash')
    )
    op.create_table('nonces',
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('seen_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('desk_id', 'nonce')
    )
    op.create_index('nonces_seen', 'nonces', ['seen_at'], unique=False)
    op.create_table('catalogs',
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('body_json', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('published_at', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('version')
    )


def _batches_and_cases() -> None:
    """Batches, cases and their revisions, routes, ratings."""
    op.create_table('batches',
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('records_hash', sa.String(length=64), nullable=False),
    sa.Column('record_count', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.String(length=40), nullable=False),
    sa.Column('response_json', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('batch_id')
    )
    op.create_index(op.f('ix_batches_desk_id'), 'batches', ['desk_id'], unique=False)
    op.create_table('cases',
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('desk_code', sa.String(length=32), nullable=False),
    sa.Column('receipt_no', sa.String(length=64), nullable=False),
    sa.Column('item_code', sa.String(length=16), nullable=False),
    sa.Column('item_name', sa.String(length=100), nullable=False),
    sa.Column('department', sa.String(length=60), nullable=False),
    sa.Column('catalog_version', sa.String(length=40), nullable=False),
    sa.Column('desk_status', sa.String(length=20), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('applicant_name', sa.String(length=100), nullable=False),
    sa.Column('desk_created_at', sa.String(length=40), nullable=False),
    sa.Column('desk_updated_at', sa.String(length=40), nullable=False),
    sa.Column('received_at', sa.String(length=40), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=False),
    sa.Column('district_status', sa.String(length=20), server_default='received', nullable=False),
    sa.Column('district_note', sa.Text(), server_default='', nullable=False),
    sa.Column('district_department', sa.String(length=60), nullable=True),
    sa.Column('district_updated_at', sa.String(length=40), nullable=True),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('uuid')
    )
    op.create_index('cases_desk', 'cases', ['desk_id', 'received_at'], unique=False)
    op.create_index('cases_item', 'cases', ['item_code'], unique=False)
    op.create_index('cases_status', 'cases', ['district_status', 'received_at'], unique=False)
    op.create_table('case_revisions',
    sa.Column('case_uuid', sa.String(length=36), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('received_at', sa.String(length=40), nullable=False),
    sa.Column('payload_json', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('case_uuid', 'revision')
    )
    op.create_table('case_routes',
    sa.Column('case_uuid', sa.String(length=36), nullable=False),
    sa.Column('item_code', sa.String(length=16), nullable=False),
    sa.Column('item_name', sa.String(length=100), nullable=False),
    sa.Column('department', sa.String(length=60), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='pending', nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('case_uuid', 'item_code')
    )
    op.create_index('case_routes_dept', 'case_routes', ['department', 'status'], unique=False)
    op.create_table('ratings',
    sa.Column('case_uuid', sa.String(length=36), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('rated_at', sa.String(length=40), nullable=False),
    sa.Column('received_at', sa.String(length=40), nullable=False),
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('case_uuid')
    )



def _changes_and_attachments() -> None:
    """What desks pull, attachments, rejected records."""
    op.create_table('changes',
    sa.Column('seq', _BIG_ID, autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('desk_id', sa.String(length=40), nullable=True),
    sa.Column('case_uuid', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('department', sa.String(length=60), nullable=True),
    sa.Column('catalog_version', sa.String(length=40), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_index('changes_desk', 'changes', ['desk_id', 'seq'], unique=False)
    op.create_table('attachments',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    op.create_table('attachment_parts',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('offset', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('sha256', 'offset')
    )
    op.create_table('rejections',
    sa.Column('id', _BIG_ID, autoincrement=True, nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('idx', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('case_uuid', sa.String(length=64), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=True),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('rejections_desk', 'rejections', ['desk_id', 'id'], unique=False)


def _console() -> None:
    """The console's users, sessions, audit log, callbacks, state."""
    op.create_table('console_users',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.Column('disabled_at', sa.String(length=40), nullable=True),
    sa.Column('last_login_at', sa.String(length=40), nullable=True),
    sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False),
    sa.Column('locked_until', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('username')
    )
    op.create_table('console_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('last_seen', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_index(op.f('ix_console_sessions_username'), 'console_sessions', ['username'], unique=False)
    op.create_table('console_audit',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=80), server_default='', nullable=False),
    sa.Column('detail_json', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('hash')
    )
    op.create_index('console_audit_target', 'console_audit', ['target', 'id'], unique=False)
    op.create_table('console_callbacks',
    sa.Column('case_uuid', sa.String(length=36), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('rated_at', sa.String(length=40), nullable=False),
    sa.Column('received_at', sa.String(length=40), nullable=False),
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('due_date', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=16), server_default='open', nullable=False),
    sa.Column('outcome', sa.String(length=40), server_default='', nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('handled_by', sa.String(length=64), nullable=True),
    sa.Column('handled_at', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('case_uuid')
    )
    op.create_index('console_callbacks_state', 'console_callbacks', ['state', 'due_date'], unique=False)
    op.create_table('console_state',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )


def _console_cases() -> None:
    """The console's read model of the cases."""
    op.create_table('console_cases',
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('src_updated_at', sa.String(length=40), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('receipt_no', sa.String(length=64), nullable=False),
    sa.Column('item_code', sa.String(length=16), nullable=False),
    sa.Column('item_name', sa.String(length=100), nullable=False),
    sa.Column('department', sa.String(length=60), nullable=False),
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('desk_code', sa.String(length=32), nullable=False),
    sa.Column('worker', sa.String(length=100), nullable=False),
    sa.Column('applicant_name', sa.String(length=100), nullable=False),
    sa.Column('id_masked', sa.String(length=32), nullable=False),
    sa.Column('phone_masked', sa.String(length=32), nullable=False),
    sa.Column('id_hash', sa.String(length=24), nullable=False),
    sa.Column('phone_hash', sa.String(length=24), nullable=False),
    sa.Column('accepted_date', sa.String(length=10), nullable=False),
    sa.Column('promised_date', sa.String(length=10), nullable=True),
    sa.Column('received_at', sa.String(length=40), nullable=False),
    sa.Column('district_status', sa.String(length=20), nullable=False),
    sa.Column('district_note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('uuid')
    )
    op.create_index('console_cases_dept', 'console_cases', ['department', 'received_at'], unique=False)
    op.create_index('console_cases_desk', 'console_cases', ['desk_id', 'received_at'], unique=False)
    op.create_index('console_cases_due', 'console_cases', ['district_status', 'promised_date'], unique=False)
    op.create_index('console_cases_id', 'console_cases', ['id_hash'], unique=False)
    op.create_index('console_cases_intake', 'console_cases', ['accepted_date', 'item_code', 'desk_id', 'worker'], unique=False)
    op.create_index('console_cases_item', 'console_cases', ['item_code', 'received_at'], unique=False)
    op.create_index('console_cases_name', 'console_cases', ['applicant_name'], unique=False)
    op.create_index('console_cases_phone', 'console_cases', ['phone_hash'], unique=False)
    op.create_index('console_cases_receipt', 'console_cases', ['receipt_no'], unique=False)
    op.create_index('console_cases_received', 'console_cases', ['received_at', 'uuid'], unique=False)
    op.create_index('console_cases_status', 'console_cases', ['district_status', 'received_at'], unique=False)
    op.create_index('console_cases_status_desk', 'console_cases', ['district_status', 'desk_id'], unique=False)
