"""What every command shares: opening the desk for one command, messages on stderr,
reading a JSON object, writing a file whole, and a disk failure in the worker's words."""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from pathlib import Path
from typing import Any

from desk.core.app import DeskContext
from desk.core.errors import DeskError
from sync.client.pin import fetch_key_share


def err(msg: str) -> None:
    """One line for the worker (or the script) on stderr."""
    print(msg, file=sys.stderr)


def print_json(data: Any, *, indent: int | None = None) -> None:
    """A command's answer on stdout (Chinese kept readable)."""
    print(json.dumps(data, ensure_ascii=False, indent=indent))


_OPENED: list[DeskContext] = []  # contexts opened by this command, closed when it ends


def open_desk(args: argparse.Namespace, *, exclusive: bool = False) -> DeskContext:
    """Open the desk; the data folder stays held (shared, or ``exclusive``) until the
    command ends (see desk.core.inuse)."""
    ctx = DeskContext.open(args.data_dir, exclusive=exclusive, fetch_share=fetch_key_share)
    _OPENED.append(ctx)
    for notice in ctx.notices:  # e.g. a damaged settings file kept aside
        err(f"notice: {notice}")
    return ctx


def close_opened() -> None:
    """Close what :func:`open_desk` opened (the command has ended)."""
    while _OPENED:
        try:
            _OPENED.pop().close()
        except DeskError:
            pass


# what did not happen when a command fails on the disk, in the worker's words
_OUTCOME = {"new": "案件未保存", "receipt": "回执未生成", "rate": "评价未保存",
            "backup": "备份未完成", "protect": "加密未完成", "passwd": "密码未修改",
            "setup": "设置未保存", "restore": "恢复未完成", "purge": "清理未完成",
            "demo": "演示案件未生成", "enroll": "登记未完成", "sync": "同步未完成",
            "pin": "PIN 未设置", "catalog": "事项目录未读取", "cases": "案件列表未读取",
            "matter": "诉求未保存", "matters": "诉求列表未读取"}


def disk_failure(command: str, exc: OSError) -> str:
    """A full disk or a failing device, outside the store: what happened and what did not."""
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        problem = "磁盘空间已满"
    else:
        problem = f"读写磁盘出错（{exc.strerror or exc}）"
    return (f"error: {problem}，{_OUTCOME.get(command, '操作未完成')}。"
            "请清理磁盘空间或检查存储设备后重试。")


def read_json_object(name: str) -> dict[str, Any] | None:
    """The JSON object in file ``name`` (``-``: stdin); None after saying what is wrong."""
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        err(f"json: [file] 无法读取文件 {name}: {exc.strerror}")
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        err(f"json: [syntax] 不是有效的 JSON（第{exc.lineno}行第{exc.colno}列）: {exc.msg}")
        return None
    if not isinstance(data, dict):
        err("json: [type] 应为一个 JSON 对象 {字段: 值, ...}")
        return None
    return data


def stdin_lines() -> list[str]:
    """Lines piped on stdin (a password, a PIN); none from a terminal."""
    return [] if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read().splitlines()


def write_file(out: Path, data: bytes) -> None:
    """Write ``data`` to ``out`` whole or not at all: a temporary file beside it, fsynced
    and renamed; on failure (a full disk) nothing is left behind."""
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    try:
        with open(part, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, out)
    except OSError:
        part.unlink(missing_ok=True)
        raise
