"""Errors the desk explains to the worker, as opposed to bugs.

Like qutebrowser's sql module: a full disk, a locked or corrupt database is a known
condition with a clear message; anything else is a bug and may show a traceback in logs.
"""

from __future__ import annotations

from collections.abc import Sequence

from forms.engine import Problem


class DeskError(Exception):
    """A condition the worker can understand and act on."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class StoreError(DeskError):
    """The local database cannot do what was asked (full, locked, corrupt, read-only)."""


class ValidationFailed(DeskError):
    """A submission has problems; nothing was saved."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("invalid", "；".join(p.message for p in problems))
        self.problems = list(problems)


class NotFound(DeskError):
    """No such case or item."""


def translate_sqlite(exc: BaseException, outcome: str = "操作未完成") -> StoreError | None:
    """Map an sqlite3 error to a known :class:`StoreError`, or None for a bug.

    ``outcome`` says what did not happen, in the worker's words (``案件未保存``,
    ``评价未保存``, ``备份未完成``, ...): the message names what failed, never a case
    that nobody was saving.
    """
    text = str(exc).lower()
    code = getattr(exc, "sqlite_errorcode", None)
    if "full" in text or code == 13:
        return StoreError("full", f"磁盘空间已满，{outcome}。请清理磁盘空间后重试。")
    if "locked" in text or "busy" in text or code in (5, 6):
        return StoreError("locked", f"数据库正被其他程序占用，{outcome}。请关闭其他窗口后重试。")
    if "not a database" in text or "malformed" in text or code in (11, 26):
        return StoreError("corrupt", "数据库文件已损坏，请联系技术支持从备份恢复。")
    if "readonly" in text or "read-only" in text or code == 8:
        return StoreError("readonly", "数据库文件只读，无法保存。请检查文件权限。")
    if "disk i/o" in text or code == 10:
        return StoreError("io", f"读写磁盘出错，{outcome}。请检查存储设备。")
    if "unable to open" in text or code == 14:
        return StoreError("open", "无法打开数据库文件，请检查数据目录是否存在且可写。")
    return None
