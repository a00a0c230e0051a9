"""Fixtures for sync tests: a real district server on a free loopback port (in a thread, or
in a subprocess that can be killed), over SQLite and over PostgreSQL, and real desks.

PostgreSQL: Debian's package is used (installed with apt-get when
``/usr/lib/postgresql/*/bin/initdb`` is missing); one cluster per session in a temp folder,
started as the ``postgres`` user when the tests run as root; one fresh database per test.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import District, PgCluster


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty district database URL: an SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'district.sqlite3'}"
        return
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    name = "t_" + uuid.uuid4().hex[:12]
    cluster.admin(f"CREATE DATABASE {name}")
    try:
        yield cluster.url(name)
    finally:
        cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def district(db_url: str) -> Iterator[District]:
    """A running district server over a fresh database (SQLite and PostgreSQL)."""
    d = District(db_url)
    try:
        yield d
    finally:
        d.stop()


@pytest.fixture
def make_desk(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """A factory of opened, configured desks (``DeskContext``) in temp folders."""
    from desk.core.app import DeskContext

    opened: list[Any] = []

    def make(desk_code: str = "HY-QL01", name: str = "刘晓燕") -> Any:
        ctx = DeskContext.open(str(tmp_path / f"desk-{len(opened)}"))
        ctx.settings.desk_code = desk_code
        ctx.settings.desk_name = f"{desk_code} 流动办事点"
        ctx.settings.worker_name = name
        ctx.save_settings()
        opened.append(ctx)
        return ctx

    yield make
    for ctx in opened:
        ctx.close()


