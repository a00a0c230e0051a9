"""Each desk's daily upload cap (issue 17): the bytes a desk uploaded each district day
(``upload_use``) and a desk code's own cap set by district staff (``upload_caps``).

These tables came into the models in the same change that brought the migrations, so a
district made without migrations may already hold them: the steps look first, as in
``0002``–``0004``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa

from sync.district.migrations.steps import begin, table

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    begin()
    table(
        "upload_caps",
        sa.Column("desk_code", sa.String(length=32), nullable=False),
        sa.Column("cap", sa.BigInteger(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("desk_code"))
    table(
        "upload_use",
        sa.Column("desk_id", sa.String(length=40), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("desk_id", "day"))


def downgrade() -> None:
    raise NotImplementedError("the district's schema only moves forward: restore a backup")
