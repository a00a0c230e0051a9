"""A lock row for every resident and item a case is indexed by (issue 20).

The duplicate check (:mod:`sync.district.duplicates`) upserts a ``resident_locks`` row for
each (resident, item) of a batch before reading the other desks' cases of those residents.
On PostgreSQL a lock row that upsert *makes* now means no case of that resident and item
exists, and the read is skipped for it — true for every case received since the rows were
written with the cases; this revision writes the rows of the cases received before (a
district whose lock rows were lost, or never written — an SQLite district writes none —
would otherwise miss a duplicate once).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # (the WHERE clause also keeps SQLite from reading ON CONFLICT as a join's)
    op.execute(
        "INSERT INTO resident_locks (id_hash, item_code, at) "
        "SELECT resident_hash, item_code, max(received_at) FROM cases "
        "WHERE resident_hash IS NOT NULL GROUP BY resident_hash, item_code "
        "ON CONFLICT (id_hash, item_code) DO NOTHING")


def downgrade() -> None:
    raise NotImplementedError("the district's schema only moves forward: restore a backup")
