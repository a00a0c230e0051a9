"""Test setup shared by every test: no display, no real home folder, no network.

- ``QT_QPA_PLATFORM=offscreen`` before anything imports Qt.
- ``HOME`` / XDG folders point into a per-session temp folder, so nothing touches the
  real user's folders; ``DOORSTEP_DATA_DIR`` is unset (tests pass explicit folders).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="doorstep-test-home-"))
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["HOME"] = str(_SESSION_HOME)
os.environ["XDG_DATA_HOME"] = str(_SESSION_HOME / "data")
os.environ["XDG_CONFIG_HOME"] = str(_SESSION_HOME / "config")
os.environ["XDG_CACHE_HOME"] = str(_SESSION_HOME / "cache")
os.environ["XDG_RUNTIME_DIR"] = str(_SESSION_HOME / "runtime")
(_SESSION_HOME / "runtime").mkdir(mode=0o700, exist_ok=True)
os.environ.pop("DOORSTEP_DATA_DIR", None)
os.environ.pop("DOORSTEP_DB", None)
os.environ.setdefault("TZ", "Asia/Shanghai")

# tests/sync/sync_helpers.py (free ports, bounded waits, the PostgreSQL cluster) is shared
# by the sync, console and installer tests
sys.path.insert(0, str(Path(__file__).parent / "sync"))


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Any]:
    """One PostgreSQL cluster for the whole session (Debian's package, started by the
    tests), shared by the sync and console tests; each test makes its own database."""
    from sync_helpers import PgCluster

    cluster = PgCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh desk data folder."""
    d = tmp_path / "desk-data"
    d.mkdir()
    return d


@pytest.fixture
def desk(data_dir: Path) -> Iterator[object]:
    """An opened :class:`desk.core.app.DeskContext` with a configured desk and worker."""
    from desk.core.app import DeskContext

    ctx = DeskContext.open(str(data_dir))
    ctx.settings.desk_code = "HY-QL01"
    ctx.settings.desk_name = "七里一村社区流动办事点"
    ctx.settings.worker_name = "刘晓燕"
    ctx.save_settings()
    yield ctx
    ctx.close()
