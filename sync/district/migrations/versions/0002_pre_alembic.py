"""From the first release to the last schema made without migrations (issues 7-25: matters,
agreement with desks, releases, the roster, attachments, the console's read model and
search, and the indexes the pages needed at 1,000,000 cases).

Those districts all recorded ``schema_version`` 1 whatever they held — ``create_all`` and a
pass adding missing columns and indexes brought each to the code that ran it — so every
step here looks first and does only what is missing: a district made by any release before
the migrations ends at the same schema as one made from the first release.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # INTEGER PRIMARY KEY = rowid
# indexes an older district has that wider ones replace (console_cases_overdue and the
# list's sorted columns)
_REPLACED = ("console_cases_due", "console_cases_sort_item", "console_cases_sort_desk",
             "console_cases_sort_worker", "console_cases_sort_promised")


class _Found:
    """What the database held when this revision began (one inspector: it caches what it
    read, and only what existed before is asked about), and the tables made since."""

    insp: sa.Inspector
    made: set[str]


_found = _Found()


def _table(name: str, *items: Any) -> None:
    """Create the table, or add the columns it lacks (each nullable or with a default)."""
    if not _found.insp.has_table(name):
        op.create_table(name, *items)
        _found.made.add(name)
        return
    have = {c["name"] for c in _found.insp.get_columns(name)}
    for item in items:
        if isinstance(item, sa.Column) and item.name not in have:
            op.add_column(name, item)


def _column(table: str, column: sa.Column[Any]) -> None:
    if column.name not in {c["name"] for c in _found.insp.get_columns(table)}:
        op.add_column(table, column)


def _index(name: str, table: str, columns: list[str], **kw: Any) -> None:
    if table in _found.made or name not in {
            ix["name"] for ix in _found.insp.get_indexes(table)}:
        op.create_index(name, table, columns, **kw)


def _attachment_parts_by_desk() -> None:
    """Uploads in progress are kept per desk (primary key desk_id, sha256, offset): the
    first release's table, keyed by the SHA-256 alone, is made anew (uploads in progress
    then resume from zero)."""
    pk = _found.insp.get_pk_constraint("attachment_parts")["constrained_columns"]
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
    if "desks_active_code" in {ix["name"] for ix in _found.insp.get_indexes("desks")}:
        return
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            op.create_index("desks_active_code", "desks", ["desk_code"], unique=True,
                            sqlite_where=sa.text("revoked_at IS NULL"),
                            postgresql_where=sa.text("revoked_at IS NULL"))
    except DBAPIError as exc:
        log.error("desks_active_code not created (%s): active desks share a code",
                  type(exc).__name__)


def upgrade() -> None:
    _found.insp, _found.made = sa.inspect(op.get_bind()), set()
    _table('attachment_holders',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('sha256', 'desk_id')
    )
    _table('case_attachments',
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
    _table('case_duplicates',
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
    _table('departments',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('added_at', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    _table('desk_agreement',
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('epoch_id', sa.String(length=64), nullable=False),
    sa.Column('checked_at', sa.String(length=40), nullable=False),
    sa.Column('held', sa.BigInteger(), nullable=False),
    sa.Column('acked', sa.BigInteger(), nullable=False),
    sa.Column('agreed', sa.Integer(), nullable=False),
    sa.Column('agreed_at', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('desk_id')
    )
    _table('desk_date_flags',
    sa.Column('case_uuid', sa.String(length=36), nullable=False),
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('desk_day', sa.String(length=10), nullable=False),
    sa.Column('reference_day', sa.String(length=10), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('case_uuid')
    )
    _table('desk_keys',
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
    _table('desk_records',
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('case_uuid', sa.String(length=36), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.BigInteger(), nullable=True),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('desk_id', 'kind', 'case_uuid', 'revision')
    )
    _table('desk_replacements',
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('replaces', sa.String(length=40), nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('handover_at', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('desk_id'),
    sa.UniqueConstraint('replaces')
    )
    _table('desk_sent_counts',
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('desk_id')
    )
    _table('district_keys',
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('private_hex', sa.String(length=64), nullable=False),
    sa.Column('public_hex', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    _table('epochs',
    sa.Column('epoch', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('epoch_id', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.Text(), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('epoch')
    )
    _table('holiday_calendars',
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
    _table('matter_board_cells',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('desk_code', sa.String(length=32), nullable=False),
    sa.Column('owner', sa.String(length=40), nullable=False),
    sa.Column('rated', sa.Integer(), server_default='0', nullable=False),
    sa.Column('happy', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('month', 'desk_code', 'owner')
    )
    _table('matter_change_bodies',
    sa.Column('seq', _BIG_ID, autoincrement=False, nullable=False),
    sa.Column('body_json', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    _table('matter_configs',
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('body_json', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('change_seq', _BIG_ID, nullable=False),
    sa.Column('published_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('version')
    )
    _table('matter_followups',
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
    _table('matter_rate_cells',
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
    _table('matter_revisions',
    sa.Column('matter_uuid', sa.String(length=36), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('desk_id', sa.String(length=40), nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('received_at', sa.String(length=40), nullable=False),
    sa.Column('payload_json', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('matter_uuid', 'revision')
    )
    _table('matter_schedule_runs',
    sa.Column('slot', sa.String(length=40), nullable=False),
    sa.Column('ran_at', sa.String(length=40), nullable=False),
    sa.Column('runner', sa.String(length=80), nullable=False),
    sa.Column('due_soon', sa.Integer(), server_default='0', nullable=False),
    sa.Column('overdue', sa.Integer(), server_default='0', nullable=False),
    sa.Column('escalated', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('slot')
    )
    _table('matters',
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
    _table('proactive_compounds',
    sa.Column('compound', sa.String(length=100), nullable=False),
    sa.Column('desk_code', sa.String(length=32), nullable=False),
    sa.Column('set_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('compound')
    )
    _table('proactive_entries',
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
    _table('proactive_runs',
    sa.Column('slot', sa.String(length=10), nullable=False),
    sa.Column('started_at', sa.String(length=40), nullable=False),
    sa.Column('catalog_version', sa.String(length=64), nullable=False),
    sa.Column('listed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('residents', sa.Integer(), server_default='0', nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('slot')
    )
    _table('rate_hits',
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('start', sa.Float(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'client')
    )
    _table('receipt_numbers',
    sa.Column('receipt_no', sa.String(length=64), nullable=False),
    sa.Column('case_uuid', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('receipt_no')
    )
    _table('release_chunks',
    sa.Column('release_id', sa.BigInteger(), nullable=False),
    sa.Column('idx', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('release_id', 'idx')
    )
    _table('releases',
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
    _table('resident_items',
    sa.Column('case_uuid', sa.String(length=36), nullable=False),
    sa.Column('id_hash', sa.String(length=24), nullable=False),
    sa.Column('item_code', sa.String(length=16), nullable=False),
    sa.Column('desk_code', sa.String(length=32), nullable=False),
    sa.Column('accepted_date', sa.String(length=10), nullable=False),
    sa.Column('excepted', sa.String(length=40), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('case_uuid')
    )
    _table('resident_locks',
    sa.Column('id_hash', sa.String(length=24), nullable=False),
    sa.Column('item_code', sa.String(length=16), nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id_hash', 'item_code')
    )
    _table('roster',
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
    _table('roster_corrections',
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('desk_code', sa.String(length=32), nullable=False),
    sa.Column('entry_id', _BIG_ID, nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('passed_on_at', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id_number')
    )
    _table('roster_imports',
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
    _table('status_reports',
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
    _table('console_case_terms',
    sa.Column('term', sa.String(length=80), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('accepted_date', sa.String(length=10), server_default='', nullable=False),
    sa.Column('received_at', sa.String(length=40), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('term', 'uuid')
    )
    _table('console_counts',
    sa.Column('kind', sa.String(length=4), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('a', sa.String(length=100), nullable=False),
    sa.Column('b', sa.String(length=100), nullable=False),
    sa.Column('c', sa.String(length=8), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'day', 'a', 'b', 'c')
    )
    _table('console_export_cases',
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('uuid', 'audit_id')
    )
    _table('console_rated',
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('uuid')
    )
    _column('cases', sa.Column('priority', sa.Integer(), server_default='0', nullable=False))
    _column('changes', sa.Column('item_code', sa.String(length=16), nullable=True))
    _column('changes', sa.Column('item_name', sa.String(length=100), nullable=True))
    _column('console_callbacks', sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
    _column('console_callbacks', sa.Column('last_attempt_at', sa.String(length=40), nullable=True))
    _column('console_callbacks', sa.Column('last_attempt_by', sa.String(length=64), nullable=True))
    _column('console_callbacks', sa.Column('last_attempt_note', sa.Text(), server_default='', nullable=False))
    _column('console_cases', sa.Column('priority', sa.Integer(), server_default='0', nullable=False))
    _column('console_cases', sa.Column('initials', sa.String(length=24), server_default='', nullable=False))
    _column('console_cases', sa.Column('receipt_rev', sa.String(length=64), server_default='', nullable=False))
    _column('console_users', sa.Column('real_name', sa.String(length=40), server_default='', nullable=False))
    _column('console_users', sa.Column('unit', sa.String(length=60), server_default='', nullable=False))
    _column('console_users', sa.Column('department', sa.String(length=60), server_default='', nullable=False))
    _column('enroll_codes', sa.Column('replaces', sa.String(length=40), nullable=True))
    _index('ix_case_attachments_case_uuid', 'case_attachments', ['case_uuid'])
    _index('case_duplicates_cleared', 'case_duplicates', ['clear_seq'])
    _index('case_duplicates_state', 'case_duplicates', ['state', 'case_uuid'])
    _index('case_duplicates_untold', 'case_duplicates', ['flag_seq'])
    _index('desk_date_flags_desk', 'desk_date_flags', ['desk_id'])
    _index('matter_followups_cause', 'matter_followups', ['root_cause'])
    _index('matter_followups_rect', 'matter_followups', ['rect_state', 'rect_due'])
    _index('matters_category_due', 'matters', ['category', 'subcategory', 'due_at', 'uuid'])
    _index('matters_department', 'matters', ['department', 'status'])
    _index('matters_dept_due', 'matters', ['department', 'due_at', 'uuid'])
    _index('matters_desk', 'matters', ['desk_id', 'received_at'])
    _index('matters_desk_due', 'matters', ['desk_code', 'due_at', 'uuid'])
    _index('matters_due', 'matters', ['due_at', 'uuid'])
    _index('matters_due_tail', 'matters', ['due_at', 'uuid', 'no_tail'])
    _index('matters_no', 'matters', ['matter_no', 'due_at', 'uuid'])
    _index('matters_no_rev', 'matters', ['no_rev', 'due_at', 'uuid'])
    _index('matters_no_tail', 'matters', ['no_tail', 'due_at', 'uuid'])
    _index('matters_open_counts', 'matters', ['department', 'status', 'category', 'warn_at', 'due_at'], postgresql_where=sa.text("status <> 'closed'"), sqlite_where=sa.text("status <> 'closed'"))
    _index('matters_open_due', 'matters', ['due_at', 'uuid'], postgresql_where=sa.text("status <> 'closed'"), sqlite_where=sa.text("status <> 'closed'"))
    _index('matters_received', 'matters', ['received_at', 'uuid'])
    _index('matters_status_due', 'matters', ['status', 'due_at'])
    _index('matters_status_warn', 'matters', ['status', 'warn_at'])
    _index('ix_proactive_compounds_desk_code', 'proactive_compounds', ['desk_code'])
    _index('proactive_entries_desk', 'proactive_entries', ['desk_code', 'id'])
    _index('proactive_entries_item', 'proactive_entries', ['item_code', 'compound'])
    _index('proactive_entries_told', 'proactive_entries', ['change_seq'])
    _index('proactive_entries_untold', 'proactive_entries', ['desk_code', 'told_desk_id'])
    _index('rate_hits_start', 'rate_hits', ['start'])
    _index('ix_receipt_numbers_case_uuid', 'receipt_numbers', ['case_uuid'])
    _index('resident_items_resident', 'resident_items', ['id_hash', 'item_code'])
    _index('roster_compound', 'roster', ['compound', 'birth_date'])
    _index('console_case_terms_sorted', 'console_case_terms', ['term', 'accepted_date', 'received_at', 'uuid'])
    _index('console_case_terms_uuid', 'console_case_terms', ['uuid'])
    _index('console_src_batches_desk', 'batches', ['desk_id', 'received_at'])
    _index('case_revisions_desk', 'case_revisions', ['desk_id', 'received_at', 'case_uuid'])
    _index('changes_case', 'changes', ['case_uuid', 'seq'])
    _index('console_cases_accepted', 'console_cases', ['accepted_date', 'received_at', 'uuid'])
    _index('console_cases_by_desk', 'console_cases', ['desk_code', 'received_at', 'uuid'])
    _index('console_cases_by_item', 'console_cases', ['item_name', 'received_at', 'uuid'])
    _index('console_cases_by_promised', 'console_cases', ['promised_date', 'received_at', 'uuid'])
    _index('console_cases_by_worker', 'console_cases', ['worker', 'received_at', 'uuid'])
    _index('console_cases_initials', 'console_cases', ['initials'])
    _index('console_cases_open', 'console_cases', ['received_at', 'uuid'], postgresql_where=sa.text("district_status IN ('received', 'accepted', 'needs_correction', 'routed')"), sqlite_where=sa.text("district_status IN ('received', 'accepted', 'needs_correction', 'routed')"))
    _index('console_cases_open_accepted', 'console_cases', ['accepted_date', 'received_at', 'uuid'], postgresql_where=sa.text("district_status IN ('received', 'accepted', 'needs_correction', 'routed')"), sqlite_where=sa.text("district_status IN ('received', 'accepted', 'needs_correction', 'routed')"))
    _index('console_cases_open_promised', 'console_cases', ['promised_date', 'received_at', 'uuid'], postgresql_where=sa.text("district_status IN ('received', 'accepted', 'needs_correction', 'routed')"), sqlite_where=sa.text("district_status IN ('received', 'accepted', 'needs_correction', 'routed')"))
    _index('console_cases_overdue', 'console_cases', ['district_status', 'promised_date', 'item_code', 'accepted_date', 'received_at', 'uuid'])
    _index('console_cases_priority', 'console_cases', ['priority', 'district_status', 'received_at'])
    _index('console_cases_receipt_rev', 'console_cases', ['receipt_rev'])
    _index('console_cases_status_item', 'console_cases', ['district_status', 'item_code'])
    _index('console_cases_worker_day', 'console_cases', ['worker', 'accepted_date'])
    have = {ix["name"] for ix in _found.insp.get_indexes("console_cases")}
    for name in _REPLACED:
        if name in have:
            op.drop_index(name, table_name="console_cases")
    _attachment_parts_by_desk()
    _active_desk_codes()


def downgrade() -> None:
    raise NotImplementedError("the district's schema only moves forward: restore a backup")
