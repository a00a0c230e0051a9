"""Alembic's environment for the district database: run on the connection the caller hands
over in ``config.attributes["connection"]`` (inside its transaction, under its lock) —
never from a URL of its own (see :mod:`sync.district.migrations`)."""

from __future__ import annotations

from alembic import context

from sync.district.migrations import OPTIONS, target_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
    **OPTIONS,
)
with context.begin_transaction():
    context.run_migrations()
