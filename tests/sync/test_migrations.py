"""The district's schema migrations (issue 13, sync/district/migrations), on SQLite and
PostgreSQL:

- a database made by the first release (tests/sync/first_release_schema.py: that release's
  own tables) upgraded to head equals a new database created at head — tables, columns,
  types, defaults, keys, indexes (partial ones with their condition) — and keeps its data;
  revision 0001 alone makes exactly the first release's schema;
- a district made by the last code before the migrations (``create_all``, ``schema_version``
  1) is stamped at head, not altered, and keeps its data;
- Alembic's autogenerate comparison finds no difference between head and the models (a
  model changed without a migration fails here);
- server processes starting together on one new database end with one correct schema.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import first_release_schema as first
import pytest
from alembic import command
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, inspect, select, text
from sqlalchemy.pool import NullPool
from sync_helpers import PgCluster

from sync.district import migrations
from sync.district.console.store import ConsoleStore
from sync.district.database import Database
from sync.district.storage import Storage
from sync.district.tables import cases, meta

ROOT = Path(__file__).resolve().parents[2]
HEAD = "0010"


@pytest.fixture
def other_url(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A second empty database of the same kind as ``db_url``."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'other.sqlite3'}"
        return
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    name = "t_" + uuid.uuid4().hex[:12]
    cluster.admin(f"CREATE DATABASE {name}")
    try:
        yield cluster.url(name)
    finally:
        cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def schema(url: str) -> dict[str, Any]:
    """Every table's columns (name, type, nullable, default), primary key, unique
    constraints and indexes (with a partial index's condition), as SQLAlchemy reflects
    them (column order aside: a column added later comes last)."""
    eng = create_engine(url, poolclass=NullPool)
    try:
        insp = inspect(eng)
        out: dict[str, Any] = {}
        for t in sorted(insp.get_table_names()):
            if t == "alembic_version":
                continue
            cols = sorted((c["name"], str(c["type"].compile(dialect=eng.dialect)),
                           c["nullable"], migrations.bare_default(c["default"]))
                          for c in insp.get_columns(t))
            ixs = sorted((ix["name"], tuple(ix["column_names"]), bool(ix["unique"]),
                          _where(eng, t, ix)) for ix in insp.get_indexes(t))
            uqs = sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(t))
            out[t] = {"columns": cols, "pk": insp.get_pk_constraint(t)["constrained_columns"],
                      "unique": uqs, "indexes": ixs}
        return out
    finally:
        eng.dispose()


def _where(eng: Any, table: str, ix: dict[str, Any]) -> str:
    """A partial index's condition (PostgreSQL: reflected; SQLite: from its DDL)."""
    opts = ix.get("dialect_options") or {}
    if "postgresql_where" in opts:
        return str(opts["postgresql_where"])
    if eng.dialect.name != "sqlite":
        return ""
    with eng.connect() as conn:
        sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'index' AND "
                                "name = :n AND tbl_name = :t"), {"n": ix["name"], "t": table}
                           ).scalar() or ""
    return " ".join(sql.split(" WHERE ", 1)[1].split()) if " WHERE " in sql else ""


def sqlite_ddl(url: str) -> list[tuple[str, str, str]]:
    eng = create_engine(url, poolclass=NullPool)
    try:
        with eng.connect() as conn:
            return [tuple(r) for r in conn.execute(text(
                "SELECT type, name, sql FROM sqlite_master WHERE name <> 'alembic_version'"
                " AND name NOT LIKE 'sqlite_autoindex_alembic%' ORDER BY type, name"))]
    finally:
        eng.dispose()


def start(url: str) -> Storage:
    """What a server start does to the database: the storage, then the console."""
    st = Storage(url)
    ConsoleStore(st)
    return st


def _revision(st: Database) -> str | None:
    with st.read() as conn:
        return migrations.current(conn)


