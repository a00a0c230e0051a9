"""A PostgreSQL district made with a locale compares every key by it: with zh_CN.UTF-8,
PostgreSQL's CPU for 50 desks' batches was about 30 % higher than with ``--locale=C``
(``bench/bench_sync.py --pg-locale``, issue 20). The server says so when it starts; a
database made with ``--locale=C`` (as the installer's README makes it) is left in peace."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest
from sync_helpers import PgCluster

from sync.district.app import note_collation
from sync.district.storage import Storage


@pytest.mark.postgres
def test_the_server_warns_of_a_database_that_compares_keys_by_a_locale(
        pg_cluster: PgCluster, caplog: pytest.LogCaptureFixture) -> None:
    made = []
    try:
        for coll in ("C.UTF-8", "C"):
            name = "t_" + uuid.uuid4().hex[:12]
            pg_cluster.admin(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
                             f"LC_COLLATE '{coll}' LC_CTYPE '{coll}'")
            made.append(name)
            st = Storage(pg_cluster.url(name))
            try:
                caplog.clear()
                with caplog.at_level(logging.WARNING, logger="doorstep.district"):
                    said = note_collation(st)
            finally:
                st.close()
            if coll == "C":
                assert said is None and not caplog.records
            else:
                assert said == coll
                text = caplog.records[0].getMessage()
                assert coll in text and "--locale=C" in text and "pg_dump" in text
    finally:
        for name in made:
            pg_cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_sqlite_has_no_collation_to_warn_of(tmp_path: Path) -> None:
    st = Storage(f"sqlite:///{tmp_path / 'd.sqlite3'}")
    try:
        assert st.collation() is None and note_collation(st) is None
    finally:
        st.close()
