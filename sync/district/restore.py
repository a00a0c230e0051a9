"""``doorstep-district restore FILE``: put back a backup made by the shipped
``doorstep-district-backup`` and start a new epoch (issue 22).

- SQLite (``sqlite:///path``): the backup file (an SQLite database, integrity-checked
  first) is copied into the database file with SQLite's backup API, in one step; a missing
  database file (a new disk) is created.
- PostgreSQL: the ``pg_dump --format=custom`` archive is checked with ``pg_restore --list``,
  turned into SQL by ``pg_restore``, and run by ``psql`` in **one transaction** together
  with dropping every table the database has now — so tables made after the backup do not
  keep newer rows, and a failed restore changes nothing.

Then the schema is brought up to date (a backup from an older release), a new epoch starts
(its counter above both the backup's and, when it can still be read, the replaced
database's), and the restore is written to the console's hash-chained audit log. Desks
notice the new epoch at their next sync, pull again from the beginning and send again what
the district lost (see :mod:`sync.district.reconcile`).

Stop the server first: the SQLite copy refuses a database another process is writing.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from sync.district.console.audit import append_audit
from sync.district.console.store import ConsoleStore
from sync.district.database import normalize_url
from sync.district.errors import Refused
from sync.district.storage import Storage


def _tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise Refused(f"找不到 {name}（PostgreSQL 客户端工具），请先安装 postgresql-client")
    return found


def _live_epoch(url: str) -> int:
    """The epoch counter of the database about to be replaced (0 when unreadable)."""
    try:
        eng = create_engine(_ro_url(url), poolclass=NullPool)
        try:
            with eng.connect() as conn:
                names = set(inspect(conn).get_table_names())
                best = 0
                if "meta" in names:
                    v = conn.execute(text("SELECT value FROM meta WHERE key = 'epoch'")).scalar()
                    best = int(v or 0)
                if "epochs" in names:
                    best = max(best, int(conn.execute(text(
                        "SELECT max(epoch) FROM epochs")).scalar() or 0))
                return best
        finally:
            eng.dispose()
    except Exception:  # a lost or damaged database: nothing to read
        return 0


def _ro_url(url: str) -> str:
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if not Path(path).is_file():
            raise FileNotFoundError(path)
        return f"sqlite:///file:{path}?mode=ro&uri=true"
    return url


def _sqlite_path(url: str) -> str:
    path = url.split("///", 1)[1] if "///" in url else ""
    if not path or path == ":memory:":
        raise Refused("restore 需要一个 SQLite 数据库文件或 PostgreSQL 地址")
    return path


def _restore_sqlite(url: str, backup: Path) -> None:
    try:
        src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise Refused(f"无法打开备份文件 {backup}: {exc}") from None
    try:
        try:
            ok = src.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in src.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise Refused(f"备份文件 {backup.name} 不是 SQLite 数据库: {exc}") from None
        if ok != "ok":
            raise Refused(f"备份文件 {backup.name} 未通过完整性检查: {ok}")
        if not {"desks", "cases", "meta"} <= tables:
            raise Refused(f"备份文件 {backup.name} 不是区级数据库的备份（缺少 desks/cases/meta 表）")
        path = Path(_sqlite_path(url))
        path.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(str(path), timeout=5, isolation_level=None)
        try:
            try:
                # exclusive: refuses while a running server holds the database
                dst.execute("PRAGMA journal_mode=DELETE")
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError as exc:
                raise Refused(f"无法写入区级数据库（{exc}）；请先停止区级服务器再恢复") from None
        finally:
            dst.close()
    finally:
        src.close()


def _restore_postgres(url: str, backup: Path) -> None:
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    listed = subprocess.run([pg_restore, "--list", str(backup)], capture_output=True,
                            text=True, check=False)
    if listed.returncode != 0:
        raise Refused(f"备份文件 {backup.name} 不是 pg_dump 归档: "
                      f"{listed.stderr.strip()[:300]}")
    if "TABLE public desks " not in listed.stdout and " TABLE public desks" not in listed.stdout:
        raise Refused(f"备份文件 {backup.name} 不是区级数据库的备份（缺少 desks 表）")
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    eng = create_engine(url, poolclass=NullPool)
    try:
        with eng.connect() as conn:
            current = inspect(conn).get_table_names(schema="public")
    except SQLAlchemyError as exc:
        why = type(getattr(exc, "orig", None) or exc).__name__
        raise Refused(f"无法连接要恢复到的数据库（{why}）：请确认 PostgreSQL 在运行、数据库已"
                      "创建（createdb），--db 地址正确") from None
    finally:
        eng.dispose()
    with tempfile.TemporaryDirectory(prefix="doorstep-restore-") as tmp:
        drop = Path(tmp) / "drop.sql"
        drop.write_text("".join(f'DROP TABLE IF EXISTS public."{t}" CASCADE;\n'
                                for t in current), encoding="utf-8")
        script = Path(tmp) / "restore.sql"
        made = subprocess.run([pg_restore, "--no-owner", "--no-privileges", "--file",
                               str(script), str(backup)], capture_output=True, text=True,
                              check=False)
        if made.returncode != 0:
            raise Refused(f"无法读取备份 {backup.name}: {made.stderr.strip()[:300]}")
        env = dict(os.environ, PGOPTIONS="-c lock_timeout=10000")
        done = subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
                               "-d", libpq, "-f", str(drop), "-f", str(script)],
                              capture_output=True, text=True, check=False, env=env)
        if done.returncode != 0:
            raise Refused("恢复失败，数据库未改动（整个恢复在一个事务中）: "
                          f"{done.stderr.strip()[:400]}")


def restore(url: str, backup: Path | str, *, actor: str = "cli") -> dict[str, Any]:
    """Restore ``backup`` into the database at ``url`` and start a new epoch; a summary
    ``{"restored", "db", "epoch", "epoch_id", "previous_epoch", "backup_epoch", "cases",
    "desks"}``. Raises :class:`Refused` with a clear message (nothing changed)."""
    url = normalize_url(url)
    backup = Path(backup).expanduser()
    if not backup.is_file():
        raise Refused(f"备份文件不存在: {backup}")
    previous = _live_epoch(url)
    if url.startswith("sqlite"):
        _restore_sqlite(url, backup)
    else:
        _restore_postgres(url, backup)
    backup_epoch = _live_epoch(url)
    st = Storage(url)  # brings an older backup's schema up to date
    try:
        ConsoleStore(st)  # the console's tables, for the audit entry
        with st.write() as conn:
            ident = st.reconcile.new_epoch_in(conn, "restore", actor, f"从备份 {backup.name} 恢复",
                                    floor=previous)
            append_audit(st, conn, actor, "district.restore", backup.name[:80],
                         epoch=ident["epoch"], epoch_id=ident["epoch_id"],
                         backup_epoch=backup_epoch, previous_epoch=previous,
                         backup_size=backup.stat().st_size)
        stats = st.stats()
    finally:
        st.close()
    return {"restored": str(backup), "db": "sqlite" if url.startswith("sqlite") else "postgresql",
            "epoch": ident["epoch"], "epoch_id": ident["epoch_id"],
            "previous_epoch": previous, "backup_epoch": backup_epoch,
            "cases": stats["cases"], "desks": stats["desks"]}
