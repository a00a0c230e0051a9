"""Who is using a desk's data folder: a shared "in use" lock and an exclusive one.

Every process that opens a data folder — the window, each command-line command — holds
the folder's lock in *shared* mode for as long as it has the store open. Commands that
replace or re-key the store (``protect``, ``passwd``, ``restore``, ``purge``) need it
*exclusively* and refuse at once, with "办事台正在使用中，请先关闭窗口", while anyone else
holds it: so no process can keep writing cases or backups to a store that was re-keyed or
replaced under it.

The lock is filelock's :class:`~filelock.ReadWriteLock` on ``desk.lock`` in the data folder
(a SQLite transaction lock: shared readers, one writer, on Linux and Windows alike; the
operating system drops it when a process dies, so a crash never leaves the folder locked).
The file stays empty: it holds no data.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import ReadWriteLock, Timeout

from desk.core.errors import DeskError

FILE_NAME = "desk.lock"
IN_USE = "办事台正在使用中，请先关闭窗口"
# an opener waits this long for a short exclusive operation (protect, restore) to finish
OPEN_WAIT = 30.0


def lock_path(data_dir: Path) -> Path:
    """The lock file of a data folder."""
    return Path(data_dir) / FILE_NAME


class Hold:
    """One process's hold on a data folder (shared or exclusive); :meth:`release` ends it."""

    def __init__(self, data_dir: Path, *, exclusive: bool, wait: float) -> None:
        self.exclusive = exclusive
        # one instance per hold (not the per-path singleton): two holds in one process
        # then see each other exactly as two processes would
        self._lock: ReadWriteLock | None = None
        try:
            self._lock = ReadWriteLock(lock_path(data_dir), is_singleton=False)
            if exclusive:
                self._lock.acquire_write(blocking=False)
            else:
                self._lock.acquire_read(timeout=wait)
        except Timeout:
            self.release()
            if exclusive:
                raise DeskError("in_use", IN_USE) from None
            raise DeskError("busy", "办事台正在加密、修改密码、恢复或清理数据，请稍后再试"
                                    "（或先关闭正在进行该操作的窗口或命令）") from None
        except (sqlite3.Error, OSError, ValueError) as exc:  # e.g. a read-only folder
            self.release()
            raise DeskError("open", f"无法使用数据文件夹 {data_dir}（锁文件 {FILE_NAME}："
                                    f"{exc}）；请检查该文件夹可以写入") from None

    def release(self) -> None:
        """Let go (idempotent; any thread)."""
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.close()

    @property
    def held(self) -> bool:
        """True until :meth:`release`."""
        return self._lock is not None


def share(data_dir: Path, *, wait: float = OPEN_WAIT) -> Hold:
    """Hold ``data_dir`` in shared mode (the store is open here); waits up to ``wait``
    seconds for an exclusive operation to end, then raises DeskError ``busy``."""
    return Hold(data_dir, exclusive=False, wait=wait)


def take(data_dir: Path) -> Hold:
    """Hold ``data_dir`` exclusively, or raise DeskError ``in_use`` (never waits)."""
    return Hold(data_dir, exclusive=True, wait=0)


@contextmanager
def exclusive(data_dir: Path) -> Iterator[Hold]:
    """``with exclusive(dir):`` — the folder is ours alone inside the block."""
    hold = take(data_dir)
    try:
        yield hold
    finally:
        hold.release()