def _first_release_district(url: str) -> None:
    eng = create_engine(url, poolclass=NullPool)
    try:
        first.create(eng)
        with eng.begin() as conn:
            conn.execute(first.cases.insert().values(
                uuid="c1", desk_id="d1", desk_code="HY-QL01", receipt_no="HY-QL01-20261121-0001",
                item_code="MZ-GLJT", item_name="高龄津贴", department="民政",
                catalog_version="2026.11", desk_status="submitted", revision=1,
                applicant_name="唐玉梅", desk_created_at="2026-11-21T08:00:00+08:00",
                desk_updated_at="2026-11-21T08:00:00+08:00",
                received_at="2026-11-21T00:00:01.000+00:00",
                updated_at="2026-11-21T00:00:01.000+00:00", batch_id="b1"))
            conn.execute(first.users.insert().values(
                username="admin", password_hash="x", role="admin",
                created_at="2026-11-21T00:00:00+00:00"))
    finally:
        eng.dispose()


def test_revision_1_is_the_first_release(db_url: str, other_url: str) -> None:
    eng = create_engine(other_url, poolclass=NullPool)
    try:
        first.create(eng)
    finally:
        eng.dispose()
    db = Database(db_url)
    try:
        with db.write() as conn:
            from alembic import command
            command.upgrade(migrations.config(conn), migrations.FIRST)
        assert schema(db_url).keys() - {"alembic_version"} == schema(other_url).keys()
        assert schema(db_url) == schema(other_url)
    finally:
        db.close()


def test_first_release_district_upgrades_to_head(db_url: str, other_url: str) -> None:
    _first_release_district(db_url)
    old = start(db_url)
    new = start(other_url)
    try:
        assert _revision(old) == HEAD == _revision(new)
        got, want = schema(db_url), schema(other_url)
        assert got.keys() == want.keys()
        for table in want:
            assert got[table] == want[table], table
        with old.read() as conn:
            assert conn.execute(select(cases.c.receipt_no, cases.c.priority)).all() == [
                ("HY-QL01-20261121-0001", 0)]
            assert conn.execute(text("SELECT username FROM console_users")).scalars().all() \
                == ["admin"]
            assert migrations.differences(conn) == []
    finally:
        old.close()
        new.close()


def _pre_alembic_district(url: str) -> None:
    """A district as the last code before the migrations made it: ``create_all`` of every
    table and index, the ``schema_version`` row, and data."""
    eng = create_engine(url, poolclass=NullPool)
    try:
        with eng.begin() as conn:
            for md in migrations.target_metadata():
                md.create_all(conn)
            conn.execute(meta.insert().values(key="schema_version", value="1"))
            conn.execute(text("INSERT INTO console_users (username, password_hash, role,"
                              " created_at) VALUES ('admin', 'x', 'admin', 'now')"))
    finally:
        eng.dispose()


def test_pre_alembic_district_is_stamped_not_altered(db_url: str) -> None:
    _pre_alembic_district(db_url)
    before = schema(db_url)
    ddl = sqlite_ddl(db_url) if db_url.startswith("sqlite") else None
    db = Database(db_url)
    try:
        with db.write() as conn:
            db.migration_lock(conn)
            assert migrations.upgrade(conn) == "stamped"
        with db.write() as conn:
            assert migrations.upgrade(conn) == "current"
    finally:
        db.close()
    st = start(db_url)
    try:
        assert _revision(st) == HEAD
        assert schema(db_url) == before
        if ddl is not None:
            assert sqlite_ddl(db_url) == ddl  # not one statement run on it
        with st.read() as conn:
            assert conn.execute(text("SELECT username FROM console_users")).scalars().all() \
                == ["admin"]
    finally:
        st.close()


def test_models_and_head_agree(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    st = start(db_url)
    try:
        with st.read() as conn:
            assert migrations.differences(conn) == []
            # …and a table (or column, or index) in the models without a migration shows
            extra = MetaData()
            Table("not_migrated", extra, Column("id", Integer, primary_key=True))
            models = migrations.target_metadata()
            monkeypatch.setattr(migrations, "target_metadata", lambda: [*models, extra])
            assert [d[0] for d in migrations.differences(conn)] == ["add_table"]
    finally:
        st.close()


def test_servers_starting_together_migrate_once(db_url: str) -> None:
    code = ("import sys; from sync.district.storage import Storage; "
            "from sync.district.console.store import ConsoleStore; "
            "ConsoleStore(Storage(sys.argv[1])).db.close()")
    procs = [subprocess.Popen([sys.executable, "-c", code, db_url], cwd=ROOT,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    st = Storage(db_url)
    try:
        with st.read() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [
                (HEAD,)]
            assert migrations.differences(conn) == []
    finally:
        st.close()


def test_active_desks_sharing_a_code_do_not_stop_the_upgrade(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """A district made before desk codes were unique among active desks, where two active
    desks share one: the upgrade goes on without that index (and says so)."""
    _pre_alembic_district(db_url)
    eng = create_engine(db_url, poolclass=NullPool)
    try:
        with eng.begin() as conn:
            conn.execute(text("DROP INDEX desks_active_code"))
            for desk_id in ("desk-a", "desk-b"):
                conn.execute(text(
                    "INSERT INTO desks (desk_id, desk_code, name, secret, receipt_key,"
                    " enrolled_at) VALUES (:d, 'HY-QL08', 'x', 's', 'k', 'now')"), {"d": desk_id})
    finally:
        eng.dispose()
    st = start(db_url)
    try:
        assert _revision(st) == HEAD
        with st.read() as conn:
            assert [d[0] for d in migrations.differences(conn)] == ["add_index"]
            assert conn.execute(text("SELECT count(*) FROM desks")).scalar() == 2
        assert any("desks_active_code not created" in r.getMessage() for r in caplog.records)
    finally:
        st.close()


def test_revision_0009_keeps_two_tables_rows_in_their_key_on_sqlite(db_url: str) -> None:
    """``desk_records`` and ``receipt_numbers`` (a row per record a batch brings) become
    ``WITHOUT ROWID`` on SQLite with every row kept; PostgreSQL's are left as they are."""
    db = Database(db_url)
    try:
        with db.write() as conn:
            db.migration_lock(conn)
            command.upgrade(migrations.config(conn), "0008")
            conn.exec_driver_sql(
                "INSERT INTO desk_records (desk_id, kind, case_uuid, revision, outbox_id, at) "
                "VALUES ('d1', 'case', 'c1', 1, 7, 'now'), ('d1', 'rating', 'c1', 1, NULL, 'now')")
            conn.exec_driver_sql("INSERT INTO receipt_numbers (receipt_no, case_uuid) "
                                 "VALUES ('HY-QL01-20261121-0001', 'c1')")
    finally:
        db.close()
    st = start(db_url)
    try:
        assert _revision(st) == HEAD
        with st.read() as conn:
            assert sorted(conn.exec_driver_sql(
                "SELECT desk_id, kind, case_uuid, revision, outbox_id FROM desk_records")) == [
                ("d1", "case", "c1", 1, 7), ("d1", "rating", "c1", 1, None)]
            assert list(conn.exec_driver_sql("SELECT receipt_no, case_uuid FROM receipt_numbers")
                        ) == [("HY-QL01-20261121-0001", "c1")]
            assert migrations.differences(conn) == []
    finally:
        st.close()
    if db_url.startswith("sqlite"):
        ddl = {name: sql for _t, name, sql in sqlite_ddl(db_url)}
        for name in ("desk_records", "receipt_numbers"):
            assert ddl[name].rstrip().endswith("WITHOUT ROWID"), ddl[name]
        assert not any(n.startswith("sqlite_autoindex_desk_records") for n in ddl)
